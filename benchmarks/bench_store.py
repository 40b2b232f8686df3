"""How fast the session store saves, exports the roster, and reopens a workbook.

Run: ``.venv/bin/python benchmarks/bench_store.py [--sessions N] [--saves N] [--opens N]``

Everything happens in a new temporary folder (never ./data), which is removed at the end.

- Save latency: single changes through the public API (an answer, a question, a record, the
  notes), each its own committed transaction, one after another on one workbook.
  Baseline: a bare ``sqlite3`` INSERT + COMMIT into a one-table database in the same folder, with
  the store's settings (WAL, synchronous=FULL).
- Roster export: ``roster(store, content)`` then ``to_csv_bytes`` over N workbooks (default
  10,000). The workbooks are written straight into the tables in one transaction (the API would
  take minutes), each with random valid answers, 5-15 question states, 0-3 own questions,
  3-8 record states and notes. Baseline: ``SELECT * FROM sessions`` with ``sqlite3`` into a
  DataFrame and ``to_csv``, the floor of reading and writing that many rows.
- Reopening: a new kernel opening a workbook from its private link among the N, i.e.
  ``WorkbookStore.open()`` + ``workbook_id_for_token`` + ``load``, and the same on an already open
  store. Baseline: a bare ``sqlite3`` connect + primary-key SELECT of the session row.

Targets: a save under 5 ms (p95), the roster export of 10,000 workbooks under 2 s, reopening a
workbook under 50 ms (p95). Each prints PASS or FAIL; the script exits 0 unless something raised.
The figures go to ``benchmarks/results/bench_store.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import platform
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from secondopinion import Content, load_content
from secondopinion.content import Field
from secondopinion.documents.exports import roster, to_csv_bytes
from secondopinion.store import WorkbookStore
from secondopinion.store import _schema as schema

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_backends import compare

RESULTS = Path(__file__).resolve().parent / "results" / "bench_store.json"
SAVE_TARGET_MS = 5.0
ROSTER_TARGET_S = 2.0
REOPEN_TARGET_MS = 50.0
FREE_TEXT = [
    "chronic myeloid leukemia",
    "Stage II <b>melanoma</b>, per the report",
    "سرطان الثدي",
    "🎗️ not sure what they called it",
    "=not a formula",
]


def timed_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - start) / 1e6


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": statistics.median(values),
        "p95_ms": percentile(values, 0.95),
        "min_ms": min(values),
        "max_ms": max(values),
    }


def random_answer(field: Field, rng: random.Random) -> object:
    if field.kind == "one_choice":
        return rng.choice(field.choice_ids)
    if field.kind == "several_choices":
        return rng.sample(field.choice_ids, rng.randint(1, len(field.choice_ids)))
    if field.kind == "yes_no":
        return rng.random() < 0.5
    if field.kind == "date":
        return (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))).isoformat()
    return rng.choice(FREE_TEXT)


# --------------------------------------------------------------------------- saves


def bench_saves(folder: Path, content: Content, saves: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    questions = [q.id for q in content.questions]
    records = [r.id for r in content.records]
    fields = list(content.intake.fields)
    statuses = ["needed", "requested", "received", "sent"]
    with WorkbookStore.open(folder / "saves") as store:
        sid = store.create_workbook("Bench", "patient")[0].id

        def change(n: int) -> Callable[[], object]:
            kind = n % 4
            if kind == 0:
                spec = rng.choice(fields)
                value = random_answer(spec, rng)
                return lambda: store.set_answers(sid, {spec.id: value})
            if kind == 1:
                item, text = rng.choice(questions), f"answer {n} {rng.choice(FREE_TEXT)}"
                return lambda: store.set_question(sid, item, answer=text)
            if kind == 2:
                item, status = rng.choice(records), rng.choice(statuses)
                return lambda: store.set_record(sid, item, status=status, note=f"note {n}")
            return lambda: store.set_notes(sid, f"notes, version {n}")

        for n in range(50):  # warm up
            change(n)()
        gc.collect()
        times = [timed_ms(change(n)) for n in range(saves)]
        changes = len(store.changes(sid))

    base_path = folder / "baseline.sqlite3"
    conn = sqlite3.connect(base_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT)")

    def insert(n: int) -> None:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (value) VALUES (?)", (f"value {n}",))
        conn.execute("COMMIT")

    for n in range(50):
        insert(n)
    baseline = [timed_ms(lambda n=n: insert(n)) for n in range(saves)]
    conn.close()

    saved = summary(times)
    return {
        "saves": saves,
        "change_log_rows": changes,
        "save": saved,
        "baseline_sqlite3_insert_commit": summary(baseline),
        "ratio_to_baseline_median": saved["median_ms"] / statistics.median(baseline),
        "ratio_to_baseline_p95": saved["p95_ms"] / percentile(baseline, 0.95),
        "target_ms": SAVE_TARGET_MS,
        "passed": saved["p95_ms"] < SAVE_TARGET_MS,
    }


# --------------------------------------------------------------------------- many workbooks


def populate(store_dir: Path, content: Content, count: int, seed: int) -> dict[str, str]:
    """Write ``count`` workbooks straight into the tables; return {token: id} for 1 in 20."""
    rng = random.Random(seed)
    WorkbookStore.open(store_dir).close()  # create the schema
    questions = [q.id for q in content.questions]
    records = [r.id for r in content.records]
    audiences = [a.id for a in content.audiences]
    rows: dict[str, list[dict[str, object]]] = {
        name: [] for name in ("sessions", "answers", "question_states", "own_questions")
    }
    rows["record_states"], rows["changes"] = [], []
    tokens: dict[str, str] = {}
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n in range(count):
        sid = secrets.token_hex(6)
        token = secrets.token_urlsafe(32)
        if n % 20 == 0:
            tokens[token] = sid
        created = start + dt.timedelta(minutes=n)
        at = (created + dt.timedelta(days=rng.randrange(60))).isoformat(timespec="microseconds")
        rows["sessions"].append(
            {
                "id": sid,
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "display_name": f"Person {n}",
                "created_by": rng.choice(["patient", "navigator"]),
                "created_at": created.isoformat(timespec="microseconds"),
                "updated_at": at,
                "notes": rng.choice(["", "Calls back on Tuesdays.", "Needs an interpreter."]),
                "notes_updated_at": at,
            }
        )
        for spec in content.intake.fields:
            if rng.random() < 2 / 3:
                value = random_answer(spec, rng)
                rows["answers"].append(
                    {"session_id": sid, "field_id": spec.id, "value_json": value, "updated_at": at}
                )
                rows["changes"].append(
                    {
                        "session_id": sid,
                        "at": at,
                        "section": "situation",
                        "item_id": spec.id,
                        "field": "answer",
                        "old_json": None,
                        "new_json": value,
                    }
                )
        for item in rng.sample(questions, rng.randint(5, 15)):
            rows["question_states"].append(
                {
                    "session_id": sid,
                    "item_id": item,
                    "starred": rng.random() < 0.5,
                    "asked": rng.random() < 0.3,
                    "answer": rng.choice(["", "", rng.choice(FREE_TEXT)]),
                    "updated_at": at,
                }
            )
        for k in range(rng.randint(0, 3)):
            rows["own_questions"].append(
                {
                    "session_id": sid,
                    "id": f"own_{secrets.token_hex(8)}",
                    "text": f"My own question {k}?",
                    "audience": rng.choice([None, *audiences]),
                    "starred": False,
                    "asked": rng.random() < 0.5,
                    "answer": "",
                    "created_at": at,
                    "updated_at": at,
                }
            )
        for item in rng.sample(records, rng.randint(3, 8)):
            status = rng.choice(["needed", "requested", "received", "sent"])
            requested = (created + dt.timedelta(days=rng.randrange(30))).date().isoformat()
            rows["record_states"].append(
                {
                    "session_id": sid,
                    "item_id": item,
                    "status": status,
                    "from_whom": "City Hospital",
                    "requested_on": requested if status != "needed" else None,
                    "note": "",
                    "updated_at": at,
                }
            )
    engine = sa.create_engine(f"sqlite:///{store_dir / 'workbooks.sqlite3'}")
    with engine.begin() as conn:
        for name, batch in rows.items():
            if batch:
                conn.execute(sa.insert(schema.METADATA.tables[name]), batch)
    engine.dispose()
    return tokens


def bench_roster(store_dir: Path, content: Content, count: int) -> dict[str, object]:
    with WorkbookStore.open(store_dir) as store:
        roster(store.overviews()[:50], content)  # warm up
        gc.collect()
        start = time.perf_counter()
        table = roster(store, content)
        tabled = time.perf_counter()
        data = to_csv_bytes(table)
        done = time.perf_counter()
        # the parts: reading, then making the table from what was read
        read_start = time.perf_counter()
        overviews = store.overviews()
        read_s = time.perf_counter() - read_start
        load_all_start = time.perf_counter()
        store.load_all()
        load_all_s = time.perf_counter() - load_all_start

    def baseline() -> None:
        conn = sqlite3.connect(store_dir / "workbooks.sqlite3")
        frame = pd.DataFrame(
            conn.execute("SELECT * FROM sessions").fetchall(),
            columns=[d[0] for d in conn.execute("SELECT * FROM sessions LIMIT 0").description],
        )
        conn.close()
        frame.to_csv(index=False)

    base_ms = min(timed_ms(baseline) for _ in range(3))
    total_s = done - start
    return {
        "workbooks": count,
        "rows": len(table),
        "csv_bytes": len(data),
        "roster_s": tabled - start,
        "of_which_overviews_s": read_s,
        "to_csv_bytes_s": done - tabled,
        "load_all_every_workbook_in_full_s": load_all_s,
        "overviews": len(overviews),
        "total_s": total_s,
        "baseline_select_to_csv_s": base_ms / 1000,
        "ratio_to_baseline": total_s / (base_ms / 1000),
        "target_s": ROSTER_TARGET_S,
        "passed": total_s < ROSTER_TARGET_S and len(table) == count,
    }


def bench_reopen(
    store_dir: Path, tokens: dict[str, str], opens: int, seed: int
) -> dict[str, object]:
    rng = random.Random(seed)
    chosen = [rng.choice(list(tokens)) for _ in range(opens)]

    def cold(token: str) -> None:
        with WorkbookStore.open(store_dir) as store:
            sid = store.workbook_id_for_token(token)
            assert sid == tokens[token]
            store.load(sid)

    for token in chosen[:10]:
        cold(token)
    gc.collect()
    cold_ms = [timed_ms(lambda t=t: cold(t)) for t in chosen]
    with WorkbookStore.open(store_dir) as store:

        def warm(token: str) -> None:
            sid = store.workbook_id_for_token(token)
            assert sid is not None
            store.load(sid)

        warm_ms = [timed_ms(lambda t=t: warm(t)) for t in chosen]

    def bare(token: str) -> None:
        conn = sqlite3.connect(store_dir / "workbooks.sqlite3")
        conn.execute("SELECT * FROM sessions WHERE id = ?", (tokens[token],)).fetchone()
        conn.close()

    base_ms = [timed_ms(lambda t=t: bare(t)) for t in chosen]
    cold_summary = summary(cold_ms)
    return {
        "opens": opens,
        "open_token_load": cold_summary,
        "token_load_on_open_store": summary(warm_ms),
        "baseline_sqlite3_connect_select": summary(base_ms),
        "ratio_to_baseline_median": cold_summary["median_ms"] / statistics.median(base_ms),
        "target_ms": REOPEN_TARGET_MS,
        "passed": cold_summary["p95_ms"] < REOPEN_TARGET_MS,
    }


def verdict(passed: object) -> str:
    return "PASS" if passed else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000, help="workbooks in the store")
    parser.add_argument("--saves", type=int, default=2000, help="single changes to time")
    parser.add_argument("--opens", type=int, default=200, help="workbooks to reopen")
    parser.add_argument("--seed", type=int, default=20260101, help="seed for the random data")
    parser.add_argument("--backend-workbooks", type=int, default=1000, help="per back end")
    parser.add_argument("--backend-saves", type=int, default=500, help="per back end")
    args = parser.parse_args(argv)

    content = load_content()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as temp:
        folder = Path(temp)
        saves = bench_saves(folder, content, args.saves, args.seed)
        store_dir = folder / "many"
        fill_start = time.perf_counter()
        tokens = populate(store_dir, content, args.sessions, args.seed)
        fill_s = time.perf_counter() - fill_start
        db_bytes = (store_dir / "workbooks.sqlite3").stat().st_size
        roster_figures = bench_roster(store_dir, content, args.sessions)
        reopen = bench_reopen(store_dir, tokens, args.opens, args.seed)
        backends = compare(folder, content, args.backend_workbooks, args.backend_saves)

    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.platform(),
        "store_with_many": {"workbooks": args.sessions, "bytes": db_bytes, "fill_s": fill_s},
        "save": saves,
        "roster_export": roster_figures,
        "reopen": reopen,
        "backends": backends,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    s, sb = saves["save"], saves["baseline_sqlite3_insert_commit"]
    o, ow, ob = (
        reopen["open_token_load"],
        reopen["token_load_on_open_store"],
        reopen["baseline_sqlite3_connect_select"],
    )
    assert isinstance(s, dict) and isinstance(sb, dict)
    assert isinstance(o, dict) and isinstance(ow, dict) and isinstance(ob, dict)
    r = roster_figures
    rows = [
        ("measure", "median", "p95", "baseline median", "ratio", "target", ""),
        (
            f"save one change ({args.saves})",
            f"{s['median_ms']:.2f} ms",
            f"{s['p95_ms']:.2f} ms",
            f"{sb['median_ms']:.2f} ms",
            f"{saves['ratio_to_baseline_median']:.1f}x",
            f"p95 < {SAVE_TARGET_MS:g} ms",
            verdict(saves["passed"]),
        ),
        (
            f"roster export ({args.sessions:,})",
            f"{r['total_s']:.2f} s",
            "",
            f"{r['baseline_select_to_csv_s']:.2f} s",
            f"{r['ratio_to_baseline']:.1f}x",
            f"< {ROSTER_TARGET_S:g} s",
            verdict(r["passed"]),
        ),
        (
            f"reopen by link ({args.opens})",
            f"{o['median_ms']:.2f} ms",
            f"{o['p95_ms']:.2f} ms",
            f"{ob['median_ms']:.2f} ms",
            f"{reopen['ratio_to_baseline_median']:.1f}x",
            f"p95 < {REOPEN_TARGET_MS:g} ms",
            verdict(reopen["passed"]),
        ),
        (
            "  same, store already open",
            f"{ow['median_ms']:.2f} ms",
            f"{ow['p95_ms']:.2f} ms",
            "",
            "",
            "",
            "",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(
        f"Roster export parts: roster() {r['roster_s']:.2f} s (reading the overviews"
        f" {r['of_which_overviews_s']:.2f} s), CSV {r['to_csv_bytes_s']:.2f} s"
        f" ({r['csv_bytes']:,} bytes). Reading every workbook in full (load_all):"
        f" {r['load_all_every_workbook_in_full_s']:.2f} s."
    )
    print(
        f"Store with {args.sessions:,} workbooks: {db_bytes / 1e6:.1f} MB,"
        f" filled in {fill_s:.1f} s."
    )
    print(f"\nThe same work on both back ends ({backends['workbooks']:,} workbooks):")
    sq, pg, ratio = backends["sqlite"], backends["postgresql"], backends["ratio_pg_to_sqlite"]
    assert isinstance(sq, dict) and isinstance(pg, dict) and isinstance(ratio, dict)
    for key, label in (
        ("create_ms", "create a workbook (median ms)"),
        ("save_ms", "save one change (median ms)"),
        ("reopen_ms", "reopen by link (median ms)"),
        ("roster_s", "roster of every workbook (s)"),
    ):
        print(f"  {label:32} SQLite {sq[key]:>8}   PostgreSQL {pg[key]:>8}   {ratio[key]}x")
    print(f"Figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
