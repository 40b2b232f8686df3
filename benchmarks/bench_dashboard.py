"""How fast the dashboard feels, in headless Chromium against real Voilà servers on loopback.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_dashboard.py [--runs N]`). Reports:

- time to interactive (navigation → `workbook-ready`) of the dashboard as `make dashboard` serves
  it, and of a bare Voilà notebook with one button served the same way (the floor: the same
  command, pre-heated kernels included), alternating, as medians and as the ratio dashboard /
  bare. Each visit comes when both servers are quiet (their pools of pre-heated kernels full);
- response time from changing an intake answer to the page showing the re-tailored list, median
  and 95th percentile over 30 changes, for a new workbook and for one reopened through its private
  link with 60 answered questions and every record tracked;
- memory (resident set) per open dashboard kernel; of the kernel of a visit through every step
  down to its downloads (the CSV and two question sheets built); and per pre-heated kernel
  waiting in the pool (times the pool size: what the pool costs).

`SECOND_OPINION_POOL_SIZE` sets the pool of both servers, as it does for `make dashboard` (0: no
pre-heated kernels).

Machines here are shared and noisy: compare the ratios, not the raw seconds. Figures go to
benchmarks/results/bench_dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.dashboard import CHROMIUM, CHROMIUM_ARGS, DashboardServer  # noqa: E402
from harness.pages import (  # noqa: E402
    COMPARE,
    EXPORT,
    NEXT_STEPS,
    QUESTIONS,
    RECORDS,
    open_step,
)
from secondopinion import Situation, load_content, tailor  # noqa: E402
from secondopinion.serving import pool_size  # noqa: E402
from secondopinion.store import WorkbookStore  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "bench_dashboard.json"
TARGETS = {"tti_ratio": 1.2, "response_median_ms": 100.0, "response_p95_ms": 200.0, "rss_mb": 150.0}
STATUSES = [  # answers to "How serious is it?": each one changes the list from the one before
    "I was told it is terminal, or that nothing more can be done",
    "Advanced, or it has spread",
    "It has come back after treatment",
    "Found early",
]
# Changes an intake answer, then waits until the re-tailored list shows up in the page.
RESPONSE_JS = """async (label) => {
  const summary = document.querySelector('.workbook-list-so-far');
  const before = summary.innerText;
  const input = [...document.querySelectorAll('.field-seriousness label')]
    .find(l => l.innerText.trim() === label).querySelector('input');
  const start = performance.now();
  await new Promise((resolve, reject) => {
    const watcher = new MutationObserver(() => {
      if (summary.innerText !== before) { watcher.disconnect(); resolve(); }
    });
    watcher.observe(summary, {subtree: true, childList: true, characterData: true});
    setTimeout(() => { watcher.disconnect(); reject(new Error('no new list in 60 s')); }, 60000);
    input.click();
  });
  return performance.now() - start;
}"""


def bare_notebook(folder: Path) -> Path:
    """The floor: a notebook showing one button, marked ready the way the dashboard is."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import ipywidgets as w\n"
            "button = w.Button(description='Hello')\n"
            "button.add_class('workbook-app')\n"
            "display(button)\n"
            "button.add_class('workbook-ready')"
        )
    ]
    path = folder / "bare.ipynb"
    nbformat.write(notebook, path)
    return path


def settle(*servers: DashboardServer, quiet_s: float = 2.0, timeout_s: float = 120.0) -> None:
    """Wait until the servers and their kernels have used no CPU for ``quiet_s`` seconds.

    A visit takes a pre-heated kernel and Voilà starts another one a second later; waiting for
    quiet means each visit meets a server whose pool is full again, as most real visits do.
    """
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    before = _cpu_seconds(servers)
    while time.monotonic() - quiet_since < quiet_s:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the servers did not settle within {timeout_s} s")
        time.sleep(0.25)
        now = _cpu_seconds(servers)
        if now - before > 0.02:  # more than 8 % of one core during the last 0.25 s
            quiet_since = time.monotonic()
        before = now


