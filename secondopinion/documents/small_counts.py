"""Small counts hidden: a count of fewer than 5 people is shown as "<5", and never given away.

A table of counts that add up to a total shown elsewhere (such as how often the second opinion
differed, out of everyone who had one) could give a hidden count away: with one cell hidden, it
is the total minus the others. ``hide_small`` then hides more cells, the smallest first, until no
"<5" cell can be worked out from the total and the cells still shown. Those extra cells are shown
as "hidden", so what the table says stays true. When no choice of extra cells is enough (a group
of zeros beside one count of exactly 5, say), every cell of the group is "hidden".

>>> hide_small([12, 3, 20], total=35)
['hidden', '<5', 20]
>>> hide_small([12, 3, 20], total=None)
[12, '<5', 20]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

SMALL: Final = 5
"""Counts of fewer than this many people are hidden."""

HIDDEN: Final = "<5"
"""How a hidden count of fewer than ``SMALL`` people is shown."""

WITHHELD: Final = "hidden"
"""How a count is shown that is hidden so that a "<5" beside it cannot be worked out (5 or more,
unless every cell of its group is hidden)."""

NOT_SHOWN: Final = "not shown"
"""How a figure (such as a median) worked out from a hidden count is shown."""

Shown = int | str
"""A count as shown: the number itself, ``HIDDEN`` or ``WITHHELD``."""


def hide_small(counts: Sequence[int], total: int | None) -> list[Shown]:
    """The counts as they may be shown.

    Args:
        counts: counts of people, one per cell of one group (the cells do not overlap).
        total: what the cells add up to when that total is shown somewhere too; None when it
            is not shown. A total under ``SMALL`` is itself hidden, so it tells nothing.

    Every count under ``SMALL`` is ``HIDDEN``. With a total, other cells are ``WITHHELD``,
    smallest first, until each hidden count could still be at least two different numbers
    given the total; if no choice of cells does that, every cell is ``WITHHELD``.

    """
    if any(n < 0 for n in counts):
        raise ValueError("A count of people cannot be below zero.")
    if total is not None and total != sum(counts):
        raise ValueError(f"The cells add up to {sum(counts)}, not to the total {total}.")
    shown: list[Shown] = [HIDDEN if n < SMALL else n for n in counts]
    small = [i for i, n in enumerate(counts) if n < SMALL]
    if total is None or total < SMALL or not small:
        return shown
    extra: list[int] = []
    while not _cannot_be_worked_out([counts[i] for i in small], [counts[i] for i in extra]):
        rest = [i for i in range(len(counts)) if i not in small and i not in extra]
        if not rest:
            return [WITHHELD] * len(counts)
        extra.append(min(rest, key=lambda i: (counts[i], i)))
    for i in extra:
        shown[i] = WITHHELD
    return shown


def _cannot_be_worked_out(small: Sequence[int], extra: Sequence[int]) -> bool:
    """True if, knowing only the hidden cells' sum, each small cell has two or more possible values.

    A reader knows each small cell is 0 to ``SMALL`` - 1, each extra cell ``SMALL`` or more, and
    (from the total) what all of them add up to.
    """
    hidden_sum = sum(small) + sum(extra)
    if extra:
        # The extra cells can take up any rest, so a small cell is anything from 0 up to what
        # is left once every extra cell has its least: two values or more when that is 1 or more.
        return hidden_sum - SMALL * len(extra) >= 1
    top = SMALL - 1
    # Without extra cells: one small cell is the sum itself; all of them are 0 when the sum is
    # 0, and all are at the top when it is the most they can hold.
    return len(small) >= 2 and 0 < hidden_sum < top * len(small)


def share(count: Shown, total: int) -> Shown:
    """A shown count as a whole percentage of ``total``: ``NOT_SHOWN`` for a hidden count."""
    if isinstance(count, str):
        return NOT_SHOWN
    if total <= 0:
        return ""
    return round(100 * count / total)
