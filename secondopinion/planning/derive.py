"""From a saved workbook to what it means today: its situation, its plan and its timeline.

Every view, document and command that shows a workbook's plan goes through ``derive``, so the
dashboard, the printed sheet, the calendar file, the exports and the command line agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from secondopinion.content import Content, rules
from secondopinion.content.vocabulary import DECISION_DATE_FIELD
from secondopinion.planning.engine import Plan, tailor
from secondopinion.planning.situation import Situation
from secondopinion.planning.timeline import Timeline, build_timeline
from secondopinion.store import RecordState, Workbook


@dataclass(frozen=True)
class Derived:
    """What a workbook's answers lead to, as of one day."""

    situation: Situation
    """The answers that still fit the intake (answers the content no longer has are left out)."""
    plan: Plan
    """The questions, records and next steps that apply, with the "start here" list."""
    today: dt.date
    content: Content = field(repr=False, compare=False)
    records: Mapping[str, RecordState] = field(repr=False)
    steps_done: Mapping[str, dt.date] = field(default_factory=dict, repr=False)
    """The timeline steps marked done, with the day: they leave the timeline."""
    planned_since: dt.date | None = None
    """The day the decision date was given: steps planned then for a day now past are moved."""

    @cached_property
    def timeline(self) -> Timeline:
        """The steps dated back from the decision date, as of ``today`` (worked out when asked)."""
        return build_timeline(
            self.situation,
            self.plan,
            self.content,
            self.today,
            records=self.records,
            done=self.steps_done,
            since=self.planned_since,
        )


def derive(workbook: Workbook | None, content: Content, today: dt.date) -> Derived:
    """The situation, plan and timeline of a saved workbook (``None``: a new, empty one)."""
    answers = workbook.answers if workbook is not None else {}
    situation = Situation.from_answers(answers, content.intake, drop_unknown=True)
    if workbook is None:
        return Derived(situation, tailor(situation, content), today, content, {})
    given = workbook.answer_times.get(DECISION_DATE_FIELD)
    return Derived(
        situation,
        tailor(situation, content),
        today,
        content,
        workbook.records,
        workbook.steps_done,
        given.astimezone().date() if given is not None else None,
    )


def records_that_apply(answers: Mapping[str, object], content: Content) -> list[str]:
    """The ids of the records in a saved workbook's plan, without working out the reasons.

    A roster needs only which records apply, for thousands of people at once; working out
    the reasons too (as ``tailor`` does) takes three times as long. The same rule as the engine:
    a record applies when it has no ``when``, or its rule holds for the answers in effect, and
    the answers contradict none of the premises it assumes.
    ``tests/test_exports.py`` checks that the two agree.
    """
    situation = Situation.from_answers(answers, content.intake, drop_unknown=True)
    in_effect = situation.in_effect(content.intake)
    contradicted = content.premises.contradicted(in_effect)
    return [
        r.id
        for r in content.records
        if (r.when is None or rules.evaluate(r.when, in_effect))
        and not contradicted.intersection(r.assumes)
    ]
