"""The intake and a workbook's answers in FHIR R4: a Questionnaire and a QuestionnaireResponse.

Hospitals' systems speak FHIR. The resources are built and checked with the ``fhir.resources``
models of **R4B** (``fhir.resources.R4B``, FHIR 4.3.0): version 8 of the package has R4 only as
R4B, and ``Questionnaire`` and ``QuestionnaireResponse`` are the same in R4 and R4B.

The Questionnaire (``intake_questionnaire``), in the language of the intake it is given:

- one item per intake field, in order: ``linkId`` is the field id, ``text`` its label;
- ``one_choice`` is a ``choice`` item whose ``answerOption`` codings have the system
  ``urn:secondopinion:intake:<field id>``, the choice id as code and its label as display;
  ``several_choices`` is the same with ``repeats: true``; ``yes_no`` is ``boolean``, ``date`` is
  ``date`` and ``free_text`` is ``text``;
- ``shown_when`` becomes ``enableWhen`` (with ``enableBehavior`` all or any) when FHIR can say
  it: one field test, or ``all`` or ``any`` over field tests. ``equals`` is ``=``, ``exists`` is
  ``exists``, and ``in`` is one ``=`` per choice (so it fits alone or inside ``any``). FHIR cannot
  say ``not``, nor ``all`` and ``any`` inside each other (``in`` of several choices inside ``all``
  is such a nesting). Such a rule is kept whole instead, as its JSON (the form of
  ``content/README.md``) in the extension ``SHOWN_WHEN`` (``valueString``), with no
  ``enableWhen``: a form filler that does not know the extension shows that question always.

The QuestionnaireResponse (``answers_response``) holds the answers that fit the intake (as
``derive`` reads them): one item per answered field, with ``valueCoding``, ``valueBoolean``,
``valueDate`` or ``valueString``. Its ``questionnaire`` is ``QUESTIONNAIRE_URL|version``, the
version naming the intake's fields and rules (not its words, so the English and Spanish
questionnaires share it). It is ``completed`` when every required question shown is answered, else
``in-progress``. A workbook keeps answers to questions that are hidden now; they are exported too,
marked with the extension ``NOT_IN_EFFECT`` (``valueBoolean: true``), because they do not count.
``answers_from_response`` reads a response back into the saved (JSON) form of the answers that
``Situation.from_answers`` takes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from secondopinion.content import Content, Field, Intake
from secondopinion.content.rules import AllOf, AnyOf, FieldTest, Not, Rule
from secondopinion.language import translator
from secondopinion.planning.situation import Situation
from secondopinion.store import Workbook

QUESTIONNAIRE_URL = "urn:secondopinion:questionnaire:intake"
"""The canonical URL of the intake Questionnaire."""
SHOWN_WHEN = "urn:secondopinion:extension:shown-when"
"""The extension that keeps a ``shown_when`` rule FHIR's ``enableWhen`` cannot say, as JSON."""
NOT_IN_EFFECT = "urn:secondopinion:extension:not-in-effect"
"""The extension that marks an answer to a question hidden by the other answers."""
CHOICE_SYSTEM = "urn:secondopinion:intake:{field}"
"""The coding system of one choice field's choices."""

_ITEM_TYPES = {
    "one_choice": "choice",
    "several_choices": "choice",
    "yes_no": "boolean",
    "date": "date",
    "free_text": "text",
}
_VALUE_KEYS = {"choice": "valueCoding", "boolean": "valueBoolean", "date": "valueDate"}


class FhirAnswersError(ValueError):
    """A QuestionnaireResponse that is not answers to this intake."""


