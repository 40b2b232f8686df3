"""A helper who says how they are related reads "your father", never "the patient", where it fits.

For each relation the intake offers (``relation`` in ``content/intake.yaml``) and in English and
Spanish, a relative's plan, timeline and intake name the patient as the helper knows them: "your
father" in what the workbook tells them, "my father" in the questions they ask a doctor. "The
patient" is left only where the name would not fit the sentence: a compound such as "the patient
portal", and in Spanish a sentence whose agreement is of the other gender ("la paciente está
embarazada" for "su padre"; "estuvo internado" for "su madre"). The intake's own questions speak
to any helper ("Which of these has the patient had?"), and a child's parent never reads that the
child pays or decides.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from secondopinion import Content, Situation, load_content, tailor
from secondopinion.content import Choice, Question
from secondopinion.planning import Reader, build_timeline
from secondopinion.planning.engine import _in_words_for
from secondopinion.store import WorkbookStore
from tests.reader_checks import CHILD_PAYS_OR_DECIDES
from widgets.app import WorkbookApp
from widgets.steps.intake import FieldInput, IntakeView
from widgets.workbook_state import WorkbookState

from .conftest import EditYaml

TODAY = dt.date(2031, 3, 3)
HELPER_STORY = {
    "filled_by": "family",
    "patient_can_decide": "decides_with_help",
    "diagnosis_kind": "cancer",
    "seriousness": "advanced",
    "treatment_status": ["not_working"],
    "in_hospital": True,
    "options_offered": "several",
    "tests_done": ["biopsy", "imaging", "surgery", "hospital_stay"],
    "tumor_testing": "not_sure",
    "insurance": "medicare_advantage_hmo",
    "costs_worry": True,
    "can_travel": False,
    "age_group": "older_adult",
    "time_to_decide": "weeks",
    "decision_date": "2031-04-04",
    "reasons": ["explore_all_options", "clinical_trials", "trouble_understanding"],
    "advance_directive": "none",
    "appeal_representative": "wants_one",
}
"""A relative helping with a cancer that stopped responding: most kinds of item apply."""

# "The patient" as each language writes it.
THE_PATIENT = {
    "en": re.compile(r"\b[Tt]he patient\b"),
    "es": re.compile(r"\b(?:[Ee]l|[Dd]el|[Aa]l|[Ll]a) paciente\b"),
}
# Where "the patient" stays: not the person ("the patient portal").
NOT_THE_PERSON = {
    "en": re.compile(r"\b[Tt]he patient (?:portal|advocate)"),
    "es": re.compile(r"\bportal del paciente\b"),
}
# Spanish words that agree with the patient in the masculine ("su madre estuvo internado").
MASCULINE = re.compile(r"\b(?:él|internado|adulto|niño|candidato|despierto|enfermo)\b", re.I)
FEMININE_NAMES = ("su madre", "su pareja")


@pytest.fixture(scope="module")
def contents() -> dict[str, Content]:
    return {"en": load_content(), "es": load_content(language="es")}


def naming_choices(content: Content) -> list[Choice]:
    return [c for c in content.intake.field("relation").choices if c.told_as is not None]


def relation_ids() -> list[str]:
    return [c.id for c in naming_choices(load_content())]


def sentences(words: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", words)


def everything_read(story: dict[str, object], content: Content) -> list[tuple[str, str, str]]:
    """Every text of the plan, its reasons and its timeline: (where, part, words)."""
    situation = Situation.from_answers(story, content.intake)
    plan = tailor(situation, content)
    read: list[tuple[str, str, str]] = []
    for planned in (*plan.questions, *plan.records, *plan.next_steps):
        for part in ("text", "why", "what", "how_to_get", "detail"):
            words = getattr(planned.item, part, None)
            if isinstance(words, str):
                kind = "asked" if isinstance(planned.item, Question) and part == "text" else "told"
                read.append((planned.id, kind, words))
        read += [(planned.id, "told", because) for because in planned.because]
    for step in build_timeline(situation, plan, content, TODAY).steps:
        for words in (step.text, step.why, step.instead):
            if words:
                read.append((step.id, "told", words))
    return read


def intake_read(story: dict[str, object], content: Content) -> list[tuple[str, str, str]]:
    """Every text of the intake as this helper reads it (the question of who they are aside)."""
    in_effect = Situation.from_answers(story, content.intake).in_effect(content.intake)
    read = []
    for field in Reader.of(in_effect, content.intake).intake(content.intake).fields:
        if field.id == "filled_by":
            continue
        texts = [field.label, field.help, field.you_said_true, field.you_said_false]
        texts += [w for c in field.choices for w in (c.label, c.you_said)]
        read += [(field.id, "told", w) for w in texts if w]
    return read


def left_unnamed(words: str, language: str, name: str) -> list[str]:
    """The sentences that still say "the patient" where the name fits."""
    wrong = []
    for sentence in sentences(words):
        if not THE_PATIENT[language].search(sentence):
            continue
        if NOT_THE_PERSON[language].search(sentence):
            continue
        if language == "es":
            said = THE_PATIENT["es"].findall(sentence)
            if all(s.lower().startswith("la") for s in said) and name not in FEMININE_NAMES:
                continue
            if name in FEMININE_NAMES and MASCULINE.search(sentence):
                continue
        wrong.append(sentence)
    return wrong


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("relation", relation_ids())
def test_a_relatives_plan_and_intake_name_the_patient(
    contents: dict[str, Content], language: str, relation: str
) -> None:
    content = contents[language]
    choice = next(c for c in naming_choices(content) if c.id == relation)
    told, asked = choice.told_as, choice.asked_as
    assert told and asked
    story = {**HELPER_STORY, "relation": relation}
    read = everything_read(story, content) + intake_read(story, content)
    wrong = [
        f"{where}: {s}" for where, _, words in read for s in left_unnamed(words, language, told)
    ]
    assert not wrong, f"{relation} still reads the patient:\n" + "\n".join(wrong)
    told_here = [w for _, kind, w in read if kind == "told" and told.lower() in w.lower()]
    asked_here = [w for _, kind, w in read if kind == "asked" and asked.lower() in w.lower()]
    assert len(told_here) >= 20 and len(asked_here) >= 5, (len(told_here), len(asked_here))
    # A question is what the helper asks a doctor: it says "my father", never "your father".
    assert not [w for _, kind, w in read if kind == "asked" and told.lower() in w.lower()]


@pytest.mark.parametrize(
    ("language", "relation", "expected"),
    [
        (
            "en",
            "father",
            ["Which of these has your father had?", "Is your father in the hospital now?"],
        ),
        ("en", "sibling", ["Which of these has your sister or brother had?"]),
        ("en", "friend", ["How old is your friend?", "Could your friend travel to another city"]),
        (
            "es",
            "father",
            [
                "¿Cuáles de estas cosas le han hecho a su padre?",
                "¿Su padre está en el hospital ahora?",
            ],
        ),
        ("es", "mother", ["¿Qué edad tiene su madre?", "su madre tiene 65 años o más"]),
        ("es", "child", ["¿Podría su hijo o hija viajar a otra ciudad para una cita?"]),
    ],
)
def test_the_intakes_own_questions_speak_of_the_relative(
    contents: dict[str, Content], language: str, relation: str, expected: list[str]
) -> None:
    read = " | ".join(
        w for _, _, w in intake_read({**HELPER_STORY, "relation": relation}, contents[language])
    )
    for words in expected:
        assert words in read


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "Which of these has the patient had?"),
        ("es", "¿Cuáles de estas cosas le han hecho al paciente?"),
    ],
)
def test_a_helper_who_names_no_relation_is_asked_about_the_patient(
    contents: dict[str, Content], language: str, label: str
) -> None:
    content = contents[language]
    for who in ("proxy", "family", "navigator", "parent_guardian"):
        reader = Reader.of({"filled_by": who}, content.intake)
        assert reader.intake(content.intake).field("tests_done").label == label
    patient = Reader.of({"filled_by": "patient"}, content.intake).intake(content.intake)
    assert patient.field("tests_done").label == content.intake.field("tests_done").label


def test_spanish_names_agree_with_their_sentence(contents: dict[str, Content]) -> None:
    content = contents["es"]
    for relation, name in (("mother", "su madre"), ("partner", "su pareja")):
        story = {**HELPER_STORY, "relation": relation}
        read = everything_read(story, content) + intake_read(story, content)
        named = [s for _, _, w in read for s in sentences(w) if name in s.lower()]
        assert named
        assert not [s for s in named if MASCULINE.search(s)]
    mother = Reader.of({"filled_by": "family", "relation": "mother"}, content.intake)
    father = Reader.of({"filled_by": "family", "relation": "father"}, content.intake)
    assert mother.tell("La paciente está embarazada.") == "Su madre está embarazada."
    assert father.tell("La paciente está embarazada.") == "La paciente está embarazada."
    assert mother.tell("El paciente estuvo internado.") == "El paciente estuvo internado."
    assert (
        father.tell("Las notas del paciente, al paciente.") == "Las notas de su padre, a su padre."
    )
    assert father.ask("¿Puede revisar la biopsia del paciente?") == (
        "¿Puede revisar la biopsia de mi padre?"
    )


def test_words_in_quotes_are_the_helpers_own() -> None:
    reader = Reader("family", "your father", "my father", "en")
    assert reader.tell('Say: "The patient wants a copy." Then ask the patient.') == (
        'Say: "My father wants a copy." Then ask your father.'
    )
    assert reader.tell("Print it from the patient portal.") == "Print it from the patient portal."


def test_a_patient_reads_no_name_even_with_a_relation_saved(contents: dict[str, Content]) -> None:
    content = contents["en"]
    story = {**HELPER_STORY, "filled_by": "patient", "relation": "father"}
    read = everything_read(story, content)
    assert not [w for _, _, w in read if "your father" in w or "my father" in w]


def test_a_parents_child_never_pays_or_decides(contents: dict[str, Content]) -> None:
    for language, content in contents.items():
        reader = Reader.of({"filled_by": "parent_guardian", "relation": "child"}, content.intake)
        wrong = []
        named = 0
        for item in (*content.questions, *content.records, *content.next_steps):
            worded = reader.item(_in_words_for(item, reader.who, frozenset()))
            for part in ("text", "why", "what", "how_to_get", "detail"):
                words = getattr(worded, part, None)
                if isinstance(words, str):
                    named += reader.told_as in words or reader.asked_as in words
                    if language == "en" and CHILD_PAYS_OR_DECIDES.search(words):
                        wrong.append(f"{item.id}.{part}: {words}")
        assert named > 50
        assert not wrong, "\n".join(wrong)


def test_a_name_on_another_fields_choice_is_an_error(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    from secondopinion import ContentError

    def name_a_choice(data: dict) -> None:
        field = next(f for f in data["fields"] if f["id"] == "filled_by")
        field["choices"][0].update(told_as="your father", asked_as="my father")

    edit_yaml("intake.yaml", name_a_choice)
    with pytest.raises(ContentError) as caught:
        load_content(small_content_dir)
    assert [str(p) for p in caught.value.problems] == [
        "intake.yaml: filled_by: choice 'patient' names the patient (told_as), which only the "
        "choices of 'relation' may do"
    ]


def intake_input(app: WorkbookApp, field_id: str) -> FieldInput:
    intake = app.view(0)
    assert isinstance(intake, IntakeView)
    return next(i for i in intake.inputs if i.field.id == field_id)


def test_the_intake_view_speaks_of_the_relative_and_keeps_every_answer(
    store: WorkbookStore, content: Content
) -> None:
    app = WorkbookApp(WorkbookState(store, content), link_base="http://127.0.0.1:8866/")
    intake_input(app, "age_group").control.value = "older_adult"
    intake_input(app, "language_needs").control.value = "prefers_other"
    intake_input(app, "filled_by").control.value = "family"
    tests_done = intake_input(app, "tests_done")
    assert "Which of these has the patient had?" in tests_done.label.value
    intake_input(app, "relation").control.value = "father"
    assert "Which of these has your father had?" in tests_done.label.value
    age = intake_input(app, "age_group")
    assert "How old is your father?" in age.label.value
    assert age.control.value == "older_adult"  # rewording the radios kept the answer
    language = intake_input(app, "language_needs").control
    assert language.value == "prefers_other"
    assert "Your father speaks another language best" in language._options_labels
    saved = store.load(app.state.workbook_id).answers
    assert saved["age_group"] == "older_adult" and saved["language_needs"] == "prefers_other"
    intake_input(app, "filled_by").control.value = "patient"
    assert "Which of these have you had?" in tests_done.label.value
    assert "How old is the patient?" in age.label.value
