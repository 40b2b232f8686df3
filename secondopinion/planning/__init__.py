"""From a person's situation to their own plan: what applies, in what order, and by when.

``Situation`` is the person's answers, checked against the intake. ``tailor`` chooses and orders
the questions, records and next steps that apply (a ``Plan``, with a short "start here" list),
and ``build_timeline`` dates the steps back from the decision date. ``derive`` does all three
for a saved workbook: every caller that shows or prints a workbook's plan goes through it.
``Reader`` is who reads it: a helper's words, the patient named as they know them ("your father").
"""

from secondopinion.planning.derive import Derived, derive, records_that_apply
from secondopinion.planning.engine import (
    SHOWN_TO_EVERYONE,
    SHOWN_UNLESS_RULED_OUT,
    Plan,
    PlannedItem,
    tailor,
)
from secondopinion.planning.reader import Reader
from secondopinion.planning.situation import Situation, SituationError
from secondopinion.planning.timeline import (
    Timeline,
    TimelineStep,
    build_timeline,
    long_date,
    moved_words,
    records_asked_by,
    timeline_as_text,
)

__all__ = [
    "SHOWN_TO_EVERYONE",
    "SHOWN_UNLESS_RULED_OUT",
    "Derived",
    "Plan",
    "PlannedItem",
    "Reader",
    "Situation",
    "SituationError",
    "Timeline",
    "TimelineStep",
    "build_timeline",
    "derive",
    "long_date",
    "moved_words",
    "records_asked_by",
    "records_that_apply",
    "tailor",
    "timeline_as_text",
]
