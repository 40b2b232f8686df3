"""The timeline as a calendar file (``.ics``) that phone and computer calendars can import.

One all-day event per dated step, on the day to do it by: the timeline's own rules hold (no
step on a weekend or a public holiday unless the person does it alone in a plan counted day by
day, the call and the booking before any records request, one request per office, the other
date planned for), since the events are its dated steps. Steps marked done are not in it.

Each event's UID is made from the workbook's id (hashed: never the private link) and the step's
stable id, so the same step of the same workbook has the same UID in every file: importing a
newer file moves the events instead of adding them twice. Its ``SEQUENCE`` grows with the day
the file was made, so a calendar takes the newer file's day over the older one's. The calendar
is named after the workbook (``calendar_name``). Nothing is fetched or sent: the file is made
here, from the timeline alone.

Example::

    timeline = derive(workbook, content, date.today()).timeline
    name = calendar_name(workbook.summary.display_name, workbook.id)
    ics = timeline_to_ics(timeline, name, workbook_id=workbook.id)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Final

from icalendar import Calendar, Event
from icalendar.enums import TRANSP

from secondopinion.language import DEFAULT_LANGUAGE, N_, translator
from secondopinion.planning import Timeline, TimelineStep, moved_words
from secondopinion.store import short_code

__all__ = ["PRODUCT_ID", "calendar_name", "timeline_to_ics"]

PRODUCT_ID: Final = "-//Second-opinion workbook//Timeline//EN"
UID_DOMAIN: Final = "second-opinion-workbook.invalid"
NOT_MEDICAL_ADVICE: Final = N_("From your second-opinion workbook. It is not medical advice.")
NAMED: Final = N_("Second opinion: {name}")
UNNAMED: Final = N_("Second-opinion workbook")
FIRST_DAY: Final = dt.date(2020, 1, 1)
"""``SEQUENCE`` counts the days from this one to the day the file was made."""


def calendar_name(
    display_name: str, workbook_id: str | None = None, language: str = DEFAULT_LANGUAGE
) -> str:
    """The calendar's name: "Second opinion: " and the workbook's name, else its short code.

    Without either: "Second-opinion workbook".
    """
    _ = translator(language).gettext
    name = display_name.strip() or (short_code(workbook_id) if workbook_id else "")
    return _(NAMED).format(name=name) if name else _(UNNAMED)


def timeline_to_ics(
    timeline: Timeline,
    name: str,
    *,
    language: str = DEFAULT_LANGUAGE,
    workbook_id: str | None = None,
) -> bytes:
    """The dated steps of ``timeline`` as an iCalendar file named ``name``, in ``language``.

    The steps' words come from the timeline (the content's language); the few fixed words
    ("Why:", "Instead:", not done yet, not medical advice) from the catalogue of ``language``.

    ``workbook_id`` makes the UIDs: the same for the same workbook and step in every file,
    whatever the name. Without it (a timeline of no saved workbook) the name makes them.

    Steps without a date (no decision date, or no time left for them) are left out, and so are
    steps marked done (the timeline leaves them out). The time stamp of every event is the
    timeline's ``today``, so the same timeline gives the same file.
    """
    key = _key(workbook_id, name)
    calendar = Calendar.new(
        prodid=PRODUCT_ID,
        uid=f"calendar.{key}@{UID_DOMAIN}",
        name=name,
        description=timeline.message,
        subcomponents=[
            _event(step, key, timeline.today, language) for step in timeline.dated_steps
        ],
    )
    data: bytes = calendar.to_ical()
    return data


def _event(step: TimelineStep, key: str, today: dt.date, language: str) -> Event:
    assert step.date is not None
    _ = translator(language).gettext
    lines = [_("Why: {why}").format(why=step.why)]
    if step.status_label and step.status != "ok":
        lines.append(step.status_label)
    if step.instead:
        lines.append(_("Instead: {instead}").format(instead=step.instead))
    if step.moved_from is not None:
        lines.append(moved_words(step, language))
    lines.append(_(NOT_MEDICAL_ADVICE))
    # An all-day event ends the next day; on December 31, 9999 there is none, and without an end
    # an all-day event lasts the one day anyway (RFC 5545, 3.6.1).
    end = step.date + dt.timedelta(days=1) if step.date < dt.date.max else None
    event = Event.new(
        uid=f"{step.id}.{key}@{UID_DOMAIN}",
        stamp=dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC),
        start=step.date,
        end=end,
        summary=step.text,
        description="\n".join(lines),
        transparency=TRANSP.TRANSPARENT,
    )
    event.add("sequence", max(0, (today - FIRST_DAY).days))
    return event


def _key(workbook_id: str | None, name: str) -> str:
    """A short hash of the workbook's id (else of the name): stable, puts neither in a UID."""
    seed = f"workbook:{workbook_id}" if workbook_id is not None else name
    return hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()[:16]