def intake_questionnaire(intake: Intake) -> Questionnaire:
    """The intake as a FHIR R4 Questionnaire, in the intake's language."""
    items = []
    for field in intake.fields:
        item: dict[str, Any] = {
            "linkId": field.id,
            "text": field.label,
            "type": _ITEM_TYPES[field.kind],
        }
        if field.required:
            item["required"] = True
        if field.kind == "several_choices":
            item["repeats"] = True
        if field.choices:
            item["answerOption"] = [
                {"valueCoding": _coding(field, choice.id)} for choice in field.choices
            ]
        if field.shown_when is not None:
            item.update(_enable_when(field.shown_when, intake))
        items.append(item)
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "url": QUESTIONNAIRE_URL,
            "version": intake_version(intake),
            "name": "SecondOpinionIntake",
            "title": translator(intake.language).gettext("Your situation"),
            "status": "active",
            "language": intake.language,
            "subjectType": ["Patient"],
            "item": items,
        }
    )


def intake_version(intake: Intake) -> str:
    """A short name of the intake's fields, choices and rules (the same in every language)."""
    shape = [
        [f.id, f.kind, list(f.choice_ids), f.required, _rule_data(f.shown_when)]
        for f in intake.fields
    ]
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:12]


def answers_response(
    answers: Mapping[str, object], intake: Intake, *, authored: dt.datetime | None = None
) -> QuestionnaireResponse:
    """A person's answers (their saved form) as a QuestionnaireResponse to the intake.

    Answers that no longer fit the intake are left out, as ``derive`` leaves them out.
    """
    situation = Situation.from_answers(answers, intake, drop_unknown=True)
    in_effect = situation.in_effect(intake)
    items = []
    for field_id, answer in situation.answers.items():
        field = intake.field(field_id)
        item: dict[str, Any] = {
            "linkId": field_id,
            "text": field.label,
            "answer": [_answer_value(field, answer)]
            if not isinstance(answer, frozenset)
            else [_answer_value(field, c) for c in field.choice_ids if c in answer],
        }
        if field_id not in in_effect:
            item["extension"] = [{"url": NOT_IN_EFFECT, "valueBoolean": True}]
        items.append(item)
    shown = situation.shown_fields(intake)
    done = all(f.id in situation.answers for f in shown if f.required)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{QUESTIONNAIRE_URL}|{intake_version(intake)}",
        "status": "completed" if done else "in-progress",
        "language": intake.language,
        "item": items or None,
    }
    if authored is not None:
        response["authored"] = authored
    return QuestionnaireResponse.model_validate(response)


def workbook_response(workbook: Workbook, content: Content) -> QuestionnaireResponse:
    """A stored workbook's answers as a QuestionnaireResponse, authored when last answered.

    ``content`` should be in the workbook's language, so the words are the ones the person saw.
    """
    times = list(workbook.answer_times.values())
    return answers_response(
        workbook.answers, content.intake, authored=max(times) if times else None
    )


def answers_from_response(
    response: QuestionnaireResponse | str | bytes, intake: Intake
) -> dict[str, object]:
    """The answers in a QuestionnaireResponse (or its JSON), in their saved (JSON) form.

    Raises FhirAnswersError when it does not answer this intake's Questionnaire, names a
    question the intake does not have, or gives an answer of the wrong kind.
    """
    if not isinstance(response, QuestionnaireResponse):
        response = QuestionnaireResponse.model_validate_json(response)
    canonical = str(response.questionnaire or "")
    if canonical.split("|", 1)[0] != QUESTIONNAIRE_URL:
        raise FhirAnswersError(f"this answers {canonical or 'no questionnaire'!r}, not the intake")
    saved: dict[str, object] = {}
    for item in response.item or ():
        field = intake.fields_by_id.get(str(item.linkId))
        if field is None:
            raise FhirAnswersError(f"the intake has no question {item.linkId!r}")
        values = [_saved_value(field, a.model_dump(mode="json")) for a in item.answer or ()]
        if not values:
            continue
        if field.kind == "several_choices":
            saved[field.id] = values
        elif len(values) == 1:
            saved[field.id] = values[0]
        else:
            raise FhirAnswersError(f"{field.id!r} takes one answer, got {len(values)}")
    return saved


