"""A store of generated workbooks for the program measures: people who started on different days.

``fill_program_store`` writes made-up people through the store's own methods, with the store's
clock set to the day each thing happened (the clock the change log and ``created_at`` read), so
that starts, records received and second opinions spread over the months before ``today``. It is
used by ``tests/test_program_measures.py`` and by ``notebooks/conftest.py``, which fills the
throw-away data folder that ``notebooks/program.ipynb`` reads under nbval.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from secondopinion.content import Content
from secondopinion.store import WorkbookStore, _db

RECORDS = (
    "r_pathology_report",
    "r_slides",
    "r_imaging_reports",
    "r_imaging_files",
    "r_lab_results",
    "r_treatment_plan",
)
"""The records the generated people ask for (ids from ``content/records.yaml``)."""

DIFFERS = ("same", "partly", "different", None)


class StoreClock:
    """The store's clock, set by hand: every write is stamped with ``now``."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def at(self, day: date, minutes: int = 0) -> None:
        """Set the clock to ``day``, 9:00 UTC plus ``minutes``."""
        self.now = datetime.combine(day, time(9), tzinfo=UTC) + timedelta(minutes=minutes)

    def step(self) -> None:
        """A few minutes later (so that a workbook's later writes come after its start)."""
        self.now += timedelta(minutes=3)

    def _iso(self) -> str:
        return self.now.isoformat(timespec="microseconds")


@contextmanager
def store_clock() -> Iterator[StoreClock]:
    """While in this block, the store stamps every write with the clock's time."""
    clock = StoreClock()
    with mock.patch.object(_db, "utc_now", clock._iso):
        yield clock


def fill_program_store(
    store: WorkbookStore,
    content: Content,
    *,
    people: int = 60,
    today: date | None = None,
    days: int = 150,
    seed: int = 26,
) -> list[str]:
    """Write ``people`` made-up workbooks that started in the ``days`` days before ``today``.

    Each has answers to the intake fields the barriers read, a few records asked for (most of
    them received later, some sent, some with no date asked or a date after they came, one now
    and then marked received by mistake and taken back), and, for most, a second opinion with
    whether it differed. Nothing is dated after ``today``. Returns the workbooks' ids.
    """
    rng = random.Random(seed)
    today = today or date.today()
    known = {record.id for record in content.records}
    missing = [r for r in RECORDS if r not in known]
    if missing:
        raise ValueError(f"The content has no records {missing}.")
    made: list[str] = []
    with store_clock() as clock:
        for n in range(people):
            started = today - timedelta(days=rng.randrange(days))
            clock.at(started, minutes=rng.randrange(600))
            summary, _ = store.create_workbook(
                f"Person {n + 1}", rng.choice(["patient", "navigator"])
            )
            made.append(summary.id)
            clock.step()
            store.set_answers(summary.id, _answers(rng))
            _records(store, summary.id, rng, clock, started, today)
            _second_opinion(store, summary.id, rng, clock, started, today)
    return made


def _answers(rng: random.Random) -> dict[str, object]:
    """Answers to the fields the barriers read, some of them hidden by the answers before them."""
    answers: dict[str, object] = {
        "insurance": rng.choice(["medicare", "medicaid", "plan_ppo", "none", "not_sure"]),
        "can_travel": rng.choice([True, False]),
        "language_needs": rng.choice(
            ["english_fine", "english_fine", "prefers_other", "needs_interpreter"]
        ),
        "internet_access": rng.choice(["good", "phone_only", "little"]),
    }
    # Given even where the intake would hide it: such an answer is kept but is not in effect.
    answers["costs_worry"] = rng.choice([True, False])
    answers["travel_help"] = rng.choice([True, False])
    done = [c for c in ("denial_received", "records_gathered") if rng.random() < 0.3]
    if done:
        answers["already_done"] = done
    return {field: value for field, value in answers.items() if rng.random() < 0.85}


def _records(
    store: WorkbookStore,
    workbook_id: str,
    rng: random.Random,
    clock: StoreClock,
    started: date,
    today: date,
) -> None:
    for record_id in rng.sample(RECORDS, rng.randrange(len(RECORDS) + 1)):
        asked = started + timedelta(days=rng.randrange(15))
        if asked > today:
            continue
        came = asked + timedelta(days=rng.randrange(1, 50))
        said_asked: date | None = asked
        if rng.random() < 0.08:
            said_asked = None  # no date given
        elif rng.random() < 0.05:
            said_asked = came + timedelta(days=3)  # a date after it came: a slip
        clock.at(asked, minutes=rng.randrange(600))
        store.set_record(workbook_id, record_id, status="requested", requested_on=said_asked)
        if came > today:
            continue  # still waiting
        clock.at(came, minutes=rng.randrange(600))
        if rng.random() < 0.1:
            store.set_record(workbook_id, record_id, status="received")  # by mistake
            clock.step()
            store.set_record(workbook_id, record_id, status="requested")
            came += timedelta(days=rng.randrange(1, 10))
            if came > today:
                continue
            clock.at(came, minutes=rng.randrange(600))
        store.set_record(
            workbook_id, record_id, status=rng.choice(["received", "received", "sent"])
        )
        sent = came + timedelta(days=rng.randrange(1, 10))
        if sent <= today and rng.random() < 0.4:
            clock.at(sent, minutes=rng.randrange(600))
            store.set_record(workbook_id, record_id, status="sent")


def _second_opinion(
    store: WorkbookStore,
    workbook_id: str,
    rng: random.Random,
    clock: StoreClock,
    started: date,
    today: date,
) -> None:
    if rng.random() < 0.3:
        return
    held = started + timedelta(
        days=rng.randrange(-20, 80) if rng.random() < 0.1 else rng.randrange(80)
    )
    if held > today:
        return
    clock.at(min(today, max(held, started)), minutes=rng.randrange(600))
    store.set_second_opinion_date(workbook_id, held)
    differs = rng.choice(DIFFERS)
    if differs is not None:
        clock.step()
        store.set_second_opinion_differs(workbook_id, differs)
