"""The person's part of an exported file's name: their name and short code, never the bare id.

>>> folded_name("Peña Núñez, J.")
'pena-nunez-j'
"""

from __future__ import annotations

import re
import unicodedata

from secondopinion.store import Workbook, short_code


def folded_name(name: str) -> str:
    """A name as part of a file name: accents folded ("Peña" → "pena"), other marks dropped."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:40]


def person_file_part(workbook: Workbook) -> str:
    """The workbook's name and short code ("pena-7ZF-25K"), or its code alone when unnamed."""
    name, code = folded_name(workbook.summary.display_name), short_code(workbook.id)
    return f"{name}-{code}" if name else code
