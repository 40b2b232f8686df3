"""Rules as data: parse them and evaluate them against a person's answers.

A rule is a nested ``all`` / ``any`` / ``not`` over tests of one intake field each. Tests use a
closed set of operators (``equals``, ``in``, ``exists``) and never convert types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

Operator = Literal["equals", "in", "exists"]
OPERATORS: tuple[Operator, ...] = ("equals", "in", "exists")
_COMBINATORS = ("all", "any", "not")
# Past this many combinations the "can never be true" check is skipped rather than made slow.


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


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    return f"{type(value).__name__} {value!r}"
