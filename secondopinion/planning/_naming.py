"""How "the patient" is written in each language, and what a name put in its place must agree with.

The content says "the patient" (Spanish "el paciente", "del paciente", "al paciente", and "la
paciente" where the sentence is about a woman: a pregnancy). Once a helper says how they are
related, ``name_the_patient`` puts the relation's words in its place ("your father", "su padre"),
sentence by sentence. A sentence keeps "the patient" where the name would not fit it:

- a compound that is not the person: "the patient portal", "el portal del paciente";
- in Spanish, a name of the other grammatical gender than the sentence's agreement: "su madre"
  where the sentence goes on in the masculine ("el paciente estuvo internado", "por él"), and a
  name that is not feminine where it says "la paciente" ("la paciente está embarazada");
- for a child's parent (``minor``), a sentence about paying or deciding: a child never pays or
  decides ("the patient's share of the cost" does not become "your child's share").

>>> name_the_patient("The patient's scans.", "your father", "en")
"Your father's scans."
>>> name_the_patient("Las notas del paciente.", "su padre", "es")
'Las notas de su padre.'
>>> name_the_patient("El paciente estuvo internado.", "su madre", "es")
'El paciente estuvo internado.'
"""

from __future__ import annotations

import re
from typing import Final

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD: Final = {"en": "patient", "es": "paciente"}
"""The word for the patient in each language the naming knows: words without it keep theirs."""

_ENGLISH: Final = re.compile(
    r"\b(?P<article>[Tt]he) patient\b(?!\s+(?:portal|advocate|navigator|assistance)s?\b)"
    r"(?P<owner>'s|’s)?"
)

_SPANISH: Final = re.compile(
    r"(?<!portal )\b(?P<article>[Dd]el|[Aa]l|[Ee]l|[Ll]a) paciente\b(?!\s+navegador)"
)
_SPANISH_PREPOSITION: Final = {"del": "de ", "al": "a ", "el": "", "la": ""}

FEMININE_HEADS: Final = frozenset(
    {"madre", "pareja", "hija", "hermana", "amiga", "abuela", "nieta", "esposa", "tía", "persona"}
)
"""Spanish nouns of the feminine gender that a relation's name may be headed by ("su madre")."""

MASCULINE_AGREEMENT: Final = re.compile(
    r"\b(?:él|lo lleve|adulto|niño|candidato|internado|hospitalizado|operado|despierto|"
    r"enfermo|cansado|asustado|preocupado|listo)\b"
    r"|paciente (?:no )?(?:está|estuvo|esté|estaba|es|sea|fue|era|queda|quedó)"
    r"(?: (?:muy|más|tan|demasiado))? [a-záéíóúñ]+(?<!nd)os?\b",
    re.IGNORECASE,
)
"""Spanish words that agree with "el paciente" in the masculine: a feminine name cannot take
that sentence's place ("su madre estuvo internado")."""

PAYS_OR_DECIDES: Final = {
    "en": re.compile(r"\b(?:pay|pays|paid|cost|costs|share|decide|decides|choose|chooses)\b", re.I),
    "es": re.compile(
        r"\b(?:paga|pague|pagar|pagaría|costo|costos|parte|decide|decida|decidir|elige|elija|"
        r"elegir|decisión)\b",
        re.I,
    ),
}
"""Words of a sentence about paying or deciding, which a child's parent reads about the patient
(never about "your child")."""


def name_the_patient(words: str, name: str, language: str, *, minor: bool = False) -> str:
    """``words`` with each "the patient" that can take it replaced by ``name``.

    ``minor``: the patient is a child (the reader is their parent), so sentences about paying or
    deciding keep "the patient".
    """
    if language not in _WORD or _WORD[language] not in words:
        return words
    parts = _SENTENCE_END.split(words)
    spaces = [*_SENTENCE_END.findall(words), ""]
    named = [_sentence(part, name, language, minor) for part in parts]
    return "".join(p + s for p, s in zip(named, spaces, strict=True))


def _sentence(sentence: str, name: str, language: str, minor: bool) -> str:
    if minor and PAYS_OR_DECIDES[language].search(sentence):
        return sentence
    if language == "en":
        return _ENGLISH.sub(lambda m: _english(m, name), sentence)
    return _spanish(sentence, name)


def _english(match: re.Match[str], name: str) -> str:
    return _capital(name, match["article"]) + (match["owner"] or "")


def _spanish(sentence: str, name: str) -> str:
    words = name.split()
    feminine = len(words) > 1 and words[1].lower() in FEMININE_HEADS
    masculine_here = MASCULINE_AGREEMENT.search(sentence) is not None

    def one(match: re.Match[str]) -> str:
        article = match["article"].lower()
        if article == "la" and not feminine:
            return match.group(0)
        if article != "la" and feminine and masculine_here:
            return match.group(0)
        return _capital(_SPANISH_PREPOSITION[article] + name, match["article"])

    return _SPANISH.sub(one, sentence)


def _capital(named: str, article: str) -> str:
    """``named`` with a capital first letter where the article it stands for had one."""
    return named[:1].upper() + named[1:] if article[:1].isupper() else named
