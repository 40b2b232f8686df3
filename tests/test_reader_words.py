"""Every text a helper or a parent reads speaks to them as who they are.

A relative, a proxy or a navigator is not the patient, and a parent is not the child: the words
they see must not talk to them as if the illness, the body or the records were theirs, must not
tell a helper "you have a right to your records", and must never make a child the one who pays
or decides. Each item is checked as that reader sees it (``tailor`` words it for them), in every
part: the text, why, what, how to get it, and the detail.
"""

from __future__ import annotations

import re

import pytest

from secondopinion import Content
from secondopinion.content import Item, Question
from tests.reader_checks import CHILD_PAYS_OR_DECIDES

HELPERS = ("proxy", "family", "navigator")

# Words that speak to the reader as the patient: wrong for anyone filling it in for someone else.
# A question is asked of a doctor or a plan, so its "your" is theirs: only its "my" is checked.
AS_IF_THE_PATIENT = re.compile(
    r"\byour (own )?(illness|cancer|disease|condition|conditions|body|tissue|tumor|diagnosis|"
    r"symptoms|medicines|surgery|operation|treatment|scans|biopsy|records|record|case|"
    r"doctor|doctors|first doctor|main doctor|care|insurance|plan|plan's|health|life|"
    r"outlook|wishes|genes|test results|tests|hospital stay|appointments|visit|own copy)\b"
    r"|\byou have (a|the) (legal )?right\b"
    r"|\b(treatment|radiation|tests|medicines?) you (have )?(had|take|have taken)\b"
    r"|\bwhere you were treated\b|\bevery drug you take\b"
    r"|\bif you had what i have\b"
    r"|\bmy (illness|cancer|disease|condition|conditions|body|tissue|tumor|diagnosis|"
    r"symptoms|medicines|surgery|treatment|scans|biopsy|records|case|care|outlook|wishes|"
    r"test results|tests|daily life|first doctor|doctors|papers|visits)\b"
    r"|\b(i|you) (am|are) pregnant\b",
    re.IGNORECASE,
)
SPOKEN_BY_THE_PATIENT = re.compile(
    r"\bmy (illness|cancer|disease|condition|conditions|body|tissue|tumor|diagnosis|"
    r"symptoms|medicines|surgery|treatment|scans|biopsy|records|case|care|outlook|wishes|"
    r"test results|tests|daily life|first doctor|doctors|papers|visits|facts|goals)\b"
    r"|\b(i|you) (am|are) pregnant\b|\bfor me\b|\bexamine me\b|\bsomeone like me\b"
    r"|\bi (have|had) (cancer|this)\b",
    re.IGNORECASE,
)

# Words that make the child the one who pays or decides.

PARTS = ("text", "why", "what", "how_to_get", "detail")


def words_seen(item: Item) -> dict[str, str]:
    return {p: v for p in PARTS if isinstance(v := getattr(item, p, None), str)}


def all_items_as_read_by(reader: str, content: Content) -> dict[str, Item]:
    """Every item (area files' too) in this reader's words, whatever its rule."""
    from secondopinion.planning.engine import _in_words_for

    found: dict[str, Item] = {}
    for item in (*content.questions, *content.records, *content.next_steps):
        found[item.id] = _in_words_for(item, reader, frozenset())
    return found


@pytest.mark.parametrize("reader", [*HELPERS, "parent_guardian"])
def test_no_text_speaks_to_a_helper_or_parent_as_the_patient(reader: str, content: Content) -> None:
    wrong = []
    for item_id, item in all_items_as_read_by(reader, content).items():
        for part, words in words_seen(item).items():
            pattern = SPOKEN_BY_THE_PATIENT if asked(item, part) else AS_IF_THE_PATIENT
            if (match := pattern.search(words)) and not _quoted(words, match):
                wrong.append(f"{item_id}.{part}: …{match.group(0)}… in “{words}”")
    assert not wrong, f"{reader} reads words meant for the patient:\n" + "\n".join(wrong)


def test_no_text_makes_the_child_pay_or_decide(content: Content) -> None:
    wrong = []
    for reader in ("parent_guardian", *HELPERS):
        for item_id, item in all_items_as_read_by(reader, content).items():
            for part, words in words_seen(item).items():
                if CHILD_PAYS_OR_DECIDES.search(words):
                    wrong.append(f"{reader} {item_id}.{part}: {words}")
    assert not wrong, "\n".join(wrong)


def test_the_check_catches_patient_words_and_a_paying_child() -> None:
    assert AS_IF_THE_PATIENT.search("You have a legal right to a copy of your records.")
    assert AS_IF_THE_PATIENT.search("Ask for a second look at your tissue.")
    assert not AS_IF_THE_PATIENT.search("Ask for a second look at the patient's tissue.")
    assert CHILD_PAYS_OR_DECIDES.search("What will my child have to pay?")
    assert CHILD_PAYS_OR_DECIDES.search("What might my child's share of the cost be?")
    assert not CHILD_PAYS_OR_DECIDES.search("What will we have to pay?")


def asked(item: Item, part: str) -> bool:
    """Whether the words are a question the reader asks (its "your" is the doctor's)."""
    return isinstance(item, Question) and part == "text"


def _quoted(words: str, match: re.Match[str]) -> bool:
    """Inside words to say out loud ("You could say: ..."), the speaker's own "my" is right."""
    before = words[: match.start()]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")
