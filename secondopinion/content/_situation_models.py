"""The situation map's shape: axes and their values (see ``situation_map`` for the checks)."""

from __future__ import annotations

from secondopinion.content._base import ItemId, ParsedRule, Text, _Strict


class MapValue(_Strict):
    """One place on an axis: who is there (``rule``) and, if content is thin, the honest line."""

    id: ItemId
    label: Text
    rule: ParsedRule
    knows_less: ItemId | None = None
    general: bool = False
    """The general items (those with no ``when``) are written for this value, and serve it too."""


class Axis(_Strict):
    """One way in which situations differ, with the values it takes."""

    id: ItemId
    label: Text
    values: tuple[MapValue, ...]
