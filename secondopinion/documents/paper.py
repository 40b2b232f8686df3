"""The paper sizes a printed sheet comes in (its own module: importing it loads no PDF code)."""

from __future__ import annotations

from typing import Literal

PageSize = Literal["A4", "Letter"]
"""A4 (most of the world) or US Letter."""
