"""FHIR R4: the intake as a Questionnaire, answers as a QuestionnaireResponse, and back again.

Every golden situation (English and Spanish) goes out as FHIR JSON and comes back as the same
answers; every resource parses back with fhir.resources; ``enableWhen`` says what ``shown_when``
says; the ``fhir`` command and the navigator desk write owner-only files.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from secondopinion import Content, Situation, load_content
from secondopinion.cli import main
from secondopinion.content import Choice, Field, Intake, rules
from secondopinion.documents.fhir import (
    NOT_IN_EFFECT,
    QUESTIONNAIRE_URL,
    SHOWN_WHEN,
    FhirAnswersError,
    answers_from_response,
    answers_response,
    intake_questionnaire,
    resource_json,
)
from secondopinion.store import WorkbookStore

TESTS = Path(__file__).parent
GOLDEN = [
    (folder, path.name.removesuffix(".situation.json"))
    for folder in ("golden", "golden_es")
    for path in sorted((TESTS / folder).glob("*.situation.json"))
]
TRICKY_TEXT = '<script>alert("hi")</script> & &amp; "quoted" \'single\' <b>bold</b>\n  two lines  '


@pytest.fixture(scope="module")
def spanish() -> Content:
    return load_content(language="es")


def content_for(folder: str, english: Content, spanish: Content) -> Content:
    return spanish if folder == "golden_es" else english


def saved_form(raw: dict[str, object], content: Content) -> dict[str, object]:
    """The answers as the workbook keeps them (lists of choices sorted, as ``to_answers``)."""
    return Situation.from_answers(raw, content.intake).to_answers()


def sorted_lists(answers: dict[str, object]) -> dict[str, object]:
    return {k: sorted(v) if isinstance(v, list) else v for k, v in answers.items()}


def item_of(resource: dict, link_id: str) -> dict:
    found = [item for item in resource["item"] if item["linkId"] == link_id]
    assert len(found) == 1, link_id
    return found[0]


def test_golden_situations_are_found() -> None:
    assert len([g for g in GOLDEN if g[0] == "golden"]) > 20
    assert len([g for g in GOLDEN if g[0] == "golden_es"]) > 3


@pytest.mark.parametrize(("folder", "name"), GOLDEN, ids=[f"{f}/{n}" for f, n in GOLDEN])
def test_every_golden_situation_round_trips(
    folder: str, name: str, content: Content, spanish: Content
) -> None:
    used = content_for(folder, content, spanish)
    raw = json.loads((TESTS / folder / f"{name}.situation.json").read_text(encoding="utf-8"))
    data = resource_json(answers_response(raw, used.intake))
    parsed = QuestionnaireResponse.model_validate_json(data)  # fhir.resources validates it
    assert parsed.questionnaire.startswith(QUESTIONNAIRE_URL + "|")
    assert parsed.language == used.language
    back = answers_from_response(data, used.intake)
    assert sorted_lists(back) == saved_form(raw, used)
    assert Situation.from_answers(back, used.intake) == Situation.from_answers(raw, used.intake)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_questionnaire_validates_and_has_one_item_per_field(language: str) -> None:
    intake = load_content(language=language).intake
    data = resource_json(intake_questionnaire(intake))
    parsed = Questionnaire.model_validate_json(data)
    assert parsed.url == QUESTIONNAIRE_URL and parsed.language == language
    assert [item.linkId for item in parsed.item] == [f.id for f in intake.fields]
    kinds = {"one_choice": "choice", "several_choices": "choice", "yes_no": "boolean"}
    kinds |= {"date": "date", "free_text": "text"}
    for field, item in zip(intake.fields, parsed.item, strict=True):
        assert item.type == kinds[field.kind], field.id
        assert item.text == field.label
        assert bool(item.repeats) == (field.kind == "several_choices"), field.id
        assert bool(item.required) == field.required, field.id
        codings = [option.valueCoding for option in item.answerOption or ()]
        assert [(c.code, c.display) for c in codings] == [(c.id, c.label) for c in field.choices]
        assert {c.system for c in codings} <= {f"urn:secondopinion:intake:{field.id}"}


def test_the_spanish_questionnaire_has_the_spanish_words(
    content: Content, spanish: Content
) -> None:
    english = json.loads(resource_json(intake_questionnaire(content.intake)))
    translated = json.loads(resource_json(intake_questionnaire(spanish.intake)))
    assert english["version"] == translated["version"]  # the same questions, other words
    assert (
        item_of(translated, "diagnosis_kind")["text"]
        == spanish.intake.field("diagnosis_kind").label
    )
    assert (
        item_of(translated, "diagnosis_kind")["text"] != item_of(english, "diagnosis_kind")["text"]
    )


def test_enable_when_of_preferred_language_says_its_shown_when(content: Content) -> None:
    field = content.intake.field("preferred_language")
    assert field.shown_when == rules.FieldTest(
        "language_needs", "in", ("prefers_other", "needs_interpreter")
    )
    item = item_of(json.loads(resource_json(intake_questionnaire(content.intake))), field.id)
    assert item["enableBehavior"] == "any"
    assert [
        (c["question"], c["operator"], c["answerCoding"]["code"]) for c in item["enableWhen"]
    ] == [
        ("language_needs", "=", "prefers_other"),
        ("language_needs", "=", "needs_interpreter"),
    ]
    assert {c["answerCoding"]["system"] for c in item["enableWhen"]} == {
        "urn:secondopinion:intake:language_needs"
    }
    travel_help = item_of(
        json.loads(resource_json(intake_questionnaire(content.intake))), "travel_help"
    )
    assert travel_help["enableWhen"] == [
        {"question": "can_travel", "operator": "=", "answerBoolean": True}
    ]
    assert "enableBehavior" not in travel_help


def test_a_rule_fhir_cannot_say_is_kept_whole_in_an_extension(content: Content) -> None:
    questionnaire = json.loads(resource_json(intake_questionnaire(content.intake)))
    item = item_of(questionnaire, "disease_group")
    assert isinstance(content.intake.field("disease_group").shown_when, rules.Not)
    assert "enableWhen" not in item
    (extension,) = item["extension"]
    assert extension["url"] == SHOWN_WHEN
    kept = rules.parse_rule(json.loads(extension["valueString"]))
    assert kept == content.intake.field("disease_group").shown_when


def enabled(item: dict, answers: dict[str, object]) -> bool:
    """FHIR's enableWhen, worked out the way a form filler does."""

    def holds(condition: dict) -> bool:
        answer = answers.get(condition["question"])
        if condition["operator"] == "exists":
            return (answer is not None) == condition["answerBoolean"]
        assert condition["operator"] == "="
        if "answerBoolean" in condition:
            return answer is condition["answerBoolean"]
        code = condition["answerCoding"]["code"]
        return code in answer if isinstance(answer, frozenset) else answer == code

    results = [holds(c) for c in item["enableWhen"]]
    return all(results) if item.get("enableBehavior", "all") == "all" else any(results)


