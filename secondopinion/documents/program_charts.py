"""Charts of the program measures, drawn from the tables as shown (small counts stay hidden).

``program_chart(measures)`` is one figure with three bar charts: the barriers people met, how
long each kind of record took to come, and whether the second opinion differed. A bar is drawn
only for a figure the table shows; a hidden one is written as it is in the table ("<5",
"hidden", "not shown") where its bar would be, so the chart never tells more than the tables.
The figure is made without pyplot, so it can be saved from any process
(``figure.savefig(path)``); in JupyterLab it shows as the cell's result.
"""

from __future__ import annotations

import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from secondopinion.documents.program_measures import MEDIAN, PEOPLE, ProgramMeasures

BAR = "#2b6f8e"
WORDS = "#333333"


def program_chart(measures: ProgramMeasures) -> Figure:
    """The barriers, the days to get each record, and how often the opinions differed."""
    figure = Figure(figsize=(11, 8.5), layout="constrained")
    grid = figure.add_gridspec(2, 2)
    barriers = figure.add_subplot(grid[0, 0])
    differed = figure.add_subplot(grid[0, 1])
    records = figure.add_subplot(grid[1, :])
    _bars(
        barriers,
        list(measures.barriers.index),
        list(measures.barriers[PEOPLE]),
        "Barriers people met",
        "people who started in the period",
    )
    _bars(
        differed,
        list(measures.differed.index),
        list(measures.differed[PEOPLE]),
        "Did the second opinion differ?",
        "people whose second opinion was in the period",
    )
    _bars(
        records,
        list(measures.record_days.index),
        list(measures.record_days[MEDIAN]),
        "Days from asking for a record to getting it (median)",
        "days",
    )
    figure.suptitle(f"Program measures, {measures.period}", color=WORDS)
    return figure


def _bars(axes: Axes, labels: list[str], values: list[object], title: str, unit: str) -> None:
    """Horizontal bars, top to bottom in table order; hidden values written, not drawn."""
    names = [textwrap.fill(str(label), 34) for label in labels]
    shown = [v if isinstance(v, int | float) and not isinstance(v, bool) else 0 for v in values]
    positions = list(range(len(names)))[::-1]
    axes.barh(positions, shown, color=BAR)
    axes.set_yticks(positions, names, fontsize=9)
    axes.set_title(title, fontsize=11, color=WORDS, loc="left")
    axes.set_xlabel(unit, fontsize=9)
    top = max([float(v) for v in shown] + [1.0])
    axes.set_xlim(0, top * 1.2)
    for y, value in zip(positions, values, strict=True):
        axes.text(
            float(value) if isinstance(value, int | float) else 0.0,
            y,
            f" {value}",
            va="center",
            fontsize=9,
            color=WORDS,
        )
    if not names:
        axes.text(0.5, 0.5, "Nothing in this period", ha="center", transform=axes.transAxes)
    axes.spines[["top", "right"]].set_visible(False)