def resource_json(resource: Questionnaire | QuestionnaireResponse) -> bytes:
    """A resource as FHIR JSON (UTF-8, indented), as a file or a download holds it."""
    return resource.model_dump_json(indent=2).encode("utf-8") + b"\n"


def _coding(field: Field, choice_id: str) -> dict[str, str]:
    return {
        "system": CHOICE_SYSTEM.format(field=field.id),
        "code": choice_id,
        "display": field.choice_label(choice_id),
    }


def _answer_value(field: Field, answer: object) -> dict[str, Any]:
    if field.choices:
        return {"valueCoding": _coding(field, str(answer))}
    if field.kind == "yes_no":
        return {"valueBoolean": answer}
    if field.kind == "date":
        assert isinstance(answer, dt.date)
        return {"valueDate": answer.isoformat()}
    return {"valueString": answer}


def _saved_value(field: Field, answer: Mapping[str, Any]) -> object:
    kind = _ITEM_TYPES[field.kind]
    key = _VALUE_KEYS.get(kind, "valueString")
    given = {k for k, v in answer.items() if k.startswith("value") and v is not None}
    if given != {key}:
        raise FhirAnswersError(f"{field.id!r} takes {key}, got {', '.join(sorted(given))}")
    value = answer[key]
    if kind != "choice":
        return value
    if value.get("system") != CHOICE_SYSTEM.format(field=field.id):
        raise FhirAnswersError(f"{field.id!r}: a coding from {value.get('system')!r}")
    return value.get("code")


def _enable_when(rule: Rule, intake: Intake) -> dict[str, Any]:
    """``enableWhen`` and ``enableBehavior`` for a rule, or the rule kept in an extension."""
    said = _as_fhir_can_say(rule)
    if said is None:
        return {"extension": [{"url": SHOWN_WHEN, "valueString": json.dumps(_rule_data(rule))}]}
    behavior, tests = said
    conditions = [c for test in tests for c in _conditions(test, intake)]
    found: dict[str, Any] = {"enableWhen": conditions}
    if len(conditions) > 1:
        found["enableBehavior"] = behavior
    return found


def _as_fhir_can_say(rule: Rule) -> tuple[str, list[FieldTest]] | None:
    """The behavior and the field tests of a rule ``enableWhen`` can say, else None."""
    if isinstance(rule, FieldTest):
        return "any", [rule]  # "in" is one "=" per choice, any of them
    if not isinstance(rule, AllOf | AnyOf):
        return None
    tests = [part for part in rule.rules if isinstance(part, FieldTest)]
    if len(tests) < len(rule.rules):
        return None
    if isinstance(rule, AnyOf) or len(tests) == 1:
        return "any", tests
    several = any(isinstance(t.value, tuple) and len(t.value) > 1 for t in tests)
    return None if several else ("all", tests)


def _conditions(test: FieldTest, intake: Intake) -> list[dict[str, Any]]:
    if test.operator == "exists":
        return [{"question": test.field, "operator": "exists", "answerBoolean": test.value}]
    if isinstance(test.value, bool):
        return [{"question": test.field, "operator": "=", "answerBoolean": test.value}]
    field = intake.field(test.field)
    wanted = test.value if isinstance(test.value, tuple) else (test.value,)
    return [
        {"question": test.field, "operator": "=", "answerCoding": _coding(field, choice)}
        for choice in wanted
    ]


def _rule_data(rule: Rule | None) -> object:
    """A rule in its YAML/JSON form (``content/README.md``), as ``parse_rule`` reads it."""
    if rule is None:
        return None
    if isinstance(rule, FieldTest):
        value = list(rule.value) if isinstance(rule.value, tuple) else rule.value
        return {"field": rule.field, rule.operator: value}
    if isinstance(rule, Not):
        return {"not": _rule_data(rule.rule)}
    return {"all" if isinstance(rule, AllOf) else "any": [_rule_data(p) for p in rule.rules]}
