"""The knowledge behind the timeline (``timeline.yaml``) and the comparison (``compare.yaml``).

The models here describe the two files; ``load_parts`` reads and checks them as part of
``load_content``, collecting every problem with the file and the item id, like the other files.
The timeline itself is worked out in ``secondopinion.planning.timeline``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Final, Literal

from pydantic import Field as Bounds
from pydantic import model_validator

from secondopinion.content._base import ItemId, Option, ParsedRule, Sources, Text, _Strict
from secondopinion.content.rules import Rule

TIMELINE_FILE: Final = "timeline.yaml"
COMPARE_FILE: Final = "compare.yaml"
TIMELINE_KEYS: Final = ("statuses", "messages", "steps", "record_steps", "undated_steps")
COMPARE_KEYS: Final = ("opinions", "aspects")

DECISION: Final = "decision"
"""The ``before`` of the last step: it is planned back from the decision date itself."""

SECOND_DEADLINE: Final = "second_deadline"
"""The ``before`` of a step planned back from the person's other date (an appeal or a notice):
the intake field ``second_deadline``."""

ANCHORS: Final = (DECISION, SECOND_DEADLINE)
"""The dates a chain of steps can end on."""

RECORD_SLOT: Final = "{record}"
"""Where a record step for one record names it (the step for every other record)."""

RECORDS_SLOT: Final = "{records}"
"""Where a record step for one office names every record asked of it, in one request."""

DATE_SLOT: Final = "{date}"
"""Where the message for a decision date that has passed names the date; in a step planned for
the other date, where the step names that date."""

DAYS_SLOT: Final = "{n}"
"""Where the ``in_days`` words of a timeline counted day by day name the number of days."""

StatusId = Literal["ok", "tight", "past"]
STATUS_IDS: Final[tuple[StatusId, ...]] = ("ok", "tight", "past")
MessageId = Literal[
    "no_date",
    "passed",
    "on_track",
    "late",
    "no_time",
    "no_countdown",
    "by_day",
    "today",
    "tomorrow",
    "in_days",
]
MESSAGE_IDS: Final[tuple[MessageId, ...]] = (
    "no_date",
    "passed",
    "on_track",
    "late",
    "no_time",
    "no_countdown",
)
"""The messages every timeline file must give."""
DAY_BY_DAY_IDS: Final[tuple[MessageId, ...]] = ("by_day", "today", "tomorrow", "in_days")
"""The words of a timeline counted day by day: given together, or not at all. ``by_day`` (with
its ``when`` rule: the situations counted day by day) is said above the steps; ``today``,
``tomorrow`` and ``in_days`` ("In {n} days") name each step's day."""
NO_COUNTDOWN: Final = "no_countdown"
"""The message whose ``when`` rule names the situations that get a calm list without dates."""
BY_DAY: Final = "by_day"
"""The message whose ``when`` rule names the situations whose timeline counts every day."""
RULED_MESSAGES: Final = (NO_COUNTDOWN, BY_DAY)

RecordStatus = Literal["needed", "requested"]
"""The saved status of the records a record step is for (see ``vocabulary.RECORD_STATUSES``)."""

WorkingDays = Annotated[int, Bounds(ge=0, le=260)]


class StatusLabel(_Strict):
    """How a step's status is named: ok, tight (late) or past (no time left)."""

    id: StatusId
    label: Text


class Message(_Strict):
    """One of the sentences at the top of the timeline.

    ``when`` is given for ``no_countdown`` only: the situations (such as hospice care) that get
    the steps as a calm list without dates, even when a decision date is given.
    """

    id: MessageId
    text: Text
    when: ParsedRule | None = None

    @model_validator(mode="after")
    def _rule_only_for_no_countdown(self) -> Message:
        if self.id in RULED_MESSAGES and self.when is None:
            raise ValueError(f"'{self.id}' needs a 'when' rule")
        if self.id not in RULED_MESSAGES and self.when is not None:
            raise ValueError(f"only {' and '.join(RULED_MESSAGES)} may have a 'when' rule")
        if self.id == "in_days" and DAYS_SLOT not in self.text:
            raise ValueError(f"'in_days' must name the number of days with {DAYS_SLOT}")
        return self


class StepVoice(_Strict):
    """A step's words for a reader who is not the patient (``for_helper``, ``for_parent``)."""

    text: Text | None = None
    why: Text | None = None
    if_late: Text | None = None
    if_no_time: Text | None = None


