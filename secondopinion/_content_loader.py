"""Reads the content YAML files and checks them, collecting every problem before giving up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from secondopinion import _rules, _timeline_content
from secondopinion.content import (
    Content,
    ContentError,
    Field,
    Intake,
    NextStep,
    Option,
    Problem,
    Question,
    Record,
    Source,
)

_FILES: dict[str, tuple[str, ...]] = {
    "intake.yaml": ("fields",),
    "sources.yaml": ("sources",),
    "questions.yaml": ("audiences", "topics", "questions"),
    "records.yaml": ("categories", "records"),
    "next_steps.yaml": ("categories", "steps"),
    "timeline.yaml": ("statuses", "messages", "steps", "record_steps", "undated_steps"),
    "compare.yaml": ("opinions", "aspects"),
}

M = TypeVar("M", bound=BaseModel)
# libyaml's safe loader when it is there: the same rules as yaml.safe_load, ten times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # Ids of entries that failed to load, so that they are not reported again as unknown.
        self.broken: set[str] = set()

    def add(self, file: str, item: str | None, message: str) -> None:
        self.problems.append(Problem(file, item, message))


def load(directory: Path) -> Content:
    found = _Collector()
    raw = {name: _read(directory, name, keys, found) for name, keys in _FILES.items()}

    fields = _models(raw["intake.yaml"], "fields", Field, "intake.yaml", found)
    intake = Intake(tuple(fields))
    sources = _models(raw["sources.yaml"], "sources", Source, "sources.yaml", found)
    audiences = _models(raw["questions.yaml"], "audiences", Option, "questions.yaml", found)
    topics = _models(raw["questions.yaml"], "topics", Option, "questions.yaml", found)
    questions = _models(raw["questions.yaml"], "questions", Question, "questions.yaml", found)
    record_categories = _models(raw["records.yaml"], "categories", Option, "records.yaml", found)
    records = _models(raw["records.yaml"], "records", Record, "records.yaml", found)
    step_categories = _models(
        raw["next_steps.yaml"], "categories", Option, "next_steps.yaml", found
    )
    steps = _models(raw["next_steps.yaml"], "steps", NextStep, "next_steps.yaml", found)

    _check_unique("intake.yaml", [f.id for f in fields], found)
    _check_unique("sources.yaml", [s.id for s in sources], found)
    for file, options in (
        ("questions.yaml", [*audiences, *topics]),
        ("records.yaml", record_categories),
        ("next_steps.yaml", step_categories),
    ):
        _check_unique(file, [o.id for o in options], found)
    _check_unique_items(
        [("questions.yaml", questions), ("records.yaml", records), ("next_steps.yaml", steps)],
        found,
    )

    _check_fields(intake, found)
    source_ids = {s.id for s in sources} | found.broken
    item_files: list[tuple[str, Sequence[Question | Record | NextStep]]] = [
        ("questions.yaml", questions),
        ("records.yaml", records),
        ("next_steps.yaml", steps),
    ]
    for file, items in item_files:
        for item in items:
            for source in item.sources:
                if source not in source_ids:
                    found.add(file, item.id, f"cites unknown source '{source}'")
            if item.when is not None:
                _check_rule(file, item.id, item.when, intake, None, found)
    _check_groups(questions, "audience", audiences, "questions.yaml", found)
    _check_groups(questions, "topic", topics, "questions.yaml", found)
    _check_groups(records, "category", record_categories, "records.yaml", found)
    _check_groups(steps, "category", step_categories, "next_steps.yaml", found)

    timeline, compare = _timeline_content.load_parts(
        raw["timeline.yaml"], raw["compare.yaml"], intake, sources, records, found
    )

    if found.problems:
        raise ContentError(found.problems)
    all_items: list[Question | Record | NextStep] = [*questions, *records, *steps]
    return Content(
        intake=intake,
        sources={s.id: s for s in sources},
        audiences=tuple(audiences),
        topics=tuple(topics),
        questions=tuple(questions),
        record_categories=tuple(record_categories),
        records=tuple(records),
        step_categories=tuple(step_categories),
        next_steps=tuple(steps),
        timeline=timeline,
        compare=compare,
        _items={item.id: item for item in all_items},
    )


def _read(
    directory: Path, name: str, keys: tuple[str, ...], found: _Collector
) -> dict[str, object]:
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        found.add(name, None, f"file is missing (looked in {directory})")
        return {}
    except (OSError, UnicodeDecodeError) as error:
        found.add(name, None, f"cannot be read: {error}")
        return {}
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        found.add(name, None, f"is not valid YAML{where}: {problem}")
        return {}
    if not isinstance(data, dict):
        found.add(name, None, f"must be a mapping with the keys {', '.join(keys)}")
        return {}
    for key in sorted(set(data) - set(keys), key=str):
        found.add(name, None, f"unknown top-level key '{key}' (expected {', '.join(keys)})")
    for key in keys:
        if key not in data:
            found.add(name, None, f"missing top-level key '{key}'")
        elif not isinstance(data[key], list):
            found.add(name, None, f"'{key}' must be a list")
    return data


def _models(
    data: dict[str, object], key: str, model: type[M], file: str, found: _Collector
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


def _check_unique(file: str, ids: Iterable[str], found: _Collector) -> None:
    for item_id, count in Counter(ids).items():
        if count > 1:
            found.add(file, item_id, f"id is used {count} times")


def _check_unique_items(
    files: Sequence[tuple[str, Sequence[Question | Record | NextStep]]], found: _Collector
) -> None:
    seen: dict[str, str] = {}
    for file, items in files:
        for item in items:
            if item.id in seen:
                found.add(file, item.id, f"id is already used in {seen[item.id]}")
            else:
                seen[item.id] = file


def _check_fields(intake: Intake, found: _Collector) -> None:
    earlier: set[str] = set()
    for field in intake.fields:
        if field.shown_when is not None:
            _check_rule(
                "intake.yaml", field.id, field.shown_when, intake, frozenset(earlier), found
            )
        earlier.add(field.id)


def _check_rule(
    file: str,
    item_id: str,
    rule: _rules.Rule,
    intake: Intake,
    allowed: frozenset[str] | None,
    found: _Collector,
) -> None:
    if any(test.field in found.broken for test in _rules.field_tests(rule)):
        return
    problems = _rules.check_rule(rule, intake, allowed=allowed)
    for message in problems:
        found.add(file, item_id, message)
    if not problems and not _rules.can_be_true(rule, intake):
        found.add(file, item_id, "rule can never be true, so this would never be shown")


def _check_groups(
    items: Sequence[Question | Record | NextStep],
    key: str,
    options: Sequence[Option],
    file: str,
    found: _Collector,
) -> None:
    known = {option.id for option in options}
    for item in items:
        value = getattr(item, key)
        if value not in known | found.broken:
            found.add(file, item.id, f"unknown {key} '{value}' (known: {', '.join(sorted(known))})")
