"""The workbook's own words in the person's language: a gettext message catalogue per language.

Every English sentence the code itself shows (buttons, headings, messages, the question sheet's and
the calendar file's fixed words) is marked for translation; the content's words come translated
from ``content/translations/<lang>/`` instead (see ``secondopinion.content``).

The catalogues are standard gettext: ``locale/<lang>/LC_MESSAGES/workbook.po`` is kept in git and
compiled to ``workbook.mo`` by ``make setup`` (``pybabel compile``). Babel is needed only to
extract and compile; serving reads the compiled ``.mo`` with the standard library. When a ``.mo``
is missing (a fresh clone before ``make setup``) and Babel is installed, the ``.po`` is compiled in
memory instead, so nothing shows in English by mistake.

>>> _ = translator("es").gettext
>>> _("Next →")
'Siguiente →'
>>> translator("en").gettext("Next →")
'Next →'
"""

from __future__ import annotations

import gettext
import io
import logging
from functools import cache
from pathlib import Path
from typing import Final

LANGUAGES: Final = ("en", "es")
"""The languages of the workbook, by their code: English first (the content's own words)."""

DEFAULT_LANGUAGE: Final = "en"

LANGUAGE_NAMES: Final = {"en": "English", "es": "Español"}
"""Each language by its own name, as the switch shows it."""

LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
DOMAIN: Final = "workbook"

log = logging.getLogger("secondopinion.language")


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def check_language(language: object) -> str:
    """``language`` if the workbook has it; ValueError otherwise."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}.")
    return str(language)


@cache
def translator(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language``: ``.gettext`` and ``.ngettext`` give its words.

    English (the words in the code) and an unknown language give the English words unchanged.
    """
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    if compiled.exists() and (
        not (folder / f"{DOMAIN}.po").exists()
        or compiled.stat().st_mtime >= (folder / f"{DOMAIN}.po").stat().st_mtime
    ):
        with compiled.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    source = folder / f"{DOMAIN}.po"
    if source.exists():
        try:
            return gettext.GNUTranslations(io.BytesIO(compile_po(source)))
        except ImportError:
            log.warning("%s is not compiled and Babel is missing: run make setup", source)
    log.warning("No message catalogue for %r: the workbook's own words stay in English", language)
    return gettext.NullTranslations()


def compile_po(source: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file (needs Babel, as ``pybabel compile`` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


MAX_ACCEPT_LANGUAGE_CHARS: Final = 1000
"""The most characters of an ``Accept-Language`` header that are looked at (browsers send under
200); the rest is ignored, so a crafted header of any length costs no more than this."""

MAX_LANGUAGE_RANGES: Final = 50
"""The most languages of one header that are weighed; the rest are ignored."""

_ALNUM: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_QVALUE: Final = frozenset("0123456789.")


def language_ranges(accept: str | None) -> list[tuple[str, float]]:
    """The languages of an ``Accept-Language`` header, in order: (primary code, weight).

    Only the first ``MAX_ACCEPT_LANGUAGE_CHARS`` characters are read (a language cut in two
    there is dropped), and at most ``MAX_LANGUAGE_RANGES`` languages are kept; each character
    read is looked at a fixed number of times, with no regular expression that could backtrack.
    Ranges that are not well formed are skipped, and so is ``*``.

    >>> language_ranges("es-MX,es;q=0.9,en;q=0.8")
    [('es', 1.0), ('es', 0.9), ('en', 0.8)]
    """
    if not accept:
        return []
    header = accept[:MAX_ACCEPT_LANGUAGE_CHARS]
    parts = header.split(",")
    if len(accept) > MAX_ACCEPT_LANGUAGE_CHARS:
        parts.pop()  # may have been cut in two
    ranges: list[tuple[str, float]] = []
    for part in parts:
        if len(ranges) >= MAX_LANGUAGE_RANGES:
            break
        tag, semicolon, parameters = part.partition(";")
        code = _primary_code(tag.strip())
        weight = _weight(parameters) if semicolon else 1.0
        if code is not None and weight is not None:
            ranges.append((code, weight))
    return ranges


def _primary_code(tag: str) -> str | None:
    """The primary language of a tag ('es' of 'es-MX', lowercase), or None if it is not one."""
    subtags = tag.replace("_", "-").split("-")
    if not all(0 < len(sub) <= 8 and _ALNUM.issuperset(sub) for sub in subtags):
        return None
    primary = subtags[0]
    return primary.lower() if primary.isascii() and primary.isalpha() else None


def _weight(parameters: str) -> float | None:
    """The weight in ``q=0.8`` (between 0 and 1), or None if it is not written as one."""
    name, equals, value = parameters.partition("=")
    value = value.strip()
    if name.strip().lower() != "q" or not equals or not 0 < len(value) <= 5:
        return None
    if not _QVALUE.issuperset(value) or value.count(".") > 1 or value.startswith("."):
        return None
    weight = float(value)
    return weight if weight <= 1 else None


def preferred_language(accept: str | None) -> str:
    """The workbook language that best fits a browser's ``Accept-Language`` header.

    Read in time proportional to at most ``MAX_ACCEPT_LANGUAGE_CHARS`` characters, however long
    the header (``language_ranges``).

    >>> preferred_language("es-MX,es;q=0.9,en;q=0.8")
    'es'
    >>> preferred_language("fr-FR, en;q=0.5")
    'en'
    >>> preferred_language(None)
    'en'
    """
    best: tuple[float, str] | None = None
    for code, weight in language_ranges(accept):
        if code in LANGUAGES and weight > 0 and (best is None or weight > best[0]):
            best = (weight, code)
    return best[1] if best else DEFAULT_LANGUAGE


_WEEKDAYS: Final = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
_MONTHS: Final = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def long_date(day: object, language: str = DEFAULT_LANGUAGE) -> str:
    """A date the way people say it, the same on every machine.

    >>> import datetime as dt
    >>> long_date(dt.date(2026, 2, 6))
    'Friday, February 6, 2026'
    >>> long_date(dt.date(2026, 2, 6), "es")
    'viernes, 6 de febrero de 2026'
    """
    import datetime as dt

    assert isinstance(day, dt.date)
    _ = translator(language).gettext
    return _("{weekday}, {month} {day}, {year}").format(
        weekday=_(_WEEKDAYS[day.weekday()]),
        month=_(_MONTHS[day.month - 1]),
        day=day.day,
        year=day.year,
    )


def short_weekday(day: object, language: str = DEFAULT_LANGUAGE) -> str:
    """The first three letters of the day's name ('Fri', 'vie')."""
    import datetime as dt

    assert isinstance(day, dt.date)
    return translator(language).gettext(_WEEKDAYS[day.weekday()])[:3]


def short_month(day: object, language: str = DEFAULT_LANGUAGE) -> str:
    """The first three letters of the day's month ('Feb', 'feb')."""
    import datetime as dt

    assert isinstance(day, dt.date)
    return translator(language).gettext(_MONTHS[day.month - 1])[:3]


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "MAX_ACCEPT_LANGUAGE_CHARS",
    "MAX_LANGUAGE_RANGES",
    "N_",
    "check_language",
    "compile_po",
    "language_ranges",
    "long_date",
    "preferred_language",
    "short_month",
    "short_weekday",
    "translator",
]