def test_every_enable_when_agrees_with_its_shown_when(content: Content) -> None:
    """On every golden situation, and on each single answer to each field a rule tests."""
    intake = content.intake
    samples: list[dict[str, object]] = [{}]
    for folder, name in GOLDEN:
        raw = json.loads((TESTS / folder / f"{name}.situation.json").read_text(encoding="utf-8"))
        samples.append(dict(Situation.from_answers(raw, intake).answers))
    questionnaire = json.loads(resource_json(intake_questionnaire(intake)))
    said = 0
    for field in intake.fields:
        if field.shown_when is None:
            assert "enableWhen" not in item_of(questionnaire, field.id)
            continue
        for test in rules.field_tests(field.shown_when):
            tested = intake.field(test.field)
            values: list[object] = list(tested.choice_ids) or [True, False, "x"]
            if tested.kind == "several_choices":
                values = [frozenset({v}) for v in values]
            samples += [{test.field: v} for v in values]
        item = item_of(questionnaire, field.id)
        if "enableWhen" not in item:
            continue
        said += 1
        for answers in samples:
            assert enabled(item, answers) == rules.evaluate(field.shown_when, answers), (
                field.id,
                answers,
            )
    assert said >= 5


def test_what_enable_when_can_say_and_what_it_cannot() -> None:
    """Made-up fields: ``in`` fits alone or in ``any``, not in ``all`` beside another test."""
    choices = tuple(Choice(id=c, label=c.upper(), you_said=c) for c in ("x", "y", "z"))
    a_in = {"field": "a", "in": ["x", "y"]}
    shown = {
        "any_of": {"any": [a_in, {"field": "b", "equals": True}]},
        "all_of": {"all": [{"field": "a", "equals": "x"}, {"field": "b", "exists": False}]},
        "all_in": {"all": [a_in, {"field": "b", "equals": True}]},
        "all_one": {"all": [a_in]},
        "nested": {"any": [{"all": [{"field": "a", "equals": "x"}]}]},
    }
    intake = Intake(
        (
            Field(id="a", label="A", kind="one_choice", choices=choices),
            Field(id="b", label="B", kind="yes_no", you_said_true="t", you_said_false="f"),
            *(
                Field(id=name, label=name, kind="free_text", shown_when=rule)
                for name, rule in shown.items()
            ),
        )
    )
    questionnaire = json.loads(resource_json(intake_questionnaire(intake)))
    expected = {"any_of": "any", "all_of": "all", "all_in": None, "all_one": "any", "nested": None}
    samples = [{"a": a, "b": b} for a in ("x", "y", "z", None) for b in (True, False, None)]
    for name, behavior in expected.items():
        item = item_of(questionnaire, name)
        if behavior is None:
            assert "enableWhen" not in item, name
            kept = json.loads(item["extension"][0]["valueString"])
            assert rules.parse_rule(kept) == intake.field(name).shown_when
            continue
        assert item["enableBehavior"] == behavior, name
        for answers in samples:
            present = {k: v for k, v in answers.items() if v is not None}
            assert enabled(item, present) == rules.evaluate(intake.field(name).shown_when, present)


