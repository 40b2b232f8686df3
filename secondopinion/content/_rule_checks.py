"""Rules checked against the intake when content loads, and the answers that made one true."""

from __future__ import annotations

import itertools

from secondopinion.content._models import Field, Intake
from secondopinion.content.rules import (
    FieldTest,
    Rule,
    _describe,
    evaluate,
    field_tests,
)

_MAX_COMBINATIONS = 200_000


def check_rule(rule: Rule, intake: Intake, *, allowed: frozenset[str] | None = None) -> list[str]:
    """List what is wrong with a rule's fields and values (empty when it is sound).

    ``allowed`` limits which fields the rule may name (used for ``shown_when``).
    """
    problems: list[str] = []
    for test in field_tests(rule):
        field = intake.fields_by_id.get(test.field)
        if field is None:
            problems.append(f"rule names unknown field '{test.field}'")
            continue
        if allowed is not None and test.field not in allowed:
            problems.append(f"rule names field '{test.field}', which does not come before it")
        problems.extend(_check_test(test, field))
    return problems


def _check_test(test: FieldTest, field: Field) -> list[str]:
    kind = field.kind
    if test.operator == "exists":
        return []
    if kind in ("date", "free_text"):
        return [f"field '{field.id}' is {kind}: its rules can only use 'exists'"]
    if kind == "yes_no":
        if test.operator == "in":
            return [f"field '{field.id}' is yes/no: use 'equals: true' or 'equals: false'"]
        if not isinstance(test.value, bool):
            return [
                f"field '{field.id}' is yes/no and takes true or false, got {_describe(test.value)}"
            ]
        return []
    values = test.value if isinstance(test.value, tuple) else (test.value,)
    problems = []
    for value in values:
        if isinstance(value, bool):
            problems.append(
                f"field '{field.id}' takes a choice id, got {_describe(value)} "
                "(YAML reads unquoted yes/no/on/off as true/false: put the choice id in quotes)"
            )
        elif value not in field.choice_ids:
            problems.append(
                f"'{value}' is not a choice of field '{field.id}' "
                f"(its choices: {', '.join(field.choice_ids)})"
            )
    return problems


def can_be_true(rule: Rule, intake: Intake) -> bool:
    """Whether some answers make the rule true (checked over every answer that matters to it)."""
    domains: dict[str, list[object]] = {}
    for test in field_tests(rule):
        domains.setdefault(test.field, [])
    mentioned: dict[str, set[str]] = {name: set() for name in domains}
    for test in field_tests(rule):
        if isinstance(test.value, tuple):
            mentioned[test.field].update(test.value)
        elif isinstance(test.value, str):
            mentioned[test.field].add(test.value)
    size = 1
    for name in domains:
        domains[name] = _domain(intake.fields_by_id[name], mentioned[name])
        size *= len(domains[name])
    if size > _MAX_COMBINATIONS:
        return True
    names = list(domains)
    for values in itertools.product(*(domains[name] for name in names)):
        answers = {n: v for n, v in zip(names, values, strict=True) if v is not None}
        if evaluate(rule, answers):
            return True
    return False


def _domain(field: Field, mentioned: set[str]) -> list[object]:
    if field.kind == "yes_no":
        return [None, True, False]
    if field.kind in ("date", "free_text"):
        return [None, "answered"]
    relevant = [c for c in field.choice_ids if c in mentioned]
    others = [c for c in field.choice_ids if c not in mentioned][:1]
    candidates = relevant + others
    if field.kind == "one_choice":
        return [None, *candidates]
    subsets: list[object] = [None]
    for size in range(1, len(candidates) + 1):
        subsets.extend(frozenset(combo) for combo in itertools.combinations(candidates, size))
    return subsets
