"""What the reader-words tests share (not a test module): words a child's parent must not read."""

from __future__ import annotations

import re

CHILD_PAYS_OR_DECIDES = re.compile(
    r"\b(my|your) child (may |will |would )?(have to )?pay\b|\b(my|your) child's share\b"
    r"|\b(my|your) child (decides|chooses|makes the choice)\b"
    r"|\bfinal choice belongs to your child\b",
    re.IGNORECASE,
)
"""A sentence that makes a child the one who pays or decides."""
