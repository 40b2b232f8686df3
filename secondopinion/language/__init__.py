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
import re
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


_TAG = re.compile(r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def preferred_language(accept: str | None) -> str:
    """The workbook language that best fits a browser's ``Accept-Language`` header.

    >>> preferred_language("es-MX,es;q=0.9,en;q=0.8")
    'es'
    >>> preferred_language("fr-FR, en;q=0.5")
    'en'
    >>> preferred_language(None)
    'en'
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept or "").split(",")):
        match = _TAG.match(part)
        if not match:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        code = match.group(1).lower()
        if code in LANGUAGES and weight > 0:
            ranked.append((-weight, position, code))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LANGUAGE


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
    "N_",
    "check_language",
    "compile_po",
    "long_date",
    "preferred_language",
    "short_month",
    "short_weekday",
    "translator",
]
