"""An evaluator of content rules written from ``content/README.md`` alone, for the tests.

The engine is checked against it, not against itself: ``answers_that_count`` drops unanswered and
hidden fields as the README says, and ``holds`` reads a parsed rule as the README says.
"""

from __future__ import annotations

from collections.abc import Mapping

from secondopinion.content import Intake
from secondopinion.content.rules import AllOf, AnyOf, Not, Rule


def answers_that_count(saved: Mapping[str, object], intake: Intake) -> dict[str, object]:
    """Answers as the rules see them: unanswered left out, hidden fields left out."""
    counted: dict[str, object] = {}
    for field in intake.fields:
        value = saved.get(field.id)
        if value is None or value in ("", []):
            continue
        if field.shown_when is not None and not holds(field.shown_when, counted):
            continue
        counted[field.id] = set(value) if isinstance(value, list) else value
    return counted


def holds(rule: Rule, answers: Mapping[str, object]) -> bool:
    """Whether a rule is true, by the README: all / any / not, equals / in / exists."""
    if isinstance(rule, AllOf):
        return all(holds(part, answers) for part in rule.rules)
    if isinstance(rule, AnyOf):
        return any(holds(part, answers) for part in rule.rules)
    if isinstance(rule, Not):
        return not holds(rule.rule, answers)
    answer = answers.get(rule.field)
    if rule.operator == "exists":
        return (answer is not None) is rule.value
    if answer is None:
        return False
    wanted = list(rule.value) if isinstance(rule.value, tuple) else [rule.value]
    if isinstance(answer, set):
        return any(choice in answer for choice in wanted)
    # Never converted: a yes/no answer only matches true/false, a choice only its own id.
    return any(answer == choice and type(answer) is type(choice) for choice in wanted)
