"""Reads and checks ``timeline.yaml`` and ``compare.yaml`` as part of ``load_content``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from secondopinion.content._base import Option, Source
from secondopinion.content._checks import Collector, check_rule, check_unique, read_models
from secondopinion.content._models import Intake, Record
from secondopinion.content._timeline_models import (
    ANCHORS,
    BY_DAY,
    COMPARE_FILE,
    DAY_BY_DAY_IDS,
    DECISION,
    MESSAGE_IDS,
    NO_COUNTDOWN,
    STATUS_IDS,
    TIMELINE_FILE,
    Aspect,
    CompareContent,
    Message,
    RecordStepSpec,
    StatusLabel,
    TimelineContent,
    TimelineStepSpec,
    UndatedStep,
)


def load_parts(
    timeline_raw: dict[str, object],
    compare_raw: dict[str, object],
    intake: Intake,
    sources: Sequence[Source],
    records: Sequence[Record],
    found: Collector,
) -> tuple[TimelineContent, CompareContent]:
    """Turn the two files' parsed YAML into content, adding every problem to ``found``."""
    file = TIMELINE_FILE
    statuses = read_models(timeline_raw, "statuses", StatusLabel, file, found)
    messages = read_models(timeline_raw, "messages", Message, file, found)
    steps = read_models(timeline_raw, "steps", TimelineStepSpec, file, found)
    record_steps = read_models(timeline_raw, "record_steps", RecordStepSpec, file, found)
    undated = read_models(timeline_raw, "undated_steps", UndatedStep, file, found)

    if timeline_raw:
        _check_all_given(file, "statuses", [s.id for s in statuses], STATUS_IDS, found)
        _check_all_given(file, "messages", [m.id for m in messages], MESSAGE_IDS, found)
        given: list[str] = [m.id for m in messages]
        if any(i in given for i in DAY_BY_DAY_IDS):
            _check_all_given(file, "messages", given, DAY_BY_DAY_IDS, found)
    check_unique(file, [s.id for s in statuses], found)
    check_unique(file, [m.id for m in messages], found)
    every_step: list[TimelineStepSpec | UndatedStep] = [*steps, *record_steps, *undated]
    check_unique(file, [s.id for s in every_step], found)

    source_ids = {s.id for s in sources} | found.broken
    for step in every_step:
        for source in step.sources:
            if source not in source_ids:
                found.add(file, step.id, f"cites unknown source '{source}'")
        if step.when is not None:
            check_rule(file, step.id, step.when, intake, None, found)
    for message in messages:
        if message.when is not None:
            check_rule(file, message.id, message.when, intake, None, found)
    raw_record_steps = timeline_raw.get("record_steps")
    all_loaded = isinstance(raw_record_steps, list) and len(raw_record_steps) == len(record_steps)
    raw_steps = timeline_raw.get("steps")
    steps_loaded = isinstance(raw_steps, list) and len(raw_steps) == len(steps)
    _check_order(file, [*steps, *record_steps], steps_loaded, found)
    known_records = {r.id for r in records} | found.broken
    _check_record_steps(file, record_steps, known_records, all_loaded, found)

    opinions = read_models(compare_raw, "opinions", Option, COMPARE_FILE, found)
    aspects = read_models(compare_raw, "aspects", Aspect, COMPARE_FILE, found)
    check_unique(COMPARE_FILE, [o.id for o in opinions], found)
    check_unique(COMPARE_FILE, [a.id for a in aspects], found)

    timeline = TimelineContent(
        statuses={s.id: s.label for s in statuses},
        messages={m.id: m.text for m in messages},
        steps=tuple(steps),
        record_steps=tuple(record_steps),
        undated_steps=tuple(undated),
        no_countdown=next((m.when for m in messages if m.id == NO_COUNTDOWN), None),
        by_day=next((m.when for m in messages if m.id == BY_DAY), None),
    )
    return timeline, CompareContent(opinions=tuple(opinions), aspects=tuple(aspects))


def _check_all_given(
    file: str, key: str, ids: list[str], wanted: Sequence[str], found: Collector
) -> None:
    missing = [i for i in wanted if i not in ids and i not in found.broken]
    if missing:
        found.add(file, None, f"'{key}' is missing {', '.join(missing)}")


def _check_order(
    file: str, steps: Sequence[TimelineStepSpec], complete: bool, found: Collector
) -> None:
    """Every ``before`` names a step or an anchor, and following them never goes round.

    An anchor is the decision or the other date; every ``stands_for`` names a step too.

    ``complete`` is False when some steps failed to load: then a missing last step is not
    reported, since it may be one of them.
    """
    after = {s.id: s.before for s in steps}
    for step in steps:
        known = (*ANCHORS, *after, *found.broken)
        if step.before not in known:
            found.add(file, step.id, f"'before' names unknown step '{step.before}'")
        stands_for = step.stands_for
        if stands_for is not None and stands_for not in after and stands_for not in found.broken:
            found.add(file, step.id, f"'stands_for' names unknown step '{stands_for}'")
        if stands_for == step.id:
            found.add(file, step.id, "'stands_for' names the step itself")
    if complete and steps and DECISION not in after.values():
        found.add(file, None, f"no step comes right before '{DECISION}'")
    for step in steps:
        seen = {step.id}
        current = step.before
        while current in after:
            if current in seen:
                found.add(file, step.id, "'before' goes round in a circle")
                break
            seen.add(current)
            current = after[current]


def _check_record_steps(
    file: str,
    record_steps: Sequence[RecordStepSpec],
    record_ids: set[str],
    all_loaded: bool,
    found: Collector,
) -> None:
    defaults = [s.id for s in record_steps if s.records is None and s.record_status == "needed"]
    if all_loaded and len(defaults) != 1:
        found.add(
            file,
            None,
            "exactly one record step must have no 'records' (it is for every other record); "
            f"found {len(defaults)}",
        )
    follow_ups = [s.id for s in record_steps if s.record_status != "needed"]
    if len(follow_ups) > 1:
        found.add(
            file,
            None,
            "at most one record step may be for records already asked for; "
            f"found {len(follow_ups)}",
        )
    listed = Counter(r for s in record_steps for r in (s.records or ()))
    for step in record_steps:
        for record in step.records or ():
            if record not in record_ids:
                found.add(file, step.id, f"lists unknown record '{record}'")
            elif listed[record] > 1:
                found.add(file, step.id, f"record '{record}' is listed by more than one step")
