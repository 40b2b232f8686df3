"""The workbook store: every answer in a workbook, saved the moment it changes.

What the package holds:

- ``WorkbookStore`` (``_store``): the one way in, for the dashboard, the navigator and the CLI.
- the snapshots it hands back (``_records``): ``Workbook``, ``WorkbookSummary``,
  ``WorkbookOverview``, ``QuestionState``, ``OwnQuestion``, ``RecordState``, ``RecordProgress``,
  ``ComparisonEntry``, ``Change``;
- the checks on what is written (``_validation``), reading rows back (``_reads``), writing
  them with the change log (``_writes``); the person's progress, steps done and the second
  opinion (``_progress``); the care team's read-only link (``_care_team``);
- the database: where it is and how it is opened, locked and upgraded (``_db``), its tables and
  their versions (``_schema``), the SQLite file's own care (``_sqlite_files``), and the errors
  with plain messages (``_errors``);
- the bounds on what anyone can make it hold (new workbooks per address per hour, total size)
  and its hourly upkeep, which removes workbooks never written in (``_limits``);
- who is who: each workbook's short code, which a person can read out over the phone
  (``_short_code``), and two workbooks of one person merged into one (``_merge``).

Only the names in ``__all__`` are for use outside the package.

A store is one database: by default the SQLite file ``workbooks.sqlite3`` in the project's
``data/`` (created with owner-only permissions), or the folder named by ``SECOND_OPINION_DATA``,
or any SQLAlchemy URL (``SECOND_OPINION_DB_URL``, or ``url=``), such as a shared PostgreSQL
server. Nothing else changes between the two.

Every method that changes something writes the change and a row in the append-only change log in
one transaction, and commits it before returning: there is no save button. Writing a value that is
already stored changes nothing and logs nothing. Each field is its own row or column, so two people
(or two browser tabs, or two processes) writing different fields of one workbook at once lose
nothing; when both write the same field, the later write wins and both are in the log, each with
who made it (the store's ``actor``).

The store never deletes what a person wrote when their situation changes: answers to questions and
records that stop applying stay, and the exports mark them as not applying now. Only the right to
delete removes anything: ``delete_workbook`` erases the whole workbook, its change log included,
and keeps one log row saying that a workbook was deleted, and when.

Example::

    >>> import tempfile
    >>> store = WorkbookStore.open(tempfile.mkdtemp(), actor="navigator:ana")
    >>> summary, token = store.create_workbook("J. R.", created_by="patient")
    >>> store.set_question(summary.id, "ask_stage", starred=True)
    >>> store.workbook_id_for_token(token) == summary.id
    True
    >>> store.load(summary.id).questions["ask_stage"].starred
    True
    >>> store.changes(summary.id)[-1].changed_by
    'navigator:ana'
    >>> store.close()
"""

from secondopinion.content.vocabulary import (
    COMPARISON_OPINIONS,
    DECISION_DATE_FIELD,
    RECORD_STATUSES,
)

from ._db import ENV_DATA, ENV_URL, gc_paused, local_data_dir
from ._errors import (
    BUSY_MESSAGE,
    STORE_FULL_MESSAGE,
    TOO_MANY_NEW_WORKBOOKS_MESSAGE,
    NotFoundError,
    StoreBusyError,
    StoreError,
    StoreFullError,
    TooManyChangesError,
    TooManyNewWorkbooksError,
)
from ._limits import (
    ENV_MAX_STORE_MB,
    ENV_NEW_WORKBOOKS_PER_HOUR,
    UNUSED_AFTER,
    VISITOR_ENV,
    max_store_bytes,
    new_workbooks_per_hour,
    visit_address,
)
from ._link_guard import LINK_CHANGED_MESSAGE, LinkChangedError, only_with_link
from ._progress import SECOND_OPINION_DIFFERS, InvalidValueError
from ._records import (
    CREATED_BY,
    RECORD_STATUS_LABELS,
    SECTIONS,
    AnswerValue,
    Change,
    ComparisonEntry,
    OwnQuestion,
    QuestionState,
    RecordProgress,
    RecordState,
    Workbook,
    WorkbookOverview,
    WorkbookSummary,
)
from ._schema import SCHEMA_VERSION
from ._short_code import read_code, short_code
from ._sqlite_files import make_owner_only
from ._store import WorkbookStore
from ._validation import MAX_TEXT_CHARS

__all__ = [
    "BUSY_MESSAGE",
    "COMPARISON_OPINIONS",
    "CREATED_BY",
    "DECISION_DATE_FIELD",
    "ENV_DATA",
    "ENV_MAX_STORE_MB",
    "ENV_NEW_WORKBOOKS_PER_HOUR",
    "ENV_URL",
    "LINK_CHANGED_MESSAGE",
    "MAX_TEXT_CHARS",
    "RECORD_STATUSES",
    "RECORD_STATUS_LABELS",
    "SCHEMA_VERSION",
    "SECOND_OPINION_DIFFERS",
    "SECTIONS",
    "STORE_FULL_MESSAGE",
    "TOO_MANY_NEW_WORKBOOKS_MESSAGE",
    "UNUSED_AFTER",
    "VISITOR_ENV",
    "AnswerValue",
    "Change",
    "ComparisonEntry",
    "InvalidValueError",
    "LinkChangedError",
    "NotFoundError",
    "OwnQuestion",
    "QuestionState",
    "RecordProgress",
    "RecordState",
    "StoreBusyError",
    "StoreError",
    "StoreFullError",
    "TooManyChangesError",
    "TooManyNewWorkbooksError",
    "Workbook",
    "WorkbookOverview",
    "WorkbookStore",
    "WorkbookSummary",
    "gc_paused",
    "local_data_dir",
    "make_owner_only",
    "max_store_bytes",
    "new_workbooks_per_hour",
    "only_with_link",
    "read_code",
    "short_code",
    "visit_address",
]
