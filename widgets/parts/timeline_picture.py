"""The timeline as a picture: dated steps on a line from today to the decision date.

Drawn as inline SVG: it stays sharp at any zoom, its words are real text, and it needs no
plotting library in the dashboard's kernel (matplotlib alone would add about 45 MB to each).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

from secondopinion.language import short_month, translator
from secondopinion.planning import Timeline, TimelineStep, long_date
from widgets.parts.item_text import shortened

_COLOURS = {"ok": "#1565c0", "tight": "#b34700", "past": "#616161"}
TODAY_COLOUR = "#2e7d32"
DECIDE_COLOUR = "#b71c1c"

_WIDTH = 760
_ROW = 34
_TOP = 34
_BOTTOM = 44
_LEFT, _RIGHT = 24, _WIDTH - 24
_LABEL_LIMIT = 48
_TICKS = 4


def timeline_svg(timeline: Timeline, language: str = "en") -> str:
    """An SVG picture of the dated steps ("" when there is nothing to draw).

    Every step is also listed in words next to the picture; the picture's own description
    (``timeline_alt_text``) is what a screen reader reads for it.
    """
    steps = timeline.dated_steps
    if not steps or timeline.decision_date is None:
        return ""
    days = [timeline.today, timeline.decision_date, *(_day(step) for step in steps)]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return _LEFT + (_RIGHT - _LEFT) * (day - first).days / span

    _ = translator(language).gettext
    height = _TOP + _ROW * len(steps) + _BOTTOM
    axis_y = height - _BOTTOM + 8
    parts = [
        f'<svg class="workbook-timeline-picture" role="img" viewBox="0 0 {_WIDTH} {height}" '
        f'width="100%" style="max-width: {_WIDTH}px; height: auto;" '
        'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="15">',
        f"<title>{_text(timeline_alt_text(timeline, language))}</title>",
        _marker(x(timeline.today), axis_y, _("today"), TODAY_COLOUR, dashed=True),
        _marker(x(timeline.decision_date), axis_y, _("decide"), DECIDE_COLOUR, dashed=False),
        f'<line x1="{_LEFT}" y1="{axis_y}" x2="{_RIGHT}" y2="{axis_y}" stroke="#424242"/>',
    ]
    parts += _ticks(first, span, x, axis_y, language)
    for row, step in enumerate(steps):
        parts.append(_step(step, x(_day(step)), _TOP + _ROW * row + _ROW / 2, language))
    parts.append("</svg>")
    return "".join(parts)


def timeline_alt_text(timeline: Timeline, language: str = "en") -> str:
    """What the picture shows, in words, for screen readers."""
    if timeline.decision_date is None:
        return ""
    return (
        translator(language)
        .gettext("A timeline of {count} steps from today to {date}, the date to decide by.")
        .format(count=len(timeline.dated_steps), date=long_date(timeline.decision_date, language))
    )


def _day(step: TimelineStep) -> dt.date:
    assert step.date is not None
    return step.date


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _marker(x: float, axis_y: float, label: str, colour: str, *, dashed: bool) -> str:
    dash = ' stroke-dasharray="4 4"' if dashed else ""
    anchor = "end" if x > _WIDTH / 2 else "start"
    nudge = -4 if anchor == "end" else 4
    return (
        f'<line x1="{x:.1f}" y1="{_TOP - 16}" x2="{x:.1f}" y2="{axis_y}" stroke="{colour}" '
        f'stroke-width="2"{dash}/>'
        f'<text x="{x + nudge:.1f}" y="{_TOP - 20}" fill="{colour}" text-anchor="{anchor}">'
        f"{label}</text>"
    )


def _ticks(
    first: dt.date,
    span: int,
    x: Callable[[dt.date], float],
    axis_y: float,
    language: str = "en",
) -> list[str]:
    within_a_year = span < 330
    parts = []
    days = [
        dt.date.fromordinal(first.toordinal() + round(span * n / _TICKS)) for n in range(_TICKS + 1)
    ]
    for n, day in enumerate(days):
        if n and day == days[n - 1]:
            continue  # a span of a day or two has fewer days than ticks
        month = short_month(day, language)
        label = f"{month} {day.day}" if within_a_year else f"{month} {day.year}"
        anchor = "start" if n == 0 else "end" if n == _TICKS else "middle"
        at = x(day)
        parts.append(
            f'<line x1="{at:.1f}" y1="{axis_y}" x2="{at:.1f}" y2="{axis_y + 5}" stroke="#424242"/>'
            f'<text x="{at:.1f}" y="{axis_y + 24}" fill="#424242" text-anchor="{anchor}">'
            f"{_text(label)}</text>"
        )
    return parts


def _step(step: TimelineStep, x: float, y: float, language: str = "en") -> str:
    colour = _COLOURS.get(step.status or "ok", _COLOURS["ok"])
    label = shortened(step.text, _LABEL_LIMIT)
    anchor, nudge = ("end", -12) if x > _WIDTH / 2 else ("start", 12)
    when = long_date(_day(step), language)
    return (
        f"<g><title>{_text(when)}: {_text(step.text)}</title>"
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}"/>'
        f'<text x="{x + nudge:.1f}" y="{y + 5:.1f}" fill="#212121" text-anchor="{anchor}">'
        f"{_text(label)}</text></g>"
    )
