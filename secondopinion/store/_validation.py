"""The checks every value passes before the store writes it, with plain messages when it fails.

A wrong type is a ``TypeError``, a wrong value a ``ValueError``, and an id that cannot name a
workbook a ``NotFoundError`` (the same answer as for an unknown one). Nothing is written when a
check fails, so a check raised halfway through a call leaves the workbook as it was.
"""

from __future__ import annotations

import enum
import hashlib
import re
from datetime import date, datetime
from typing import Final

from secondopinion.content.vocabulary import COMPARISON_OPINIONS, RECORD_STATUSES

from ._errors import NotFoundError
from ._records import CREATED_BY, DATE_RE, AnswerValue
from ._schema import dump_json

MAX_TEXT_CHARS: Final = 200_000
"""The longest text the store accepts in one field (about a hundred printed pages)."""

MAX_ACTOR_CHARS: Final = 100
"""The longest ``actor`` (who is changing things) the change log keeps."""

_ID_RE = re.compile(r"[a-z0-9_]{1,100}")
_WORKBOOK_ID_RE = re.compile(r"[0-9a-f]{12,32}")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,256}")


class Keep(enum.Enum):
    """The default of arguments where None means 'clear it': leave the value as it is."""

    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP


def check_text(value: object, what: str) -> str:
    """``value`` if it is text no longer than ``MAX_TEXT_CHARS``."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be text (str), not {type(value).__name__}.")
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(
            f"{what} is too long to save ({len(value):,} characters; the most is "
            f"{MAX_TEXT_CHARS:,})."
        )
    return value


def check_item_id(value: object, what: str = "item id") -> str:
    """``value`` if it is a content id: 1 to 100 lower-case letters, digits or '_'."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise ValueError(
            f"{what} {value!r} is not valid: use 1 to 100 lower-case letters, digits or '_'."
        )
    return value


def check_flag(value: object, what: str) -> bool:
    """``value`` if it is True or False (not 1 or 'yes')."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {value!r}.")
    return value


def check_iso_date(value: object, what: str) -> str | None:
    """Return the ISO date for a date or 'YYYY-MM-DD' text; '' means no date (None)."""
    if isinstance(value, datetime):
        raise ValueError(f"{what} must be a date without a time, not {value!r}.")
    if isinstance(value, date):
        return value.isoformat()
    if value == "":
        return None
    if isinstance(value, str) and DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{what} must be a real date written as YYYY-MM-DD, not {value!r}.")


def check_answer(field_id: str, value: object) -> AnswerValue | None:
    """Check one situation answer and return it as stored; None clears the answer."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        raise ValueError(f"The answer to {field_id!r} must be a date without a time.")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return check_text(value, f"The answer to {field_id!r}")
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        for item in items:
            if not isinstance(item, str):
                raise ValueError(f"The answer to {field_id!r} must be a list of text choices.")
            check_text(item, f"A choice in the answer to {field_id!r}")
        return items
    raise ValueError(
        f"The answer to {field_id!r} must be text, a date, True/False or a list of choices, "
        f"not {type(value).__name__}."
    )


def check_status(value: object) -> str:
    """``value`` if it is one of the record statuses of the vocabulary."""
    if value not in RECORD_STATUSES:
        raise ValueError(
            f"A record's status must be one of {', '.join(RECORD_STATUSES)}, not {value!r}."
        )
    return str(value)


def check_opinion(value: object) -> str:
    """``value`` if it is one of the two opinions of the vocabulary ('first', 'second')."""
    if value not in COMPARISON_OPINIONS:
        raise ValueError(
            f"The opinion must be one of {', '.join(COMPARISON_OPINIONS)}, not {value!r}."
        )
    return str(value)


def check_created_by(value: object) -> str:
    """``value`` if it is one of ``CREATED_BY``."""
    if value not in CREATED_BY:
        raise ValueError(f"created_by must be one of {', '.join(CREATED_BY)}, not {value!r}.")
    return str(value)


def check_language(value: object) -> str:
    """``value`` if it is one of the workbook's languages (``secondopinion.language.LANGUAGES``)."""
    from secondopinion.language import check_language as _check

    return _check(value)


def check_actor(value: object) -> str:
    """``value`` if it is a short one-line text naming who is changing things."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ACTOR_CHARS:
        raise ValueError(
            f"actor must be a short text (1 to {MAX_ACTOR_CHARS} characters), not {value!r}."
        )
    if not value.isprintable():
        raise ValueError(f"actor must be one line of printable text, not {value!r}.")
    return value


def check_workbook_id(value: object) -> str:
    """``value`` if it can be a workbook id; otherwise the same NotFoundError as an unknown id."""
    if not isinstance(value, str) or not _WORKBOOK_ID_RE.fullmatch(value):
        raise NotFoundError(f"There is no workbook with the id {value!r}.")
    return value


def maybe_workbook_id(value: object) -> bool:
    """True if ``value`` can be a workbook id (whether or not one has it)."""
    return isinstance(value, str) and bool(_WORKBOOK_ID_RE.fullmatch(value))


def token_shape_ok(token: object) -> bool:
    """True if ``token`` looks like a private link's token (whether or not one opens a workbook)."""
    return isinstance(token, str) and bool(_TOKEN_RE.fullmatch(token))


def hash_token(token: str) -> str:
    """The SHA-256 hash under which a private link's token is stored."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def same(a: object, b: object) -> bool:
    """Tell whether two values are equal as stored (True and 1 differ; a list equals a tuple)."""
    return a is b or dump_json(a) == dump_json(b)
