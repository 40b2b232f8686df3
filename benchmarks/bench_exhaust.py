"""Hard to exhaust: page loads, the disk, and a crafted ``Accept-Language``, each within bounds.

Three parts (``--parts`` picks some; all three by default):

- **loads**: starts the dashboard the way ``make dashboard`` does, then loads the page 300 times
  with plain HTTP GETs from one loopback address (127.0.0.2: a script hammering the server), one
  after another, each bounded in time, the whole loop bounded too. None of them opens a browser,
  so their kernels are never connected. Meanwhile the memory of Voilà and all its kernels is
  sampled; at the end a real visitor (Chromium, from 127.0.0.1) opens the page and must get the
  dashboard. Within bounds when the memory never went over ``MEMORY_CAP_MB`` and the visitor got
  the dashboard.
- **fill**: an attacker starts workbooks and fills each with as much as it takes
  (``FILL_TEXTS`` answers of ``MAX_TEXT_CHARS`` characters, about 3.4 MB of text, as the red
  team did), through the store as the dashboard's kernels use it, on fresh SQLite stores with
  the default bounds except the total size (``FILL_STORE_MB``, so that the run stays short).
  First from one address until refused: within bounds when it got no more new workbooks than one
  address may start in an hour. Then from ever new addresses until the store refuses new
  workbooks, and then by filling every workbook it has again (``FILL_AGAIN`` times, or until
  changes are refused too): within bounds when new workbooks were refused and the store holds no
  more than its limit plus the reserve kept for changes (and ``FILL_SLACK_MB``, about one
  change).
- **accept-language**: the page's language is read from headers crafted to be slow, each as long
  as the server takes a request's headers (``HEADER_CHARS``): within bounds when each costs
  under ``ACCEPT_LANGUAGE_LIMIT_MS`` of CPU.

Figures go to ``benchmarks/results/bench_exhaust.json`` (git-ignored). Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from secondopinion.language import (  # noqa: E402
    MAX_ACCEPT_LANGUAGE_CHARS,
    preferred_language,
)
from secondopinion.store import (  # noqa: E402
    ENV_MAX_STORE_MB,
    MAX_TEXT_CHARS,
    StoreFullError,
    TooManyNewWorkbooksError,
    WorkbookStore,
    _limits,
    new_workbooks_per_hour,
)

PARTS = ("loads", "fill", "accept-language")

LOADS = 300
"""Anonymous page loads fired."""

LOAD_TIMEOUT = 60.0
"""Seconds one load may take (a load that gets a kernel waits for the page to render)."""

LOOP_LIMIT = 900.0
"""Seconds the whole loop may take; it stops there whatever is left."""

MEMORY_CAP_MB = 2048
"""What Voilà and all its kernels may hold at most: the per-address cap keeps one address to
``KERNELS_PER_ADDRESS`` kernels (about 90 MB each) plus the pool, well under this."""

FILL_TEXTS = 17
"""Answers of ``MAX_TEXT_CHARS`` characters the attacker writes into each workbook (3.4 MB)."""

FILL_STORE_MB = 256
"""The total size the fill runs against (``SECOND_OPINION_MAX_STORE_MB``; 4096 by default)."""

FILL_SLACK_MB = 2
"""What the store may hold past its bound: the last change let through (a few answers' worth)."""

FILL_AGAIN = 2
"""Once the store lets in no new workbook, how many times each is filled again with new text
(each workbook's change log keeps at most a few MB, so changes alone may never fill it)."""

FILL_LIMIT_S = 900.0
"""Seconds the fill from many addresses may take; it stops there whatever is left."""

HEADER_CHARS = 65_536
"""How long a crafted ``Accept-Language`` is: as long as the server takes a request's headers."""

ACCEPT_LANGUAGE_LIMIT_MS = 5.0
"""CPU one crafted header may cost to read (the regular expression it replaced: seconds)."""

RESULTS = REPO / "benchmarks" / "results" / "bench_exhaust.json"

MB = 2**20


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its children, in MB."""
    total = 0
    try:
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
    except psutil.NoSuchProcess:
        return 0.0
    return total / 2**20


def load(port: int) -> int:
    """One anonymous page load from 127.0.0.2; its status (0 when it failed)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=LOAD_TIMEOUT, source_address=("127.0.0.2", 0)
    )
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def run_loads() -> tuple[dict[str, Any], bool]:
    """300 anonymous page loads, then a real visitor: the figures, and whether within bounds."""
    from playwright.sync_api import sync_playwright

    from harness.dashboard import CHROMIUM, CHROMIUM_ARGS, DashboardServer, open_workbook
    from secondopinion.serving._kernels import kernels_per_address, max_kernels

    folder = Path(tempfile.mkdtemp(prefix="bench-exhaust-"))
    server = DashboardServer(folder / "data")
    peak = 0.0
    sampling = True

    def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, tree_rss_mb(server.process.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    statuses: dict[str, int] = {}
    started = time.monotonic()
    try:
        for _ in range(LOADS):
            if time.monotonic() - started > LOOP_LIMIT:
                break
            status = str(load(server.port))
            statuses[status] = statuses.get(status, 0) + 1
        loop_s = time.monotonic() - started
        kernels = len(psutil.Process(server.process.pid).children(recursive=True))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            visitor_ok = True
            try:
                open_workbook(page, server.url)
            except Exception:
                visitor_ok = False
            browser.close()
    finally:
        sampling = False
        sampler.join(timeout=5)
        peak = max(peak, tree_rss_mb(server.process.pid))
        server.stop()
    figures = {
        "loads": sum(statuses.values()),
        "statuses": statuses,
        "loop_s": round(loop_s, 1),
        "kernels_after_loop": kernels,
        "peak_memory_mb": round(peak),
        "memory_cap_mb": MEMORY_CAP_MB,
        "max_kernels": max_kernels(),
        "kernels_per_address": kernels_per_address(),
        "visitor_got_the_dashboard": visitor_ok,
    }
    return figures, visitor_ok and peak < MEMORY_CAP_MB


def _text(n: int) -> str:
    """A different answer of ``MAX_TEXT_CHARS`` characters each time."""
    return (f"{n:08d} " * (MAX_TEXT_CHARS // 9 + 1))[:MAX_TEXT_CHARS]


def _fill(store: WorkbookStore, workbook_id: str, first: int) -> int:
    """Write ``FILL_TEXTS`` long answers into one workbook; returns how many were saved."""
    saved = 0
    for n in range(FILL_TEXTS):
        store.set_comparison(workbook_id, "first", f"aspect_{n}", _text(first + n))
        saved += 1
    return saved


def _store_mb(store: WorkbookStore) -> float:
    path = store.path
    assert path is not None
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / MB


def run_fill() -> tuple[dict[str, Any], bool]:
    """The many-workbooks fill, from one address and then from many: figures, within bounds."""
    os.environ[ENV_MAX_STORE_MB] = str(FILL_STORE_MB)
    per_hour = new_workbooks_per_hour()
    one: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-fill-one-") as folder,
        WorkbookStore.open(folder) as store,
    ):
        started = time.monotonic()
        got = 0
        try:
            while got <= per_hour:
                summary, _ = store.create_workbook("", "patient", address="198.51.100.1")
                got += 1
                _fill(store, summary.id, got * FILL_TEXTS)
            refused_by = "nothing"
        except TooManyNewWorkbooksError:
            refused_by = "new workbooks per address per hour"
        one = {
            "workbooks_before_refused": got,
            "refused_by": refused_by,
            "new_workbooks_per_hour_allowed": per_hour,
            "store_mb": round(_store_mb(store), 1),
            "seconds": round(time.monotonic() - started, 1),
        }
    one_ok = refused_by != "nothing" and got <= per_hour

    many: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-fill-many-") as folder,
        WorkbookStore.open(folder) as store,
    ):
        limit = store.max_store_bytes
        assert limit is not None
        started = time.monotonic()
        workbooks: list[str] = []
        changes = 0
        refused = {"new workbooks": False, "changes": False}
        after_full = 0  # workbooks filled again once no new one was let in
        while time.monotonic() - started < FILL_LIMIT_S and not refused["changes"]:
            if refused["new workbooks"]:
                after_full += 1
                if after_full > FILL_AGAIN * len(workbooks):
                    break  # the old answers dropped from the log make room for the new
            if not refused["new workbooks"]:
                address = f"10.{len(workbooks) // 65536 % 256}.{len(workbooks) // 256 % 256}."
                address += str(len(workbooks) % 256)
                try:
                    summary, _ = store.create_workbook("", "patient", address=address)
                except StoreFullError:
                    refused["new workbooks"] = True
                    continue
                workbooks.append(summary.id)
                target = summary.id
            else:
                target = workbooks[changes % len(workbooks)]
            try:
                changes += _fill(store, target, 10_000_000 + changes)
            except StoreFullError:
                refused["changes"] = True
        with store._engine.connect() as conn:
            held = _limits.store_bytes(conn) or 0
        bound = limit * (1 + _limits.CHANGES_RESERVE) + FILL_SLACK_MB * MB
        many = {
            "workbooks_before_refused": len(workbooks),
            "answers_saved": changes,
            "refused": refused,
            "store_holds_mb": round(held / MB, 1),
            "files_mb": round(_store_mb(store), 1),
            "max_store_mb": round(limit / MB),
            "bound_mb_with_reserve": round(bound / MB, 1),
            "seconds": round(time.monotonic() - started, 1),
        }
        many_ok = refused["new workbooks"] and held <= bound
    return {"one_address": one, "many_addresses": many}, one_ok and many_ok


CRAFTED = {
    "spaces": "es" + " " * HEADER_CHARS + "x",
    "spaces after a weight": "es;q=0.5" + " " * HEADER_CHARS + "!",
    "many languages": "fr," * (HEADER_CHARS // 3) + "es",
    "many subtags": "es" + "-abc" * (HEADER_CHARS // 4),
    "a long weight": "es;q=0." + "9" * HEADER_CHARS,
    "many semicolons": "es" + ";" * HEADER_CHARS,
}


def run_accept_language() -> tuple[dict[str, Any], bool]:
    """Crafted headers of ``HEADER_CHARS`` characters: the CPU each costs, and within bounds."""
    costs = {}
    rounds = 200
    for name, header in CRAFTED.items():
        started = time.process_time()
        for _ in range(rounds):
            preferred_language(header)
        costs[name] = round((time.process_time() - started) / rounds * 1000, 4)
    worst = max(costs.values())
    figures = {
        "header_chars": HEADER_CHARS,
        "chars_read": MAX_ACCEPT_LANGUAGE_CHARS,
        "cpu_ms_per_header": costs,
        "worst_ms": worst,
        "limit_ms": ACCEPT_LANGUAGE_LIMIT_MS,
    }
    return figures, worst < ACCEPT_LANGUAGE_LIMIT_MS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"which parts, comma-separated: {PARTS}"
    )
    chosen = [p.strip() for p in parser.parse_args().parts.split(",") if p.strip()]
    runners = {"loads": run_loads, "fill": run_fill, "accept-language": run_accept_language}
    results: dict[str, Any] = {}
    within: dict[str, bool] = {}
    for part in chosen:
        figures, ok = runners[part]()
        results[part] = figures
        within[part] = ok
    results["within_bounds"] = within
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    ok = all(within.values())
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
