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

import threading
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
    ChoiceVoice,
    Content,
    Field,
    FieldKind,
    FieldVoice,
    Intake,
    Item,
    NextStep,
    Question,
    Record,
    Voice,
)
from secondopinion.content._premises import Premise, Premises, PremiseState
from secondopinion.content._timeline_models import (
    ANCHORS,
    DATE_SLOT,
    DAYS_SLOT,
    DECISION,
    RECORD_SLOT,
    RECORDS_SLOT,
    SECOND_DEADLINE,
    Aspect,
    CompareContent,
    MessageId,
    RecordStepSpec,
    StatusId,
    TimelineContent,
    TimelineStepSpec,
    UndatedStep,
)


def load_content(
    directory: Path | str | None = None, language: str = vocabulary.DEFAULT_LANGUAGE
) -> Content:
    """Load and check every content file; raise ContentError listing all problems found.

    ``language`` other than English lays the words of ``content/translations/<language>/`` over
    the English files: the same ids, rules, sources and priorities, only the words differ. It is
    as strict as the English: a missing, unknown or mismatched translation is a problem.

    Content is kept per folder and language, and read again only when one of its files changes.
    """
    from secondopinion.content._loader import load

    folder = Path(directory) if directory is not None else DEFAULT_CONTENT_DIR
    key = (str(folder.resolve()), language)
    stamp = _stamp(folder, language)
    kept = _LOADED.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    content = load(folder, language)
    with _LOCK:
        _LOADED[key] = (stamp, content)
    return content


def translation_languages(directory: Path | str | None = None) -> tuple[str, ...]:
    """The languages with a folder under ``content/translations/`` (check-content checks each)."""
    from secondopinion.content._translations import languages_in

    return languages_in(Path(directory) if directory is not None else DEFAULT_CONTENT_DIR)


_LOADED: dict[tuple[str, str], tuple[tuple[tuple[str, int, int], ...], Content]] = {}
_LOCK = threading.Lock()


def _stamp(folder: Path, language: str) -> tuple[tuple[str, int, int], ...]:
    """The name, change time and size of every file the content of ``language`` is read from."""
    paths = list(folder.glob("*.yaml"))
    if language != vocabulary.DEFAULT_LANGUAGE:
        paths += folder.joinpath("translations", language).glob("*.yaml")
    found = []
    for path in sorted(paths):
        try:
            info = path.stat()
        except OSError:
            continue
        found.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(found)


__all__ = [
    "ANCHORS",
    "DATE_SLOT",
    "DAYS_SLOT",
    "DECISION",
    "DEFAULT_CONTENT_DIR",
    "RECORDS_SLOT",
    "RECORD_SLOT",
    "SECOND_DEADLINE",
    "Aspect",
    "Choice",
    "ChoiceVoice",
    "CompareContent",
    "Content",
    "ContentError",
    "Field",
    "FieldKind",
    "FieldVoice",
    "Intake",
    "Item",
    "MessageId",
    "NextStep",
    "Option",
    "Premise",
    "PremiseState",
    "Premises",
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
    "translation_languages",
    "vocabulary",
]
