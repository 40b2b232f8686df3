"""Counting days for the timeline: working days (no weekends, no public holidays) or every day.

Public holidays come from the ``holidays`` package, for the country named by the setting
``SECOND_OPINION_HOLIDAYS`` (a country code such as ``US`` or ``MX``, or a country and one of its
parts, such as ``US-CA``); the United States without it. A day is a working day when it is
Monday to Friday and not a public holiday there.

``DayCounter`` numbers the days from today (0): working days only, or, for a timeline counted
day by day, every day (then ``is_open`` says whether offices are open that day).

>>> from datetime import date
>>> counter = DayCounter(date(2026, 12, 24), country="US")  # a Thursday; Friday is Christmas
>>> counter.date(0), counter.date(1)
(datetime.date(2026, 12, 24), datetime.date(2026, 12, 28))
>>> counter.index(date(2026, 12, 25), forward=True)
1
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import lru_cache
from typing import Final

import holidays

from secondopinion import settings

__all__ = [
    "DEFAULT_COUNTRY",
    "HOLIDAYS_SETTING",
    "DayCounter",
    "holiday_country",
    "is_working_day",
]

HOLIDAYS_SETTING: Final = settings.HOLIDAYS.name
"""The setting (environment variable) naming the country whose public holidays are days off."""

DEFAULT_COUNTRY: Final = "US"

_YEARS_BEFORE: Final = 3
"""Holidays are counted from this many years before today (earlier dates are only ever the
'planned' day of a step that is already late, and a holiday there changes nothing)."""


def holiday_country() -> str:
    """The country (and part of it) from the setting, else the United States."""
    return settings.text(settings.HOLIDAYS) or DEFAULT_COUNTRY


@lru_cache(maxsize=8)
def _calendar(country: str) -> holidays.HolidayBase:
    code, _, part = country.partition("-")
    try:
        return holidays.country_holidays(code.upper(), subdiv=part.upper() or None)
    except NotImplementedError as error:
        raise ValueError(
            f"{HOLIDAYS_SETTING}={country!r}: no public holidays are known for this country "
            f"({error}); use a code such as US, US-CA or MX"
        ) from error


@lru_cache(maxsize=4096)
def _weekday_holidays(country: str, year: int) -> tuple[dt.date, ...]:
    """The public holidays of one year that fall Monday to Friday, in order."""
    calendar = _calendar(country)
    end = getattr(calendar, "end_year", None)
    if end is not None and year > end:
        return ()
    calendar.get(dt.date(year, 1, 1))  # the calendar adds a year's holidays when first asked
    return tuple(sorted(d for d in calendar if d.year == year and d.weekday() < 5))


def is_working_day(day: dt.date, country: str | None = None) -> bool:
    """Monday to Friday, and not a public holiday in ``country`` (the setting's by default)."""
    place = country or holiday_country()
    return day.weekday() < 5 and day not in _weekday_holidays(place, day.year)


def _weekday_number(day: dt.date, *, forward: bool) -> int:
    """The number of ``day`` among Mondays to Fridays, or of the next or last one on a weekend."""
    week, weekday = divmod(day.toordinal() - 1, 7)  # ordinal 1 is a Monday
    if weekday < 5:
        return week * 5 + weekday
    return (week + 1) * 5 if forward else week * 5 + 4


def _weekday(number: int) -> dt.date | None:
    week, weekday = divmod(number, 5)
    try:
        return dt.date.fromordinal(week * 7 + weekday + 1)
    except (ValueError, OverflowError):
        return None


class DayCounter:
    """Numbers days from ``today`` (day 0): working days only, or with ``every_day``, all days.

    With working days, day 0 is today if it is a working day, else the next working day.
    """

    def __init__(self, today: dt.date, *, country: str | None = None, every_day: bool = False):
        self.today = today
        self.country = country or holiday_country()
        self.every_day = every_day
        self._first_year = today.year - _YEARS_BEFORE
        self._before_year: dict[int, int] = {}
        _calendar(self.country)  # a country without holidays is named now, not mid-plan
        self._origin = 0 if every_day else self._number(today, forward=True)

    # -- counting holidays: how many fall Monday to Friday before a day (from _first_year on)

    def _holidays_in(self, year: int) -> tuple[dt.date, ...]:
        if year < self._first_year:
            return ()
        return _weekday_holidays(self.country, year)

    def _before(self, day: dt.date) -> int:
        """The public holidays, Monday to Friday, from ``_first_year`` to the day before ``day``."""
        year = day.year
        if year < self._first_year:
            return 0
        if year not in self._before_year:
            known = [y for y in self._before_year if y < year]
            start = max(known) if known else self._first_year
            total = self._before_year.get(start, 0)
            end = getattr(_calendar(self.country), "end_year", year)
            for y in range(start, year):
                if y > end:
                    break
                total += len(self._holidays_in(y))
            self._before_year[year] = total
        return self._before_year[year] + bisect.bisect_left(self._holidays_in(year), day)

    def _is_holiday(self, day: dt.date) -> bool:
        holidays_then = self._holidays_in(day.year)
        spot = bisect.bisect_left(holidays_then, day)
        return spot < len(holidays_then) and holidays_then[spot] == day

    def is_working(self, day: dt.date) -> bool:
        """Monday to Friday and not a public holiday (holidays long before today are not kept)."""
        return day.weekday() < 5 and not self._is_holiday(day)

    def _number(self, day: dt.date, *, forward: bool) -> int:
        """The working-day number of ``day`` (or of the next or last working day)."""
        step = dt.timedelta(days=1 if forward else -1)
        while not self.is_working(day):
            try:
                day += step
            except OverflowError:
                return _weekday_number(day, forward=forward) - self._before(day)
        return _weekday_number(day, forward=forward) - self._before(day)

    # -- the public part

    def index(self, day: dt.date, *, forward: bool) -> int:
        """The number of ``day`` counted from today; on a day off, of the next or last day on."""
        if self.every_day:
            return (day - self.today).days
        return self._number(day, forward=forward) - self._origin

    def date(self, index: int) -> dt.date | None:
        """The day numbered ``index`` (None outside the dates Python has)."""
        if self.every_day:
            try:
                return self.today + dt.timedelta(days=index)
            except OverflowError:
                return None
        wanted = self._origin + index
        extra = 0
        while True:
            day = _weekday(wanted + extra)
            if day is None:
                return None
            needed = self._before(day) + self._is_holiday(day)
            if needed == extra and not self._is_holiday(day):
                return day
            extra = needed

    def is_open(self, index: int) -> bool:
        """Whether offices are open on day ``index`` (always, when counting working days)."""
        if not self.every_day:
            return True
        day = self.date(index)
        return day is not None and self.is_working(day)
