"""Rules as data: parse them, check them against the intake, evaluate and explain them.

A rule is a nested ``all`` / ``any`` / ``not`` over tests of one intake field each. Tests use a
closed set of operators (``equals``, ``in``, ``exists``) and never convert types.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from secondopinion.content import Field, Intake

Operator = Literal["equals", "in", "exists"]
OPERATORS: tuple[Operator, ...] = ("equals", "in", "exists")
_COMBINATORS = ("all", "any", "not")
# Past this many combinations the "can never be true" check is skipped rather than made slow.
_MAX_COMBINATIONS = 200_000


@dataclass(frozen=True)
class FieldTest:
    """One test of one intake field."""

    field: str
    operator: Operator
    value: str | bool | tuple[str, ...]


@dataclass(frozen=True)
class AllOf:
    """True when every rule in it is true."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    """True when at least one rule in it is true."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    """True when its rule is false."""

    rule: Rule


Rule = FieldTest | AllOf | AnyOf | Not


class RuleSyntaxError(ValueError):
    """A rule that does not have the shape of a rule."""


def parse_rule(raw: object) -> Rule:
    """Turn the YAML form of a rule into a rule, or raise RuleSyntaxError saying what is wrong."""
    if not isinstance(raw, Mapping):
        raise RuleSyntaxError(f"a rule must be a mapping, got {_describe(raw)}")
    keys = set(raw)
    combinators = keys & set(_COMBINATORS)
    if combinators:
        if len(keys) != 1:
            raise RuleSyntaxError(
                f"'{sorted(combinators)[0]}' must stand alone in its rule, "
                f"found keys {sorted(keys)}"
            )
        (key,) = keys
        body = raw[key]
        if key == "not":
            return Not(parse_rule(body))
        if not isinstance(body, list) or not body:
            raise RuleSyntaxError(f"'{key}' takes a non-empty list of rules")
        rules = tuple(parse_rule(part) for part in body)
        return AllOf(rules) if key == "all" else AnyOf(rules)
    if "field" not in keys:
        raise RuleSyntaxError(
            f"unknown rule keys {sorted(keys)}: use all, any, not, or field with one of "
            + ", ".join(OPERATORS)
        )
    operators = keys - {"field"}
    unknown = operators - set(OPERATORS)
    if unknown:
        raise RuleSyntaxError(
            f"unknown operator {sorted(unknown)[0]!r}: use one of {', '.join(OPERATORS)}"
        )
    if len(operators) != 1:
        raise RuleSyntaxError(f"a field test takes exactly one of {', '.join(OPERATORS)}")
    field = raw["field"]
    if not isinstance(field, str):
        raise RuleSyntaxError(f"'field' must be a field id, got {_describe(field)}")
    (operator,) = operators
    value = raw[operator]
    if operator == "exists":
        if not isinstance(value, bool):
            raise RuleSyntaxError(f"'exists' takes true or false, got {_describe(value)}")
        return FieldTest(field, "exists", value)
    if operator == "in":
        if not isinstance(value, list) or not value:
            raise RuleSyntaxError("'in' takes a non-empty list of choice ids")
        for choice in value:
            if not isinstance(choice, str):
                raise RuleSyntaxError(f"'in' lists choice ids, got {_describe(choice)}")
        return FieldTest(field, "in", tuple(value))
    if not isinstance(value, str | bool):
        raise RuleSyntaxError(f"'equals' takes a choice id or true/false, got {_describe(value)}")
    return FieldTest(field, "equals", value)


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


def field_tests(rule: Rule) -> Iterator[FieldTest]:
    """Every field test inside a rule, in order."""
    if isinstance(rule, FieldTest):
        yield rule
    elif isinstance(rule, Not):
        yield from field_tests(rule.rule)
    else:
        for part in rule.rules:
            yield from field_tests(part)


Answers = Mapping[str, object]


def evaluate(rule: Rule, answers: Answers) -> bool:
    """Whether the rule is true for these answers (missing means not answered)."""
    if isinstance(rule, FieldTest):
        return _test(rule, answers.get(rule.field))
    if isinstance(rule, Not):
        return not evaluate(rule.rule, answers)
    if isinstance(rule, AllOf):
        return all(evaluate(part, answers) for part in rule.rules)
    return any(evaluate(part, answers) for part in rule.rules)


def _test(test: FieldTest, answer: object) -> bool:
    if test.operator == "exists":
        return (answer is not None) == test.value
    if answer is None:
        return False
    wanted = test.value if isinstance(test.value, tuple) else (test.value,)
    if isinstance(answer, frozenset):
        return any(choice in answer for choice in wanted)
    return any(answer == choice and type(answer) is type(choice) for choice in wanted)


def reasons(rule: Rule, answers: Answers, intake: Intake) -> list[str]:
    """The answers that made a true rule true, in the person's words ("you had a biopsy")."""
    found: list[str] = []
    _collect_reasons(rule, answers, intake, found)
    return list(dict.fromkeys(found))


def _collect_reasons(rule: Rule, answers: Answers, intake: Intake, found: list[str]) -> None:
    if isinstance(rule, Not):
        return
    if isinstance(rule, AllOf | AnyOf):
        for part in rule.rules:
            if evaluate(part, answers):
                _collect_reasons(part, answers, intake, found)
        return
    answer = answers.get(rule.field)
    if not _test(rule, answer):
        return
    field = intake.fields_by_id[rule.field]
    if rule.operator == "exists":
        done = "answered" if rule.value else "not yet answered"
        found.append(f"you have {done} “{field.label}”")
    elif isinstance(answer, bool):
        phrase = field.you_said_true if answer else field.you_said_false
        if phrase:
            found.append(phrase)
    else:
        wanted = rule.value if isinstance(rule.value, tuple) else (rule.value,)
        chosen = answer if isinstance(answer, frozenset) else {answer}
        found.extend(c.you_said for c in field.choices if c.id in chosen and c.id in wanted)


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


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    return f"{type(value).__name__} {value!r}"
