"""A workbook's short code, such as "K7F-29Q": who is who, said over the phone, never the secret.

The code is worked out from the workbook's id, so it needs nothing stored and never changes. It
opens nothing: the private link does that. A person reads it to their navigator, and the desk
finds the workbook by it. Its six characters are digits and consonants that make no word in
English or Spanish, and that no one mistakes for another: no vowel (A, E, I, O, U, Y), no L (a
one), and no D, M or S (which stand alone for words in English: "I'd", "I'm", "it's"). A code
read back with an "O" for a zero, or an "I" or "L" for a one, is understood all the same
(``read_code``).

Two workbooks can share a code (about one chance in three hundred million for two given ones;
among a thousand workbooks, one in six hundred that some two do; among ten thousand, one in
six): a navigator who finds two rows for one code tells them apart by name.

    >>> short_code("0a1b2c3d4e5f")
    '7ZF-25K'
    >>> read_code(" 7zf 25k ")
    '7ZF-25K'
"""

from __future__ import annotations

import hashlib
from typing import Final

CODE_ALPHABET: Final = "0123456789BCFGHJKNPQRTVWXZ"
"""The 26 characters of a code: the digits, and consonants that make no word."""

CODE_LENGTH: Final = 6
"""Characters in a code, without its dash."""

_READ_AS: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})


def short_code(workbook_id: str) -> str:
    """The workbook's short code, such as "K7F-29Q": the same for the same id, every time."""
    if not isinstance(workbook_id, str):
        raise TypeError(f"A workbook id is text, not {type(workbook_id).__name__}.")
    digest = hashlib.sha256(b"workbook short code:" + workbook_id.encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = ""
    for _ in range(CODE_LENGTH):
        number, place = divmod(number, len(CODE_ALPHABET))
        chars += CODE_ALPHABET[place]
    return f"{chars[:3]}-{chars[3:]}"


def read_code(text: str) -> str | None:
    """The code in ``text`` as a person may type or say it, written the usual way; else None.

    Case, spaces and dashes do not matter, and O, I and L are read as 0, 1 and 1:
    "k7f 29q", "K7F29Q" and "k7f-29q" are all "K7F-29Q".
    """
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        return None
    return f"{compact[:3]}-{compact[3:]}"
