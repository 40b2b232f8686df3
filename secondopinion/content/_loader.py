"""Reads the content YAML files and checks them, collecting every problem before giving up."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from secondopinion.content._areas import lift_areas, name_area_files
from secondopinion.content._base import ContentError, Option, Source
from secondopinion.content._checks import Collector, check_rule, check_unique, read_models
from secondopinion.content._models import Content, Field, Intake, NextStep, Question, Record
from secondopinion.content._premise_checks import check_premises, check_timeline_premises
from secondopinion.content._premises import PREMISES_FILE, Premise, Premises
from secondopinion.content._situation_models import Axis
from secondopinion.content._timeline_loader import load_parts
from secondopinion.content._timeline_models import (
    COMPARE_FILE,
    COMPARE_KEYS,
    TIMELINE_FILE,
    TIMELINE_KEYS,
)
from secondopinion.content._translations import TRANSLATIONS_DIR, translate
from secondopinion.content.situation_map import SITUATIONS_FILE, check_axes
from secondopinion.content.vocabulary import (
    COMPARISON_OPINIONS,
    DECISION_DATE_FIELD,
    DEFAULT_LANGUAGE,
    FILLED_BY_FIELD,
    ONCE_ONE_CHOICE,
    PARENT_GUARDIAN,
    PATIENT,
    RELATION_FIELD,
)

_FILES: dict[str, tuple[str, ...]] = {
    "intake.yaml": ("fields",),
    "sources.yaml": ("sources",),
    "questions.yaml": ("audiences", "topics", "questions"),
    "records.yaml": ("categories", "records"),
    "next_steps.yaml": ("categories", "steps"),
    PREMISES_FILE: ("premises",),
    SITUATIONS_FILE: ("axes",),
    TIMELINE_FILE: TIMELINE_KEYS,
    COMPARE_FILE: COMPARE_KEYS,
}

_OPTIONAL_FILES = frozenset({PREMISES_FILE, SITUATIONS_FILE})
"""Files a content folder may lack: without ``premises.yaml`` nothing is taken for granted, and
an item that names a premise is an error; without ``situations.yaml`` there is no map to check."""

# libyaml's safe loader when it is there: the same rules as yaml.safe_load, ten times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(directory: Path, language: str = DEFAULT_LANGUAGE) -> Content:
    """Read every file in ``directory``; raise ``ContentError`` listing every problem.

    For another language than English, the English files are read, then the words of
    ``directory/translations/<language>/`` are laid over them (``_translations``): the same ids,
    rules, sources and priorities, only the words differ. The area files (``areas/*.yaml``) join
    the main files' lists (``_areas``), and their problems name the area file.
    """
    found = Collector()
    raw = {name: _read(directory, name, keys, found) for name, keys in _FILES.items()}
    origins = lift_areas(directory, raw, found)
    try:
        if language != DEFAULT_LANGUAGE:
            if found.problems:  # the English must load before anything is laid over it
                raise ContentError(found.problems)
            raw = translate(raw, directory / TRANSLATIONS_DIR / language, language, found)
            if found.problems:
                raise ContentError(found.problems)
        return _build(raw, found, language)
    except ContentError as error:
        where = f"{TRANSLATIONS_DIR}/{language}"
        raise ContentError(name_area_files(list(error.problems), origins, where)) from None


def read_english(directory: Path) -> dict[str, dict[str, object]]:
    """The English files as parsed YAML (for the translation checks); ContentError if broken."""
    found = Collector()
    raw = {name: _read(directory, name, keys, found) for name, keys in _FILES.items()}
    lift_areas(directory, raw, found)
    if found.problems:
        raise ContentError(found.problems)
    return raw


def _build(raw: dict[str, dict[str, object]], found: Collector, language: str) -> Content:

    fields = read_models(raw["intake.yaml"], "fields", Field, "intake.yaml", found)
    intake = Intake(tuple(fields), language=language)
    sources = read_models(raw["sources.yaml"], "sources", Source, "sources.yaml", found)
    audiences = read_models(raw["questions.yaml"], "audiences", Option, "questions.yaml", found)
    topics = read_models(raw["questions.yaml"], "topics", Option, "questions.yaml", found)
    questions = read_models(raw["questions.yaml"], "questions", Question, "questions.yaml", found)
    record_categories = read_models(
        raw["records.yaml"], "categories", Option, "records.yaml", found
    )
    records = read_models(raw["records.yaml"], "records", Record, "records.yaml", found)
    step_categories = read_models(
        raw["next_steps.yaml"], "categories", Option, "next_steps.yaml", found
    )
    steps = read_models(raw["next_steps.yaml"], "steps", NextStep, "next_steps.yaml", found)

    check_unique("intake.yaml", [f.id for f in fields], found)
    check_unique("sources.yaml", [s.id for s in sources], found)
    for file, options in (
        ("questions.yaml", [*audiences, *topics]),
        ("records.yaml", record_categories),
        ("next_steps.yaml", step_categories),
    ):
        check_unique(file, [o.id for o in options], found)
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
                check_rule(file, item.id, item.when, intake, None, found)
    _check_groups(questions, "audience", audiences, "questions.yaml", found)
    _check_groups(questions, "topic", topics, "questions.yaml", found)
    _check_groups(records, "category", record_categories, "records.yaml", found)
    _check_groups(steps, "category", step_categories, "next_steps.yaml", found)

    timeline, compare = load_parts(
        raw[TIMELINE_FILE], raw[COMPARE_FILE], intake, sources, records, found
    )
    premise_list = read_models(raw[PREMISES_FILE], "premises", Premise, PREMISES_FILE, found)
    premises = Premises.of(premise_list)
    check_premises(
        premises,
        intake,
        sources,
        [*questions, *records, *steps],
        found,
        english=language == DEFAULT_LANGUAGE,
    )
    check_timeline_premises(
        premises, sources, timeline, found, english=language == DEFAULT_LANGUAGE
    )

    axes = read_models(raw[SITUATIONS_FILE], "axes", Axis, SITUATIONS_FILE, found)
    check_axes(axes, intake, (questions, records, steps), found)

    _check_vocabulary(intake, compare.opinions, found)
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
        premises=premises,
        situation_map=tuple(axes),
        language=language,
        _items={item.id: item for item in all_items},
    )


def _read(directory: Path, name: str, keys: tuple[str, ...], found: Collector) -> dict[str, object]:
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if name not in _OPTIONAL_FILES:
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


def _check_unique_items(
    files: Sequence[tuple[str, Sequence[Question | Record | NextStep]]], found: Collector
) -> None:
    seen: dict[str, str] = {}
    for file, items in files:
        for item in items:
            if item.id in seen:
                found.add(file, item.id, f"id is already used in {seen[item.id]}")
            else:
                seen[item.id] = file


def _check_fields(intake: Intake, found: Collector) -> None:
    earlier: set[str] = set()
    for field in intake.fields:
        if field.shown_when is not None:
            check_rule("intake.yaml", field.id, field.shown_when, intake, frozenset(earlier), found)
        earlier.add(field.id)


def _check_groups(
    items: Sequence[Question | Record | NextStep],
    key: str,
    options: Sequence[Option],
    file: str,
    found: Collector,
) -> None:
    known = {option.id for option in options}
    for item in items:
        value = getattr(item, key)
        if value not in known | found.broken:
            found.add(file, item.id, f"unknown {key} '{value}' (known: {', '.join(sorted(known))})")


def _check_vocabulary(intake: Intake, opinions: Sequence[Option], found: Collector) -> None:
    decision = intake.fields_by_id.get(DECISION_DATE_FIELD)
    if decision is None and DECISION_DATE_FIELD not in found.broken:
        found.add("intake.yaml", None, f"the code needs a date field '{DECISION_DATE_FIELD}'")
    elif decision is not None and decision.kind != "date":
        found.add("intake.yaml", DECISION_DATE_FIELD, "must be a date field: the code relies on it")
    filled_by = intake.fields_by_id.get(FILLED_BY_FIELD)
    if filled_by is None and FILLED_BY_FIELD not in found.broken:
        found.add("intake.yaml", None, f"the code needs a one_choice field '{FILLED_BY_FIELD}'")
    elif filled_by is not None:
        for choice in (PATIENT, PARENT_GUARDIAN):
            if choice not in filled_by.choice_ids:
                found.add("intake.yaml", FILLED_BY_FIELD, f"the code needs the choice '{choice}'")
    for each in intake.fields:
        naming = [c.id for c in each.choices if c.told_as is not None]
        if each.id == RELATION_FIELD and each.kind != "one_choice":
            found.add("intake.yaml", each.id, "must be a one_choice field: the code relies on it")
        elif each.id != RELATION_FIELD and naming:
            found.add(
                "intake.yaml",
                each.id,
                f"choice '{naming[0]}' names the patient (told_as), which only the choices of "
                f"'{RELATION_FIELD}' may do",
            )
    for field_id in ONCE_ONE_CHOICE:
        field = intake.fields_by_id.get(field_id)
        if field is not None and field.kind != "several_choices":
            found.add("intake.yaml", field_id, "the code reads it as a several_choices field")
    named = tuple(o.id for o in opinions)
    if named and named != COMPARISON_OPINIONS:
        found.add(
            "compare.yaml",
            None,
            f"'opinions' must be {', '.join(COMPARISON_OPINIONS)} in that order "
            f"(the store keeps them), not {', '.join(named)}",
        )
