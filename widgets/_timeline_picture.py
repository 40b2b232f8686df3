"""The timeline as a picture: dated steps on a line from today to the decision date."""

from __future__ import annotations

import io
import logging

from secondopinion.timeline import Timeline, long_date

log = logging.getLogger("secondopinion.widgets")

_COLOURS = {"ok": "#1565c0", "tight": "#e65100", "past": "#757575"}


def timeline_png(timeline: Timeline) -> bytes:
    """A PNG of the dated steps (empty bytes when there is nothing to draw, or it cannot be drawn).

    The steps are also listed in words next to the picture, so a date that matplotlib cannot
    draw (near the year 9999, say) loses the picture only.
    """
    if not timeline.dated_steps or timeline.decision_date is None:
        return b""
    try:
        return _draw(timeline)
    except (ValueError, OverflowError):
        log.warning("The timeline picture could not be drawn", exc_info=True)
        return b""


def _draw(timeline: Timeline) -> bytes:
    assert timeline.decision_date is not None
    steps = timeline.dated_steps
    from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
    from matplotlib.figure import Figure

    today, decide = float(date2num(timeline.today)), float(date2num(timeline.decision_date))

    figure = Figure(figsize=(7.5, 0.55 * len(steps) + 1.2), dpi=110)
    axes = figure.add_subplot()
    rows = list(range(len(steps)))[::-1]
    for row, step in zip(rows, steps, strict=True):
        colour = _COLOURS.get(step.status or "ok", "#1565c0")
        day = float(date2num(step.date))
        axes.plot([day], [row], "o", color=colour, markersize=9)
        label = step.text if len(step.text) <= 48 else step.text[:47] + "…"
        axes.annotate(label, (day, row), xytext=(10, -4), textcoords="offset points", fontsize=10)
    axes.axvline(today, color="#2e7d32", linestyle=":", linewidth=1.5)
    axes.axvline(decide, color="#b71c1c", linewidth=2)
    axes.text(today, len(steps) - 0.4, " today", color="#2e7d32", fontsize=10)
    axes.text(decide, -0.9, " decide", color="#b71c1c", fontsize=10)
    axes.set_yticks([])
    axes.set_ylim(-1.2, len(steps))
    axes.xaxis_date()
    axes.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=6))
    within_a_year = abs(decide - today) < 330
    axes.xaxis.set_major_formatter(DateFormatter("%b %-d" if within_a_year else "%b %Y"))
    axes.margins(x=0.35)
    for side in ("left", "right", "top"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def timeline_alt_text(timeline: Timeline) -> str:
    """What the picture shows, in words, for screen readers."""
    if timeline.decision_date is None:
        return ""
    return (
        f"A timeline of {len(timeline.dated_steps)} steps from today to "
        f"{long_date(timeline.decision_date)}, the date to decide by."
    )
