"""The situation map: the axes along which advice changes, and how much content serves each value.

``content/situations.yaml`` names the axes (what was found, the kind of illness, how soon, the
stage of care, who decides, life stage, the payer, access, the kind of opinion wanted) and their
values. Each value has a rule over the intake fields that puts a person there, and may name a
``knows_less`` next step: the honest line, shown at the top of the plan, that the workbook knows
less about this and where specialist help is.

A question, record or next step *serves* a value when its own rule asks for it: some test in the
item's ``when`` that is not under a ``not`` names a field of the value's rule with a choice in
common; for a value marked ``general``, so does every item with no ``when``. Every value must
be served by at least one item or have its ``knows_less`` line; that is checked with the rest of
the content, and ``coverage`` counts the items for the table that ``check-content`` prints.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from secondopinion.content._checks import Collector, check_rule
from secondopinion.content._models import Intake, NextStep, Question, Record
from secondopinion.content._situation_models import Axis, MapValue
from secondopinion.content.rules import AllOf, AnyOf, FieldTest, Not, Rule, evaluate

SITUATIONS_FILE: Final = "situations.yaml"

COVERAGE_HEADER: Final = """# How much of the situation map the content serves

Made by `python -m secondopinion check-content --coverage content/COVERAGE.md` from
`situations.yaml` and the content; a test fails when it is out of date. Each row is one value of
the map, with the number of questions, records and next steps whose own rule asks for it (for a
value marked `general`, items with no rule count too). "knows less" names the honest line shown
where the content is thin. A low count is a thin part of the map.

"""
"""The opening of ``content/COVERAGE.md``, above the table."""

Items = tuple[Sequence[Question], Sequence[Record], Sequence[NextStep]]
"""The questions, records and next steps that may serve a value, in that order."""


@dataclass(frozen=True)
class Coverage:
    """How many questions, records and next steps serve one value of the map."""

    axis: str
    value: str
    questions: int
    records: int
    next_steps: int
    knows_less: str | None

    @property
    def served(self) -> bool:
        """Whether any item serves the value."""
        return self.questions + self.records + self.next_steps > 0


def check_axes(axes: Sequence[Axis], intake: Intake, items: Items, found: Collector) -> None:
    """Report each value whose rule is unsound, that nothing serves, or whose line is wrong."""
    steps = {step.id: step for step in items[2]}
    seen: set[str] = set()
    for axis in axes:
        if axis.id in seen:
            found.add(SITUATIONS_FILE, axis.id, "axis id is used twice")
        seen.add(axis.id)
        for value in axis.values:
            where = f"{axis.id}.{value.id}"
            check_rule(SITUATIONS_FILE, where, value.rule, intake, None, found)
            served = _count(value, items)
            if value.knows_less is None:
                if not any(served):
                    found.add(
                        SITUATIONS_FILE,
                        where,
                        "no question, record or next step serves this value, and it has no "
                        "'knows_less' line saying the workbook knows less and where help is",
                    )
                continue
            step = steps.get(value.knows_less)
            if step is None:
                found.add(
                    SITUATIONS_FILE, where, f"knows_less names unknown step '{value.knows_less}'"
                )
            elif step.when is None or not _serves(step.when, value.rule):
                found.add(
                    SITUATIONS_FILE,
                    where,
                    f"its knows_less step '{step.id}' is not shown for this value (its rule "
                    "must ask for it)",
                )


def coverage(axes: Sequence[Axis], items: Items) -> list[Coverage]:
    """For every value of the map, how many questions, records and next steps serve it."""
    return [
        Coverage(axis.id, value.id, *_count(value, items), value.knows_less)
        for axis in axes
        for value in axis.values
    ]


def coverage_table(rows: Sequence[Coverage]) -> str:
    """The coverage as a Markdown table (values × questions, records, next steps)."""
    lines = [
        "| axis | value | questions | records | next steps | knows less |",
        "|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        line = row.knows_less or ("" if row.served else "**none**")
        lines.append(
            f"| {row.axis} | {row.value} | {row.questions} | {row.records} | "
            f"{row.next_steps} | {line} |"
        )
    return "\n".join(lines)


def where_on_the_map(axes: Sequence[Axis], answers: dict[str, object]) -> dict[str, list[str]]:
    """The values of each axis whose rule holds for these answers (in-effect answers)."""
    return {
        axis.id: [value.id for value in axis.values if evaluate(value.rule, answers)]
        for axis in axes
    }


def _count(value: MapValue, items: Items) -> tuple[int, int, int]:
    counts = [sum(1 for item in kind if _serves_value(item.when, value)) for kind in items]
    return counts[0], counts[1], counts[2]


def _serves_value(item_rule: Rule | None, value: MapValue) -> bool:
    if item_rule is None:
        return value.general
    return _serves(item_rule, value.rule)


def _serves(item_rule: Rule, value_rule: Rule) -> bool:
    wanted = list(_asked_for(value_rule))
    return any(_overlap(test, other) for test in _asked_for(item_rule) for other in wanted)


def _asked_for(rule: Rule, positive: bool = True) -> Iterator[FieldTest]:
    """The field tests a rule asks to be true (not those under an odd number of ``not``)."""
    if isinstance(rule, FieldTest):
        if positive:
            yield rule
    elif isinstance(rule, Not):
        yield from _asked_for(rule.rule, not positive)
    elif isinstance(rule, AllOf | AnyOf):
        for part in rule.rules:
            yield from _asked_for(part, positive)


def _overlap(test: FieldTest, other: FieldTest) -> bool:
    if test.field != other.field:
        return False
    asks_any_answer = [t for t in (test, other) if t.operator == "exists"]
    if asks_any_answer:  # "answered" overlaps any answer, but never "not answered"
        return all(t.value is True for t in asks_any_answer)
    return bool(set(_choices(test)) & set(_choices(other)))


def _choices(test: FieldTest) -> tuple[str | bool, ...]:
    return test.value if isinstance(test.value, tuple) else (test.value,)
