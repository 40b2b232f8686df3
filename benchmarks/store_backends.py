"""The same store work on SQLite and on a real PostgreSQL, side by side (run by bench_store.py).

Each back end gets a fresh store, then: single saves (one answer each, as a visitor's clicks
make them), creating workbooks, the roster of every workbook, and reopening a workbook by its
private link. PostgreSQL is a throw-away server started here (tests/store_support.py), on the
same machine, so the figures compare the back ends, not a network.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.postgres import PostgresServer
from secondopinion.content import Content
from secondopinion.documents.exports import roster
from secondopinion.store import WorkbookStore

Opener = Callable[[], WorkbookStore]


def _ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def run_one(open_store: Opener, content: Content, workbooks: int, saves: int) -> dict[str, float]:
    """Time the same work on one back end; milliseconds (medians) and seconds."""
    rng = random.Random(7)
    choices = [
        (f.id, c.id) for f in content.intake.fields if f.kind == "one_choice" for c in f.choices
    ]
    with open_store() as store:
        created, tokens = [], []
        for n in range(workbooks):
            start = time.perf_counter()
            summary, token = store.create_workbook(f"P{n}", "patient")
            created.append((time.perf_counter() - start) * 1000)
            tokens.append(token)
            field_id, choice = rng.choice(choices)
            store.set_answers(summary.id, {field_id: choice})
        target = store.workbook_id_for_token(tokens[0])
        assert target is not None
        save_ms = []
        for _ in range(saves):
            field_id, choice = rng.choice(choices)
            save_ms.append(_ms(lambda f=field_id, c=choice: store.set_answers(target, {f: c})))
        roster_s = _ms(lambda: roster(store, content)) / 1000
        reopen_ms = [
            _ms(lambda t=token: store.load(store.workbook_id_for_token(t) or ""))
            for token in rng.sample(tokens, min(100, len(tokens)))
        ]
    return {
        "create_ms": _median(created),
        "save_ms": _median(save_ms),
        "roster_s": round(roster_s, 3),
        "reopen_ms": _median(reopen_ms),
    }


@contextmanager
def postgres() -> Iterator[str]:
    """The URL of a fresh database on a throw-away PostgreSQL server."""
    server = PostgresServer().start()
    try:
        yield server.new_database()
    finally:
        server.stop()


def compare(folder: Path, content: Content, workbooks: int, saves: int) -> dict[str, object]:
    """Both back ends, and PostgreSQL's time as a ratio of SQLite's for each figure."""
    sqlite = run_one(lambda: WorkbookStore.open(folder / "backends"), content, workbooks, saves)
    with postgres() as url:
        pg = run_one(lambda: WorkbookStore.open(url=url), content, workbooks, saves)
    ratios = {key: round(pg[key] / sqlite[key], 2) if sqlite[key] else None for key in sqlite}
    return {
        "workbooks": workbooks,
        "sqlite": sqlite,
        "postgresql": pg,
        "ratio_pg_to_sqlite": ratios,
    }
