"""The knowledge behind the timeline (``timeline.yaml``) and the comparison (``compare.yaml``).

The models here describe the two files; ``load_parts`` reads and checks them as part of
``load_content``, collecting every problem with the file and the item id, like the other files.
The timeline itself is worked out in ``secondopinion.timeline``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Final, Literal

from pydantic import AfterValidator, model_validator
from pydantic import Field as Bounds

from secondopinion.content import ItemId, Option, ParsedRule, Record, Source, Text, _Strict

if TYPE_CHECKING:
    from secondopinion._content_loader import _Collector
    from secondopinion.content import Intake

TIMELINE_FILE: Final = "timeline.yaml"
COMPARE_FILE: Final = "compare.yaml"
TIMELINE_KEYS: Final = ("statuses", "messages", "steps", "record_steps", "undated_steps")
COMPARE_KEYS: Final = ("opinions", "aspects")

DECISION: Final = "decision"
"""The ``before`` of the last step: it is planned back from the decision date itself."""

RECORD_SLOT: Final = "{record}"
"""Where a record step's text names the record."""

DATE_SLOT: Final = "{date}"
"""Where the message for a decision date that has passed names the date."""

StatusId = Literal["ok", "tight", "past"]
STATUS_IDS: Final[tuple[StatusId, ...]] = ("ok", "tight", "past")
MessageId = Literal["no_date", "passed", "on_track", "late", "no_time"]
MESSAGE_IDS: Final[tuple[MessageId, ...]] = ("no_date", "passed", "on_track", "late", "no_time")

Days = Annotated[int, Bounds(ge=0, le=365)]


def _non_empty(ids: tuple[str, ...]) -> tuple[str, ...]:
    if not ids:
        raise ValueError("needs at least one source id")
    return ids


Sources = Annotated[tuple[ItemId, ...], AfterValidator(_non_empty)]


class StatusLabel(_Strict):
    """How a step's status is named: ok, tight (late) or past (no time left)."""

    id: StatusId
    label: Text


class Message(_Strict):
    """One of the sentences at the top of the timeline."""

    id: MessageId
    text: Text


class UndatedStep(_Strict):
    """A step shown first when there is no decision date to plan from."""

    id: ItemId
    text: Text
    why: Text
    when: ParsedRule | None = None
    sources: Sources


class TimelineStepSpec(_Strict):
    """A step of the plan, done ``days`` before the step named by ``before`` (or the decision).

    ``fewest_days`` is the least that gap can shrink to when time is short. ``if_late`` says what
    to do when the planned date has passed but the step can still be done in time; ``if_no_time``
    when even the shortest gaps no longer fit before the decision date.
    """

    id: ItemId
    text: Text
    why: Text
    when: ParsedRule | None = None
    before: ItemId
    days: Days
    fewest_days: Days
    if_late: Text | None = None
    if_no_time: Text | None = None
    sources: Sources

    @model_validator(mode="after")
    def _fewest_fits(self) -> TimelineStepSpec:
        if self.fewest_days > self.days:
            raise ValueError("'fewest_days' cannot be more than 'days'")
        return self


class RecordStepSpec(TimelineStepSpec):
    """A step made once for each record in the person's plan; ``{record}`` names the record.

    ``records`` lists the record ids this step is for; the one step without ``records`` is for
    every other record.
    """

    records: tuple[ItemId, ...] | None = None

    @model_validator(mode="after")
    def _names_the_record(self) -> RecordStepSpec:
        if RECORD_SLOT not in self.text:
            raise ValueError(f"'text' must name the record with {RECORD_SLOT}")
        return self


class Aspect(_Strict):
    """One thing to compare between the two opinions, such as the diagnosis."""

    id: ItemId
    label: Text
    help: Text


@dataclass(frozen=True)
class TimelineContent:
    """Everything ``build_timeline`` needs to know, from ``timeline.yaml``."""

    statuses: Mapping[str, str]
    messages: Mapping[str, str]
    steps: tuple[TimelineStepSpec, ...]
    record_steps: tuple[RecordStepSpec, ...]
    undated_steps: tuple[UndatedStep, ...]

    def status_label(self, status: StatusId) -> str:
        """How a status is named for people."""
        return self.statuses[status]

    def message(self, message_id: MessageId) -> str:
        """One of the sentences at the top of the timeline."""
        return self.messages[message_id]

    def record_step_for(self, record_id: str) -> RecordStepSpec:
        """The record step that a record goes through: the one listing it, else the default."""
        for spec in self.record_steps:
            if spec.records is not None and record_id in spec.records:
                return spec
        return next(spec for spec in self.record_steps if spec.records is None)