def _cpu_seconds(servers: tuple[DashboardServer, ...]) -> float:
    total = 0.0
    for server in servers:
        root = psutil.Process(server.process.pid)
        for process in [root, *root.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


def time_to_interactive(browser: Browser, url: str) -> float:
    context = browser.new_context()
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".workbook-ready", timeout=120_000)
        return time.perf_counter() - start
    finally:
        context.close()


def response_times(page: Page, changes: int) -> list[float]:
    times = []
    for n in range(changes):
        times.append(float(page.evaluate(RESPONSE_JS, STATUSES[n % len(STATUSES)])))
    return times


def busy_workbook(data_dir: Path) -> str:
    """A workbook with 60 answered questions and every record tracked; returns its token."""
    content = load_content()
    store = WorkbookStore.open(data_dir)
    summary, token = store.create_workbook("Busy", "navigator")
    answers = {
        "diagnosis_kind": "cancer",
        "seriousness": "advanced",
        "treatment_status": ["in_treatment"],
    }
    store.set_answers(summary.id, answers)
    plan = tailor(Situation.from_answers(answers, content.intake), content)
    question_ids = [q.id for q in plan.questions] + [q.id for q in content.questions]
    for item_id in list(dict.fromkeys(question_ids))[:60]:
        store.set_question(summary.id, item_id, starred=True, answer=f"Answer to {item_id}")
    for record in content.records:
        store.set_record(summary.id, record.id, status="requested", from_whom="Records office")
    store.close()
    return token


def whole_visit(page: Page, link: str) -> None:
    """Open the busy workbook and every step, down to its CSV and question sheets being built."""
    page.goto(link)
    page.wait_for_selector(".workbook-ready", timeout=120_000)
    for hook in (QUESTIONS, RECORDS, NEXT_STEPS, COMPARE, EXPORT):
        open_step(page, hook)
    page.wait_for_selector(".workbook-download-sheet a >> nth=1", timeout=120_000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))])


