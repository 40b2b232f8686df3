"""The workbook's knowledge: the YAML files in ``content/``, loaded strictly into frozen models.

Everything a person reads is here: the intake fields, the questions, records and next steps, the
timeline's steps, the aspects the two opinions are compared on, and the public sources they cite.
``load_content`` checks it all against itself (every rule against the intake fields and their
choices, every source id, the ids that code relies on in ``vocabulary``) and lists every problem
with its file and item id.

>>> content = load_content()
>>> content.item("q_how_sure").audience
'second_doctor'
"""

from pathlib import Path

from secondopinion.content import rules, vocabulary
from secondopinion.content._base import (
    DEFAULT_CONTENT_DIR,
    ContentError,
    Option,
    Problem,
    Source,
)
from secondopinion.content._models import (
    Choice,
    Content,
    Field,
    FieldKind,
    Intake,
    Item,
    NextStep,
    Question,
    Record,
    Voice,
)
from secondopinion.content._timeline_models import (
    DATE_SLOT,
    DECISION,
    RECORD_SLOT,
    Aspect,
    CompareContent,
    MessageId,
    RecordStepSpec,
    StatusId,
    TimelineContent,
    TimelineStepSpec,
    UndatedStep,
)


def load_content(directory: Path | str | None = None) -> Content:
    """Load and check every content file; raise ContentError listing all problems found."""
    from secondopinion.content._loader import load

    return load(Path(directory) if directory is not None else DEFAULT_CONTENT_DIR)


__all__ = [
    "DATE_SLOT",
    "DECISION",
    "DEFAULT_CONTENT_DIR",
    "RECORD_SLOT",
    "Aspect",
    "Choice",
    "CompareContent",
    "Content",
    "ContentError",
    "Field",
    "FieldKind",
    "Intake",
    "Item",
    "MessageId",
    "NextStep",
    "Option",
    "Problem",
    "Question",
    "Record",
    "RecordStepSpec",
    "Source",
    "StatusId",
    "TimelineContent",
    "TimelineStepSpec",
    "UndatedStep",
    "Voice",
    "load_content",
    "rules",
    "vocabulary",
]