@dataclass(frozen=True)
class CompareContent:
    """The opinions and the aspects to compare them on, from ``compare.yaml``, in order."""

    opinions: tuple[Option, ...]
    aspects: tuple[Aspect, ...]

    def opinion_label(self, opinion_id: str) -> str:
        """The label of an opinion, such as 'First opinion' (KeyError if unknown)."""
        for option in self.opinions:
            if option.id == opinion_id:
                return option.label
        raise KeyError(opinion_id)

    def aspect(self, aspect_id: str) -> Aspect:
        """The aspect with this id (KeyError if unknown)."""
        for aspect in self.aspects:
            if aspect.id == aspect_id:
                return aspect
        raise KeyError(aspect_id)


# --------------------------------------------------------------------------- loading


def load_parts(
    timeline_raw: dict[str, object],
    compare_raw: dict[str, object],
    intake: Intake,
    sources: Sequence[Source],
    records: Sequence[Record],
    found: _Collector,
) -> tuple[TimelineContent, CompareContent]:
    """Turn the two files' parsed YAML into content, adding every problem to ``found``."""
    from secondopinion._content_loader import _check_rule, _check_unique, _models

    file = TIMELINE_FILE
    statuses = _models(timeline_raw, "statuses", StatusLabel, file, found)
    messages = _models(timeline_raw, "messages", Message, file, found)
    steps = _models(timeline_raw, "steps", TimelineStepSpec, file, found)
    record_steps = _models(timeline_raw, "record_steps", RecordStepSpec, file, found)
    undated = _models(timeline_raw, "undated_steps", UndatedStep, file, found)

    if timeline_raw:
        _check_all_given(file, "statuses", [s.id for s in statuses], STATUS_IDS, found)
        _check_all_given(file, "messages", [m.id for m in messages], MESSAGE_IDS, found)
    _check_unique(file, [s.id for s in statuses], found)
    _check_unique(file, [m.id for m in messages], found)
    every_step: list[TimelineStepSpec | UndatedStep] = [*steps, *record_steps, *undated]
    _check_unique(file, [s.id for s in every_step], found)

    source_ids = {s.id for s in sources} | found.broken
    for step in every_step:
        for source in step.sources:
            if source not in source_ids:
                found.add(file, step.id, f"cites unknown source '{source}'")
        if step.when is not None:
            _check_rule(file, step.id, step.when, intake, None, found)
    raw_record_steps = timeline_raw.get("record_steps")
    all_loaded = isinstance(raw_record_steps, list) and len(raw_record_steps) == len(record_steps)
    raw_steps = timeline_raw.get("steps")
    steps_loaded = isinstance(raw_steps, list) and len(raw_steps) == len(steps)
    _check_order(file, [*steps, *record_steps], steps_loaded, found)
    known_records = {r.id for r in records} | found.broken
    _check_record_steps(file, record_steps, known_records, all_loaded, found)

    opinions = _models(compare_raw, "opinions", Option, COMPARE_FILE, found)
    aspects = _models(compare_raw, "aspects", Aspect, COMPARE_FILE, found)
    _check_unique(COMPARE_FILE, [o.id for o in opinions], found)
    _check_unique(COMPARE_FILE, [a.id for a in aspects], found)

    timeline = TimelineContent(
        statuses={s.id: s.label for s in statuses},
        messages={m.id: m.text for m in messages},
        steps=tuple(steps),
        record_steps=tuple(record_steps),
        undated_steps=tuple(undated),
    )
    return timeline, CompareContent(opinions=tuple(opinions), aspects=tuple(aspects))


def _check_all_given(
    file: str, key: str, ids: list[str], wanted: Sequence[str], found: _Collector
) -> None:
    missing = [i for i in wanted if i not in ids and i not in found.broken]
    if missing:
        found.add(file, None, f"'{key}' is missing {', '.join(missing)}")


def _check_order(
    file: str, steps: Sequence[TimelineStepSpec], complete: bool, found: _Collector
) -> None:
    """Every ``before`` names a step or the decision, and following them never goes round.

    ``complete`` is False when some steps failed to load: then a missing last step is not
    reported, since it may be one of them.
    """
    after = {s.id: s.before for s in steps}
    for step in steps:
        if step.before != DECISION and step.before not in after and step.before not in found.broken:
            found.add(file, step.id, f"'before' names unknown step '{step.before}'")
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
    found: _Collector,
) -> None:
    defaults = [s.id for s in record_steps if s.records is None]
    if all_loaded and len(defaults) != 1:
        found.add(
            file,
            None,
            "exactly one record step must have no 'records' (it is for every other record); "
            f"found {len(defaults)}",
        )
    listed = Counter(r for s in record_steps for r in (s.records or ()))
    for step in record_steps:
        for record in step.records or ():
            if record not in record_ids:
                found.add(file, step.id, f"lists unknown record '{record}'")
            elif listed[record] > 1:
                found.add(file, step.id, f"record '{record}' is listed by more than one step")
