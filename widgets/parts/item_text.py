"""Escaped HTML for content items: their text, and why they are shown, opened on demand."""

from __future__ import annotations

import html
from collections.abc import Iterable

from secondopinion.content import Content
from secondopinion.language import N_, translator

START_HERE = N_("Start here")
"""The heading over the few items chosen to do first (translated where it is shown)."""
MORE = N_("More, when you are ready")
"""The heading over everything else."""


def escaped(text: str) -> str:
    """Text as HTML that shows exactly what was typed, never runs as markup."""
    return html.escape(text).replace("\n", "<br>")


def shortened(text: str, most: int) -> str:
    """``text`` cut to at most ``most`` characters at a word's end, with "…" for the rest.

    >>> shortened("Ask for all of these in one request", 20)
    'Ask for all of…'
    """
    if len(text) <= most:
        return text
    cut = text[: most - 1]
    if text[most - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def why_details(
    why: str, because: Iterable[str], source_ids: Iterable[str], content: Content
) -> str:
    """A closed ``<details>`` block: why the item matters, why it is shown, and its sources."""
    _ = translator(content.language).gettext
    reasons = "".join(f"<li>{escaped(reason)}</li>" for reason in because)
    sources = "".join(_source(source_id, content) for source_id in source_ids)
    return (
        '<details class="workbook-why"><summary>'
        + _("Why this is here")
        + f"</summary><p>{escaped(why)}</p><ul>{reasons}</ul>"
        + '<p class="workbook-sources">'
        + _("Sources:")
        + f"</p><ul>{sources}</ul></details>"
    )


def _source(source_id: str, content: Content) -> str:
    source = content.sources[source_id]
    name = f"{escaped(source.publisher)}: {escaped(source.title)}"
    if source.url:
        # Opens the public page in a new tab; the workbook itself loads nothing from outside.
        link = f'<a href="{html.escape(source.url)}" target="_blank" rel="noopener noreferrer">'
        return f"<li>{link}{name}</a></li>"
    return f"<li>{name}</li>"
