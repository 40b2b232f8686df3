r"""The records of everyone together, as a bar chart drawn to PNG and shown in an image widget.

matplotlib runs with its Agg backend here (no window, nothing for ``plt.show()`` to show in a
kernel), so the figure is drawn to PNG bytes and put in an ``ipywidgets.Image``: it shows the
same in JupyterLab, in Voilà and in a test.

>>> chart = RecordsChart()
>>> chart.show({"Still needed": 3, "Asked for": 1, "Received": 0, "Sent": 2})
>>> bytes(chart.image.value[:4])
b'\x89PNG'
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Final

import ipywidgets as w
import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

COLOURS: Final = ("#90a4ae", "#ffb74d", "#64b5f6", "#81c784")


def records_chart_png(totals: Mapping[str, int]) -> bytes:
    """A horizontal bar for each record status, labelled with its count, as PNG bytes."""
    figure = Figure(figsize=(6.4, 2.4), dpi=100)
    axes = figure.subplots()
    labels = list(totals)
    counts = [int(totals[label]) for label in labels]
    bars = axes.barh(labels, counts, color=COLOURS[: len(labels)])
    axes.bar_label(bars, padding=3)
    axes.set_xlabel("Records, everyone together")
    axes.set_xlim(0, max([*counts, 1]) * 1.15)
    axes.invert_yaxis()
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


class RecordsChart(w.VBox):  # type: ignore[misc]
    """The chart and the same numbers in words (for screen readers, and to read at a glance)."""

    def __init__(self) -> None:
        self.image = w.Image(format="png", layout=w.Layout(max_width="640px"))
        self.words = w.HTML()
        self.words.add_class("navigator-chart-words")
        super().__init__([self.image, self.words])
        self.add_class("navigator-records-chart")
        self.layout.display = "none"

    def show(self, totals: Mapping[str, int]) -> None:
        """Draw the chart for these counts; hide it when there is nobody yet (empty ``totals``)."""
        if not totals:
            self.layout.display = "none"
            self.image.value = b""
            self.words.value = ""
            return
        self.image.value = records_chart_png(totals)
        said = ", ".join(f"{label.lower()}: {count}" for label, count in totals.items())
        self.words.value = f'<p role="status">Records, everyone together — {said}.</p>'
        self.layout.display = None
