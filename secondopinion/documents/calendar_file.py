"""The timeline as a calendar file (``.ics``) that phone and computer calendars can import.

One all-day event per dated step, on the day to do it by: the timeline's own rules hold (no
step on a weekend or a public holiday unless the person does it alone in a plan counted day by
day, the call and the booking before any records request, one request per office, the other
date planned for), since the events are its dated steps. Each event's UID is made from the
calendar's name and the step's stable id, so importing a newer file moves the events instead of
adding them twice. Nothing is fetched or sent: the file is made here, from the timeline alone.

Example::

    timeline = derive(workbook, content, date.today()).timeline
    Path("second-opinion.ics").write_bytes(timeline_to_ics(timeline, "Second opinion: J. R."))
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Final

from icalendar import Calendar, Event
from icalendar.enums import TRANSP

from secondopinion.language import DEFAULT_LANGUAGE, N_, translator
from secondopinion.planning import Timeline, TimelineStep

__all__ = ["PRODUCT_ID", "timeline_to_ics"]

PRODUCT_ID: Final = "-//Second-opinion workbook//Timeline//EN"
UID_DOMAIN: Final = "second-opinion-workbook.invalid"
NOT_MEDICAL_ADVICE: Final = N_("From your second-opinion workbook. It is not medical advice.")


def timeline_to_ics(timeline: Timeline, name: str, *, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The dated steps of ``timeline`` as an iCalendar file named ``name``, in ``language``.

    The steps' words come from the timeline (the content's language); the few fixed words
    ("Why:", "Instead:", not medical advice) from the message catalogue of ``language``.

    Steps without a date (no decision date, or no time left for them) are left out. The time
    stamp of every event is the timeline's ``today``, so the same timeline gives the same file.
    """
    calendar = Calendar.new(
        prodid=PRODUCT_ID,
        uid=f"calendar.{_name_hash(name)}@{UID_DOMAIN}",
        name=name,
        description=timeline.message,
        subcomponents=[
            _event(step, name, timeline.today, language) for step in timeline.dated_steps
        ],
    )
    data: bytes = calendar.to_ical()
    return data


def _event(step: TimelineStep, name: str, today: dt.date, language: str) -> Event:
    assert step.date is not None
    _ = translator(language).gettext
    lines = [_("Why: {why}").format(why=step.why)]
    if step.status_label and step.status != "ok":
        lines.append(step.status_label)
    if step.instead:
        lines.append(_("Instead: {instead}").format(instead=step.instead))
    lines.append(_(NOT_MEDICAL_ADVICE))
    # An all-day event ends the next day; on December 31, 9999 there is none, and without an end
    # an all-day event lasts the one day anyway (RFC 5545, 3.6.1).
    end = step.date + dt.timedelta(days=1) if step.date < dt.date.max else None
    return Event.new(
        uid=_uid(step, name),
        stamp=dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC),
        start=step.date,
        end=end,
        summary=step.text,
        description="\n".join(lines),
        transparency=TRANSP.TRANSPARENT,
    )


def _uid(step: TimelineStep, name: str) -> str:
    return f"{step.id}.{_name_hash(name)}@{UID_DOMAIN}"


def _name_hash(name: str) -> str:
    """A short hash of the calendar's name: stable, and does not put the name in the UIDs."""
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
