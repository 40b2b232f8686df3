"""What every content file's reading shares: collecting problems, reading models, checking ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from secondopinion.content import rules
from secondopinion.content._base import Problem
from secondopinion.content._models import Intake
from secondopinion.content._rule_checks import can_be_true
from secondopinion.content._rule_checks import check_rule as check_rule_fields

M = TypeVar("M", bound=BaseModel)


class Collector:
    """Every problem found so far, and the ids of entries that failed to load."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # Ids of entries that failed to load, so that they are not reported again as unknown.
        self.broken: set[str] = set()

    def add(self, file: str, item: str | None, message: str) -> None:
        self.problems.append(Problem(file, item, message))


def read_models(
    data: dict[str, object], key: str, model: type[M], file: str, found: Collector
) -> list[M]:
    entries = data.get(key)
    if not isinstance(entries, list):
        return []
    valid = []
    for position, entry in enumerate(entries, start=1):
        name = _entry_name(entry, key, position)
        try:
            valid.append(model.model_validate(entry))
        except ValidationError as error:
            found.broken.add(name)
            for detail in error.errors():
                found.add(file, name, _explain(detail))
    return valid


def _entry_name(entry: object, key: str, position: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return str(entry["id"])
    return f"{key} entry {position} (no id)"


def _explain(detail: object) -> str:
    assert isinstance(detail, dict)
    location = ".".join(str(part) for part in detail["loc"])
    kind = detail["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{location}'"
    if kind == "missing":
        return f"missing key '{location}'"
    message = str(detail["msg"]).removeprefix("Value error, ")
    return f"'{location}': {message}" if location else message


def check_unique(file: str, ids: Iterable[str], found: Collector) -> None:
    for item_id, count in Counter(ids).items():
        if count > 1:
            found.add(file, item_id, f"id is used {count} times")


def check_rule(
    file: str,
    item_id: str,
    rule: rules.Rule,
    intake: Intake,
    allowed: frozenset[str] | None,
    found: Collector,
) -> None:
    if any(test.field in found.broken for test in rules.field_tests(rule)):
        return
    problems = check_rule_fields(rule, intake, allowed=allowed)
    for message in problems:
        found.add(file, item_id, message)
    if not problems and not can_be_true(rule, intake):
        found.add(file, item_id, "rule can never be true, so this would never be shown")