def test_answers_to_a_hidden_question_are_kept_and_marked(content: Content) -> None:
    raw = {"filled_by": "patient", "patient_can_decide": "can_decide"}
    response = json.loads(resource_json(answers_response(raw, content.intake)))
    assert item_of(response, "patient_can_decide")["extension"] == [
        {"url": NOT_IN_EFFECT, "valueBoolean": True}
    ]
    assert "extension" not in item_of(response, "filled_by")
    assert answers_from_response(json.dumps(response), content.intake) == raw


def test_the_status_says_whether_the_required_questions_are_answered(content: Content) -> None:
    required = {f.id: f for f in content.intake.fields if f.required}
    assert required
    answers: dict[str, object] = {}
    assert answers_response(answers, content.intake).status == "in-progress"
    for field in required.values():
        answers[field.id] = (
            field.choice_ids[0] if field.kind == "one_choice" else [field.choice_ids[0]]
        )
    answers = Situation.from_answers(answers, content.intake).to_answers()
    assert answers_response(answers, content.intake).status == "completed"


def test_free_text_with_markup_and_quotes_survives_exactly(content: Content) -> None:
    raw = {"diagnosis_kind": "cancer", "diagnosis_name": TRICKY_TEXT, "due_date": "2027-03-01"}
    data = resource_json(answers_response(raw, content.intake))
    item = item_of(json.loads(data), "diagnosis_name")
    assert item["answer"] == [{"valueString": TRICKY_TEXT}]
    assert item_of(json.loads(data), "due_date")["answer"] == [{"valueDate": "2027-03-01"}]
    assert answers_from_response(data, content.intake) == raw


