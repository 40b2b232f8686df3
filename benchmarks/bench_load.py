"""The dashboard under load: 20 people at once, each filling the intake and 20 answers.

Run: ``.venv/bin/python benchmarks/bench_load.py [--sessions 20] [--answers 20] [--runs 3]``

One real Voilà server, started the way ``make dashboard`` starts it, on loopback with a new
temporary data folder (removed at the end); one headless Chromium with one browser context per
person, driven with Playwright's asyncio API. It measures:

- time to interactive (navigation until the app carries ``workbook-ready``) for one person alone,
  the median of ``--runs`` visits one after another, after one warm-up visit;
- the same for ``--sessions`` people opening the dashboard at the same moment (median and
  slowest);
- then each of them, all at once, answers four intake questions and writes ``--answers`` answers
  to questions (each a different text), and the store is read back: the number of answers stored
  must equal the number sent, for every person;
- the time each person took to fill everything in and see it saved, and the memory of the
  server's kernels at the peak;
- last, the server alone, without a browser: the time until it has sent the whole page (a
  kernel started and the dashboard built in it) for one request, then for ``--sessions``
  requests at once. Here the browser and the server share the same cores, so this separates
  the server's share of the time to interactive from the browser's.

Every wait has a limit and the whole run a deadline (``--deadline``, 10 minutes), so the script
ends by itself; on 2 cores it takes two to four minutes. Nothing leaves loopback. The figures go
to ``benchmarks/results/bench_load.json`` (git-ignored) and are printed as a table. The exit code
is 1 if an answer went missing, else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
from playwright.async_api import Browser, Page, async_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.dashboard import CHROMIUM, CHROMIUM_ARGS, DashboardServer  # noqa: E402
from secondopinion.store import WorkbookStore  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "bench_load.json"
READY = ".workbook-app.workbook-ready"
STEPS = {"workbook-questions": "Questions to ask", "workbook-export": "Take it with you"}
INTAKE = {  # field id -> the label to choose; the answers that open the longest question list
    "filled_by": "I am the patient",
    "diagnosis_kind": "Cancer",
    "seriousness": "I was told it is terminal, or that nothing more can be done",
    "treatment_status": "Treatment stopped working, or symptoms are worse",
}
WAIT_MS = 180_000  # the longest any one thing may take in the page, under full load


@dataclass
class Person:
    """What one simulated person did and how long it took."""

    number: int
    tti_s: float = 0.0
    fill_s: float = 0.0
    token: str = ""
    answers_sent: int = 0
    intake_sent: int = 0
    texts: dict[str, str] = field(default_factory=dict)
    problem: str = ""


async def open_dashboard(browser: Browser, url: str) -> tuple[Page, float]:
    context = await browser.new_context()
    page = await context.new_page()
    start = time.perf_counter()
    await page.goto(url, timeout=WAIT_MS)
    await page.wait_for_selector(READY, timeout=WAIT_MS)
    return page, time.perf_counter() - start


async def open_step(page: Page, hook: str) -> None:
    button = page.locator(".workbook-nav").get_by_role("button", name=re.compile(STEPS[hook]))
    await button.click(timeout=WAIT_MS)
    await page.locator(f".{hook}").wait_for(state="visible", timeout=WAIT_MS)


async def fill_in(page: Page, person: Person, answers: int) -> None:
    """The intake, the private link, then ``answers`` written answers, each one left with Tab."""
    for field_id, label in INTAKE.items():
        await (
            page.locator(f".field-{field_id}")
            .get_by_label(label, exact=True)
            .check(timeout=WAIT_MS)
        )
        person.intake_sent += 1
    await open_step(page, "workbook-export")
    link = page.locator(".workbook-resume-link a")
    await link.wait_for(timeout=WAIT_MS)
    href = await link.get_attribute("href")
    assert href and "#workbook=" in href
    person.token = parse_qs(urlsplit(href).query)["session"][0]
    await open_step(page, "workbook-questions")
    rows = page.locator(".workbook-questions .workbook-question")
    await rows.nth(min(answers, 20) - 1).wait_for(timeout=WAIT_MS)
    count = min(answers, await rows.count())
    for index in range(count):
        row = rows.nth(index)
        classes = await row.get_attribute("class") or ""
        item_id = next(c[5:] for c in classes.split() if c.startswith("item-"))
        text = f"Person {person.number}, answer {index + 1}: ask about {item_id}."
        box = row.locator("textarea")
        await box.fill(text, timeout=WAIT_MS)
        await box.press("Tab", timeout=WAIT_MS)
        person.texts[item_id] = text
    person.answers_sent = count


def stored_counts(data_dir: Path, people: list[Person]) -> dict[int, tuple[int, int]]:
    """For each person: (intake answers stored, written answers stored that match what was sent)."""
    counts = {}
    with WorkbookStore.open(data_dir, create=False) as store:
        for person in people:
            session_id = store.workbook_id_for_token(person.token) if person.token else None
            if session_id is None:
                counts[person.number] = (0, 0)
                continue
            book = store.load(session_id)
            matching = sum(
                1
                for item_id, text in person.texts.items()
                if item_id in book.questions and book.questions[item_id].answer == text
            )
            counts[person.number] = (len(book.answers), matching)
    return counts


async def wait_saved(data_dir: Path, person: Person, started: float) -> None:
    """Poll the store (no fixed sleeps in the page) until all of this person's work is saved."""
    deadline = time.perf_counter() + (10 if person.problem else WAIT_MS / 1000)
    while time.perf_counter() < deadline:
        intake, written = (await asyncio.to_thread(stored_counts, data_dir, [person]))[
            person.number
        ]
        if intake == person.intake_sent and written == person.answers_sent:
            person.fill_s = time.perf_counter() - started
            return
        await asyncio.sleep(0.25)
    person.fill_s = float("nan")