def kernel_memory_mb(server: DashboardServer, *, pooled: bool = False) -> list[float]:
    """Resident memory of the server's kernels that served a visit (or, ``pooled``, still wait).

    A pre-heated kernel waits for its visit on a connection to the server; no other kernel has
    one.
    """
    sizes = []
    for kernel in psutil.Process(server.process.pid).children(recursive=True):
        waiting = any(
            conn.raddr and conn.raddr.port == server.port
            for conn in kernel.net_connections(kind="tcp")
        )
        if waiting == pooled:
            sizes.append(kernel.memory_info().rss / 2**20)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating runs for each figure")
    parser.add_argument("--changes", type=int, default=30, help="answer changes to time")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    (folder / "dashboard").mkdir()  # each server's voila.log goes next to its data folder
    (folder / "bare").mkdir()
    dashboard = DashboardServer(folder / "dashboard" / "data")
    bare = DashboardServer(folder / "bare" / "data", notebook=bare_notebook(folder))
    results: dict[str, object] = {"pool_size": pool_size()}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            time_to_interactive(browser, dashboard.url)  # warm both servers once
            time_to_interactive(browser, bare.url)
            tti_dashboard, tti_bare = [], []
            for _ in range(args.runs):
                settle(dashboard, bare)
                tti_dashboard.append(time_to_interactive(browser, dashboard.url))
                settle(dashboard, bare)
                tti_bare.append(time_to_interactive(browser, bare.url))
            results["tti_dashboard_runs_s"] = tti_dashboard
            results["tti_bare_runs_s"] = tti_bare
            results["tti_dashboard_s"] = statistics.median(tti_dashboard)
            results["tti_bare_s"] = statistics.median(tti_bare)
            results["tti_ratio"] = results["tti_dashboard_s"] / results["tti_bare_s"]

            link = f"{dashboard.url}#workbook={busy_workbook(dashboard.data_dir)}"
            for name, url in (("new", dashboard.url), ("busy", link)):
                context = browser.new_context()
                page = context.new_page()
                page.goto(url)
                page.wait_for_selector(".workbook-ready", timeout=120_000)
                if name == "busy":
                    tti_busy = []
                    for _ in range(args.runs):
                        settle(dashboard, bare)
                        tti_busy.append(time_to_interactive(browser, link))
                    results["tti_busy_s"] = statistics.median(tti_busy)
                times = response_times(page, args.changes)
                results[f"response_{name}_median_ms"] = statistics.median(times)
                results[f"response_{name}_p95_ms"] = percentile(times, 0.95)
                context.close()

            if results["pool_size"]:
                settle(dashboard)
                pooled = kernel_memory_mb(dashboard, pooled=True)
                results["rss_mb_per_pooled_kernel"] = statistics.median(pooled)
                results["rss_mb_pool"] = results["rss_mb_per_pooled_kernel"] * len(pooled)

            contexts = [browser.new_context() for _ in range(3)]
            for context in contexts:
                context.new_page().goto(dashboard.url)
            for context in contexts:
                context.pages[0].wait_for_selector(".workbook-ready", timeout=120_000)
            memory = kernel_memory_mb(dashboard)
            results["rss_mb_per_kernel_max"] = max(memory)
            results["rss_mb_per_kernel_median"] = statistics.median(memory)
            for context in contexts:
                context.close()

            context = browser.new_context()
            whole_visit(context.new_page(), link)
            results["rss_mb_after_whole_visit"] = max(kernel_memory_mb(dashboard))
            context.close()

            browser.close()
    finally:
        dashboard.stop()
        bare.stop()

    results["machine"] = {
        "cpus": psutil.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 2**30,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    report(results)
    return 0


def report(results: dict[str, object]) -> None:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    r = {k: v for k, v in results.items() if isinstance(v, float)}
    rows = [
        ("time to interactive, dashboard", f"{r['tti_dashboard_s']:.2f} s", ""),
        ("time to interactive, bare notebook", f"{r['tti_bare_s']:.2f} s", ""),
        (
            "ratio dashboard / bare",
            f"{r['tti_ratio']:.2f}",
            f"<= {TARGETS['tti_ratio']}  {mark(r['tti_ratio'] <= TARGETS['tti_ratio'])}",
        ),
        ("time to interactive, busy private link", f"{r['tti_busy_s']:.2f} s", ""),
    ]
    for name in ("new", "busy"):
        median, p95 = r[f"response_{name}_median_ms"], r[f"response_{name}_p95_ms"]
        rows.append(
            (
                f"response, {name} workbook, median",
                f"{median:.0f} ms",
                f"< {TARGETS['response_median_ms']:.0f}  "
                f"{mark(median < TARGETS['response_median_ms'])}",
            )
        )
        rows.append(
            (
                f"response, {name} workbook, p95",
                f"{p95:.0f} ms",
                f"< {TARGETS['response_p95_ms']:.0f}  {mark(p95 < TARGETS['response_p95_ms'])}",
            )
        )
    rss = r["rss_mb_per_kernel_max"]
    rows.append(("memory per open dashboard (max)", f"{rss:.0f} MB", f"< 150  {mark(rss < 150)}"))
    used = r["rss_mb_after_whole_visit"]
    rows.append(
        (
            "memory after every step and the downloads",
            f"{used:.0f} MB",
            f"< 150  {mark(used < 150)}",
        )
    )
    if "rss_mb_pool" in r:
        rows.append(
            ("memory per waiting pre-heated kernel", f"{r['rss_mb_per_pooled_kernel']:.0f} MB", "")
        )
        rows.append(
            (
                f"memory of the pool ({results['pool_size']} kernels)",
                f"{r['rss_mb_pool']:.0f} MB",
                "",
            )
        )
    width = max(len(name) for name, _, _ in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    sys.exit(main())