def test_a_response_to_another_questionnaire_is_refused(content: Content) -> None:
    data = json.loads(resource_json(answers_response({"can_travel": True}, content.intake)))
    assert answers_from_response(json.dumps(data), content.intake) == {"can_travel": True}
    other = dict(data, questionnaire="http://example.org/Questionnaire/phq-9")
    with pytest.raises(FhirAnswersError):
        answers_from_response(json.dumps(other), content.intake)
    wrong_kind = dict(data, item=[{"linkId": "can_travel", "answer": [{"valueString": "yes"}]}])
    with pytest.raises(FhirAnswersError):
        answers_from_response(json.dumps(wrong_kind), content.intake)
    coding = {"system": "http://snomed.info/sct", "code": "cancer"}
    foreign = dict(data, item=[{"linkId": "diagnosis_kind", "answer": [{"valueCoding": coding}]}])
    with pytest.raises(FhirAnswersError):
        answers_from_response(json.dumps(foreign), content.intake)


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_the_fhir_command_writes_a_workbooks_answers(tmp_path: Path, spanish: Content) -> None:
    data = tmp_path / "data"
    answers = {"diagnosis_kind": "cancer", "tests_done": ["imaging", "biopsy"]}
    answers |= {"can_travel": False, "diagnosis_name": TRICKY_TEXT, "decision_date": "2026-12-31"}
    with WorkbookStore.open(data) as store:
        book, _ = store.create_workbook("Ana", "patient", "es")
        store.set_answers(book.id, answers)
    out = tmp_path / "out" / "ana.json"
    code, said, problems = run("fhir", "--workbook", book.id, "--out", out, "--data", data)
    assert (code, problems) == (0, "")
    assert "Saved" in said and "5 answers" in said
    assert (out.stat().st_mode & 0o777) == 0o600
    response = QuestionnaireResponse.model_validate_json(out.read_bytes())
    assert response.language == "es" and response.authored is not None
    assert sorted_lists(answers_from_response(response, spanish.intake)) == sorted_lists(answers)
    assert '"display": "Cáncer"' in out.read_text(encoding="utf-8")

    form = tmp_path / "intake.json"
    code, _, _ = run(
        "fhir", "--workbook", book.id, "--questionnaire", "--out", form, "--data", data
    )
    assert code == 0 and (form.stat().st_mode & 0o777) == 0o600
    questionnaire = Questionnaire.model_validate_json(form.read_bytes())
    assert questionnaire.language == "es" and len(questionnaire.item) == len(spanish.intake.fields)


def test_the_fhir_command_says_why_it_wrote_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    WorkbookStore.open(data).close()
    out = tmp_path / "nothing.json"
    code, said, problems = run("fhir", "--workbook", "no-such-id", "--out", out, "--data", data)
    assert code == 1 and said == "" and "no workbook" in problems
    code, _, problems = run("fhir", "--out", out, "--data", data)
    assert code == 2 and "--workbook" in problems
    assert not out.exists()
    code, _, _ = run("fhir", "--questionnaire", "--language", "es", "--out", out)
    assert code == 0 and Questionnaire.model_validate_json(out.read_bytes()).language == "es"


def test_the_desk_saves_fhir_answers_owner_only(tmp_path: Path, content: Content) -> None:
    from widgets.desk import NavigatorDesk

    store = WorkbookStore.open(tmp_path / "data")
    book, _ = store.create_workbook("Peña", "navigator")
    store.set_answers(book.id, {"diagnosis_kind": "cancer", "diagnosis_name": TRICKY_TEXT})
    desk = NavigatorDesk(store, content, exports_dir=tmp_path / "exports")
    desk.person.value = book.id
    desk.export_fhir.click()
    (saved,) = (tmp_path / "exports").glob("workbook-pena-*.fhir.json")
    assert (saved.stat().st_mode & 0o777) == 0o600
    assert "data:application/fhir+json;base64," in desk.exported.value
    response = QuestionnaireResponse.model_validate_json(saved.read_bytes())
    assert answers_from_response(response, content.intake) == {
        "diagnosis_kind": "cancer",
        "diagnosis_name": TRICKY_TEXT,
    }
    store.close()