async def one_person(
    browser: Browser, server: DashboardServer, person: Person, go: asyncio.Event
) -> Page:
    await go.wait()
    page, person.tti_s = await open_dashboard(browser, server.url)
    return page


async def run(args: argparse.Namespace, server: DashboardServer) -> dict[str, object]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            # one person alone: a warm-up visit, then the median of --runs visits
            page, _ = await open_dashboard(browser, server.url)
            await page.context.close()
            alone = []
            for _ in range(args.runs):
                page, seconds = await open_dashboard(browser, server.url)
                alone.append(seconds)
                await page.context.close()

            # everyone at once
            people = [Person(n + 1) for n in range(args.sessions)]
            go = asyncio.Event()
            opening = [asyncio.create_task(one_person(browser, server, p, go)) for p in people]
            go.set()
            pages = await asyncio.gather(*opening)
            peak_rss = kernel_rss_mb(server)

            async def work(page: Page, person: Person) -> None:
                started = time.perf_counter()
                try:
                    await fill_in(page, person, args.answers)
                except Exception as error:  # reported below; the others go on
                    alerts = await page.locator("[role=alert]").all_inner_texts()
                    lines = str(error).splitlines()
                    where = [line.strip() for line in lines if "waiting for" in line][:1]
                    person.problem = f"{type(error).__name__}: {lines[0]} {where}"
                    person.problem += f" | alerts on the page: {alerts}"
                await wait_saved(server.data_dir, person, started)

            await asyncio.gather(
                *(work(p, person) for p, person in zip(pages, people, strict=True))
            )
            peak_rss = max(peak_rss, kernel_rss_mb(server))
            counts = stored_counts(server.data_dir, people)
            for page in pages:
                await page.context.close()
        finally:
            await browser.close()
    server_alone, server_burst = await server_only(server.url, args.sessions)

    sent = sum(p.answers_sent for p in people)
    stored = sum(written for _, written in counts.values())
    intake_sent = sum(p.intake_sent for p in people)
    intake_stored = sum(intake for intake, _ in counts.values())
    tti_load = [p.tti_s for p in people]
    fills = [p.fill_s for p in people]
    return {
        "sessions": args.sessions,
        "answers_per_session": args.answers,
        "tti_single_median_s": statistics.median(alone),
        "tti_single_runs_s": alone,
        "tti_load_median_s": statistics.median(tti_load),
        "tti_load_max_s": max(tti_load),
        "tti_load_ratio": statistics.median(tti_load) / statistics.median(alone),
        "server_page_single_s": server_alone,
        "server_page_load_median_s": statistics.median(server_burst),
        "server_page_load_max_s": max(server_burst),
        "fill_and_save_median_s": statistics.median(fills),
        "fill_and_save_max_s": max(fills),
        "answers_sent": sent,
        "answers_stored": stored,
        "intake_answers_sent": intake_sent,
        "intake_answers_stored": intake_stored,
        "all_answers_stored": stored == sent
        and intake_stored == intake_sent
        and not any(p.problem for p in people),
        "problems": {p.number: p.problem for p in people if p.problem},
        "kernel_rss_mb_total_peak": peak_rss,
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": sys.version.split()[0],
        },
    }


