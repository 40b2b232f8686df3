"""CSV files that open correctly, and safely, in Excel and LibreOffice, written owner-only.

``to_csv_bytes(table)`` gives the bytes (UTF-8 with a byte-order mark, ISO dates, every cell that
a spreadsheet could run as a formula made harmless); ``write_csv`` and ``write_private`` save
a table or any bytes (a PDF, a calendar file) to a file only its owner can read.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Final

import pandas as pd

from secondopinion.store import StoreError, make_owner_only

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these gets a leading ``'`` so no spreadsheet runs it."""

YES, NO = "yes", "no"


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """Turn the table into CSV bytes that open correctly in Excel and LibreOffice.

    UTF-8 with a byte-order mark, CRLF line ends, the table's own column order and a header row.
    Dates are ISO (2026-01-31), times ISO in UTC to the second (2026-01-31T09:30:00+00:00),
    True/False 'yes'/'no', missing values empty. A cell that begins with =, +, -, @, a tab or a
    carriage return gets a leading ``'``, so a spreadsheet shows it as text and never runs it as
    a formula; read back, such a cell keeps that quote. So does each piece of a cell that a
    reader splitting on ``;`` or a tab (or on lines, or trimming spaces) would see as a cell of
    its own: ``a; =1`` is written ``a; '=1``.
    """
    cells = {
        _csv_cell(name): [_csv_cell(v) for v in table[name].tolist()] for name in table.columns
    }
    text = pd.DataFrame(cells, columns=list(cells), dtype=object).to_csv(
        index=False, lineterminator="\r\n"
    )
    return ("\ufeff" + text).encode("utf-8")


def write_csv(table: pd.DataFrame, path: Path | str) -> Path:
    """Save the table as CSV (see ``to_csv_bytes``) to a file only its owner can read (0o600).

    The file is written whole to a temporary file next to it and then moved into place, so a
    reader never sees half a file. A missing folder is created, owner-only (0o700).
    """
    return write_private(to_csv_bytes(table), path)


def write_private(data: bytes, path: Path | str) -> Path:
    """Save bytes (a CSV, a PDF, a calendar file) to a file only its owner can read (0o600).

    The file is written whole to a temporary file next to it and then moved into place, so a
    reader never sees half a file. A missing folder is created, owner-only (0o700); an existing
    one that other accounts could open is made owner-only, and one that belongs to another
    account is refused (``PermissionError`` with a plain message).
    """
    target = Path(path)
    folder = target.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    else:
        try:  # an exports folder others can read is made private, or refused
            make_owner_only(folder, "The folder for exported files")
        except StoreError as e:
            raise PermissionError(str(e)) from None
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def _csv_cell(value: object) -> str:
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime):  # includes pandas Timestamp
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    text = value if isinstance(value, str) else str(_plain_scalar(value))
    text = _SPLIT_FORMULA.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


_SPLIT_FORMULA: Final = re.compile(r"""(^[ "]+|[;\t\n\r][ "]*)(?=[=+\-@])""")
"""Where a piece of a cell could start a formula once a reader splits the cell on ``;``, a tab
or a line end (or trims leading spaces and quotes): a ``'`` goes before it, as at a cell's start.
"""


def _plain_scalar(value: object) -> object:
    item = getattr(value, "item", None)  # numpy scalars
    return item() if callable(item) else value
