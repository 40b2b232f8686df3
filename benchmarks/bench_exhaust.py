"""Hard to exhaust: 300 anonymous page loads in a bounded loop, then a real visitor.

Starts the dashboard the way ``make dashboard`` does, then loads the page 300 times with plain
HTTP GETs from one loopback address (127.0.0.2: a script hammering the server), one after
another, each bounded in time, the whole loop bounded too. None of them opens a browser, so their
kernels are never connected. Meanwhile the memory of Voilà and all its kernels is sampled; at the
end a real visitor (Chromium, from 127.0.0.1) opens the page and must get the dashboard.

Passes when the memory never went over ``MEMORY_CAP_MB`` and the visitor got the dashboard.
Figures go to ``benchmarks/results/bench_exhaust.json`` (git-ignored). Loopback only.
"""

from __future__ import annotations

import http.client
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from secondopinion.serving._kernels import kernels_per_address, max_kernels  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DashboardServer,
    open_workbook,
)

LOADS = 300
"""Anonymous page loads fired."""

LOAD_TIMEOUT = 60.0
"""Seconds one load may take (a load that gets a kernel waits for the page to render)."""

LOOP_LIMIT = 900.0
"""Seconds the whole loop may take; it stops there whatever is left."""

MEMORY_CAP_MB = 2048
"""What Voilà and all its kernels may hold at most: the per-address cap keeps one address to
``KERNELS_PER_ADDRESS`` kernels (about 90 MB each) plus the pool, well under this."""

RESULTS = REPO / "benchmarks" / "results" / "bench_exhaust.json"


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


def main() -> int:
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
    results = {
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
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    ok = visitor_ok and peak < MEMORY_CAP_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