def fetch_page(url: str) -> float:
    """Seconds until the server has sent the whole page (its kernel started, the notebook run)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=WAIT_MS / 1000) as response:
        body = response.read()
    assert b"jupyter-config-data" in body
    return time.perf_counter() - start


async def server_only(url: str, sessions: int) -> tuple[float, list[float]]:
    """The page from the server alone, no browser: one request, then ``sessions`` at once."""
    alone = await asyncio.to_thread(fetch_page, url)
    burst = await asyncio.gather(*(asyncio.to_thread(fetch_page, url) for _ in range(sessions)))
    return alone, list(burst)


def kernel_rss_mb(server: DashboardServer) -> float:
    total = 0.0
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            total += child.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    return total


def report(results: dict[str, object]) -> None:
    r = results
    rows = [
        ("people at once", f"{r['sessions']}"),
        ("time to interactive, one person alone (median)", f"{r['tti_single_median_s']:.2f} s"),
        (
            f"time to interactive, {r['sessions']} at once (median)",
            f"{r['tti_load_median_s']:.2f} s",
        ),
        (f"time to interactive, {r['sessions']} at once (slowest)", f"{r['tti_load_max_s']:.2f} s"),
        ("ratio at load / alone (medians)", f"{r['tti_load_ratio']:.2f}"),
        ("page sent by the server, no browser, alone", f"{r['server_page_single_s']:.2f} s"),
        (
            f"page sent by the server, no browser, {r['sessions']} at once (median)",
            f"{r['server_page_load_median_s']:.2f} s",
        ),
        (
            f"page sent by the server, no browser, {r['sessions']} at once (slowest)",
            f"{r['server_page_load_max_s']:.2f} s",
        ),
        ("intake + answers filled in and saved (median)", f"{r['fill_and_save_median_s']:.2f} s"),
        ("intake + answers filled in and saved (slowest)", f"{r['fill_and_save_max_s']:.2f} s"),
        ("written answers sent / stored", f"{r['answers_sent']} / {r['answers_stored']}"),
        (
            "intake answers sent / stored",
            f"{r['intake_answers_sent']} / {r['intake_answers_stored']}",
        ),
        (
            "memory of all kernels at the peak (closed tabs too)",
            f"{r['kernel_rss_mb_total_peak']:.0f} MB",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for number, problem in dict(r["problems"]).items():  # type: ignore[call-overload]
        print(f"person {number}: {problem}")
    print("\nEVERY ANSWER STORED" if r["all_answers_stored"] else "\nANSWERS MISSING")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="people at once")
    parser.add_argument("--answers", type=int, default=20, help="answers each person writes")
    parser.add_argument("--runs", type=int, default=3, help="visits alone, for the median")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds for everything")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = DashboardServer(folder / "data")
    started = time.perf_counter()
    try:
        results = asyncio.run(asyncio.wait_for(run(args, server), timeout=args.deadline))
    finally:
        server.stop()
        log = folder / "voila.log"
        if log.exists():
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, RESULTS.with_name("bench_load_voila.log"))
        shutil.rmtree(folder, ignore_errors=True)
    results["wall_clock_s"] = time.perf_counter() - started
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"\nFigures saved to {RESULTS.relative_to(REPO)}")
    return 0 if results["all_answers_stored"] else 1


if __name__ == "__main__":
    sys.exit(main())