class UndatedStep(_Strict):
    """A step shown first when there is no decision date to plan from."""

    id: ItemId
    text: Text
    why: Text
    when: ParsedRule | None = None
    sources: Sources
    for_helper: StepVoice | None = None
    for_parent: StepVoice | None = None
    assumes: tuple[ItemId, ...] = ()
    """The premises (``premises.yaml``) it takes for granted: left out if one is contradicted."""


class TimelineStepSpec(_Strict):
    """A step of the plan, done before the step named by ``before`` (or an anchor).

    The anchors are the decision and the person's other date (``second_deadline``).

    ``working_days`` is how long the step usually takes: the working days (Monday to Friday)
    from doing it until the step named in ``before`` can be done, such as the wait for records
    to arrive. ``fewest_working_days`` is the least that wait can shrink to when time is short.
    ``if_late`` says what to do when the step must go faster than usual; ``if_no_time`` when
    even the shortest waits no longer fit before the decision date.

    ``critical``: the step is on the critical path (calling the plan, booking the visit): it is
    planned before every step that is not, so that no records request comes first. ``any_day``:
    the step needs no office open (the person does it alone), so in a timeline counted day by
    day it may fall on a weekend or a holiday. ``stands_for``: when the step applies, it takes the
    place of that step (which is then left out), and steps that come before that step come before
    this one (a visit in the hospital instead of a trip to one). A step that comes before a step
    left out is left out too. ``for_helper`` and ``for_parent`` are its words for a helper or a
    child's parent. ``assumes``: the premises (``premises.yaml``) it takes for granted; where
    the answers contradict one the step is left out, as when its ``when`` does not hold.
    """

    id: ItemId
    text: Text
    why: Text
    when: ParsedRule | None = None
    before: ItemId
    working_days: WorkingDays
    fewest_working_days: WorkingDays
    if_late: Text | None = None
    if_no_time: Text | None = None
    sources: Sources
    critical: bool = False
    any_day: bool = False
    stands_for: ItemId | None = None
    for_helper: StepVoice | None = None
    for_parent: StepVoice | None = None
    assumes: tuple[ItemId, ...] = ()

    @model_validator(mode="after")
    def _fewest_fits(self) -> TimelineStepSpec:
        if self.fewest_working_days > self.working_days:
            raise ValueError("'fewest_working_days' cannot be more than 'working_days'")
        return self


class RecordStepSpec(TimelineStepSpec):
    """A step for records in the person's plan: one request for all the records one office holds.

    ``records`` lists the records one office (or the person themself) holds: they are asked for
    in one step, whose ``{records}`` names them all. The one step without ``records`` is for every
    other record, one step each (who holds it is not known): its ``{record}`` names it.
    ``record_status`` is the saved status of the records it is for: ``needed`` (the default:
    nobody has asked yet) or ``requested`` (asked for, not yet here: the one step for following
    up, which lists no records and names them with ``{records}``, one step for each request).
    Records already received or sent get no step.
    """

    records: tuple[ItemId, ...] | None = None
    record_status: RecordStatus = "needed"

    @property
    def slot(self) -> str:
        """How the text names its records: ``{record}`` (one each) or ``{records}`` (grouped)."""
        one_each = self.records is None and self.record_status == "needed"
        return RECORD_SLOT if one_each else RECORDS_SLOT

    @model_validator(mode="after")
    def _names_the_record(self) -> RecordStepSpec:
        if self.slot not in self.text:
            raise ValueError(f"'text' must name the record with {self.slot}")
        if self.record_status != "needed" and self.records is not None:
            raise ValueError("a step for records already asked for cannot list 'records'")
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
    no_countdown: Rule | None = None
    """When it holds, the steps are a calm list without dates (the ``no_countdown`` rule)."""
    by_day: Rule | None = None
    """When it holds, the timeline counts every day from today (the ``by_day`` rule)."""

    def status_label(self, status: StatusId) -> str:
        """How a status is named for people."""
        return self.statuses[status]

    def message(self, message_id: MessageId) -> str:
        """One of the sentences at the top of the timeline."""
        return self.messages[message_id]

    def record_step_for(self, record_id: str, status: str = "needed") -> RecordStepSpec | None:
        """The step a record goes through while its saved status is ``status``.

        For a record still needed: the step listing it, else the default one. For a record
        asked for: the follow-up step, if there is one. Otherwise (received, sent): None.
        """
        if status == "needed":
            for spec in self.record_steps:
                if spec.record_status == "needed" and record_id in (spec.records or ()):
                    return spec
        return next(
            (s for s in self.record_steps if s.record_status == status and s.records is None),
            None,
        )


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
