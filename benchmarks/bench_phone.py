"""The dashboard on a patient's phone over a mobile network, against a bare Voilà page.

In one run, the dashboard and a bare one-button Voilà page are served the same way (the same
command line, pre-heated kernels included) and opened in Chromium, under its own emulation of a
slow 4G phone (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, CPU slowed 4x) and on loopback:

- bytes transferred and requests made (HTTP requests that reached the network: answers from the
  browser's cache are not counted, a "304 not modified" is), for a first visit and a return
  visit (a new tab in the same browser profile, cache kept);
- time to interactive: until the dashboard's root has ``workbook-ready``, or the bare page's
  button is visible;
- on loopback, the time from an answer to the re-tailored list showing (median of 15);
- how long the kernel of a closed tab lives on, with the culling shortened (20 s idle, checked
  every 5 s) so it can be timed, while an open tab keeps its kernel.

Figures go to ``benchmarks/results/bench_phone.json``; run with ``make bench``.
"""

from __future__ import annotations

import faulthandler
import functools
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_dashboard import RESPONSE_JS, STATUSES, bare_notebook, settle  # noqa: E402

import harness.dashboard as harness  # noqa: E402
from harness.dashboard import CHROMIUM, CHROMIUM_ARGS, DashboardServer  # noqa: E402
from harness.pages import kernel_id  # noqa: E402
from secondopinion.serving._kernels import log_label  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "bench_phone.json"
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
CPU_SLOWDOWN = 4
TARGETS = {
    "first_visit_bytes": 1.5e6,
    "return_visit_bytes": 100e3,
    "return_visit_requests": 10,
    "slow4g_tti_s": 12.0,
    "slow4g_tti_ratio": 0.5,
    "loopback_tti_ratio": 1.0,
    "response_median_ms": 100.0,
}
READY = {
    "dashboard": ".workbook-app.workbook-ready",
    "bare": ".widget-button",
    "stock": ".widget-button",
}


class StockVoila:
    """The bare one-button page on a stock Voilà server: ``voila bare.ipynb``, default settings.

    No compression, no caching headers, every installed extension: the floor the issue measured
    (about 32 s on the slow phone), against which the "0.5 x bare" target is read.
    """

    def __init__(self, notebook: Path, log: Path) -> None:
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log.open("wb")
        voila = Path(sys.executable).with_name("voila")
        self.process = subprocess.Popen(
            [
                str(voila),
                str(notebook),
                "--no-browser",
                f"--port={self.port}",
                "--Voila.ip=127.0.0.1",
                "--Voila.port_retries=0",
            ],
            cwd=notebook.parent,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        DashboardServer._wait_until_up(self)  # type: ignore[arg-type]

    def stop(self) -> None:
        DashboardServer.stop(self)  # type: ignore[arg-type]


class Traffic:
    """What one tab fetched over the network, from Chromium's own network events (CDP)."""

    def __init__(self, page: Page, *, slow: bool) -> None:
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.session.send("Network.setCacheDisabled", {"cacheDisabled": False})
        if slow:
            self.session.send("Network.emulateNetworkConditions", SLOW_4G)
            self.session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        self.cached: set[str] = set()
        self.sizes: dict[str, float] = {}
        self.session.on("Network.requestServedFromCache", self._from_cache)
        self.session.on("Network.responseReceived", self._response)
        self.session.on("Network.loadingFinished", self._finished)

    def _from_cache(self, event: dict[str, Any]) -> None:
        self.cached.add(event["requestId"])

    def _response(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    def _finished(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] = float(event["encodedDataLength"])

    def figures(self) -> tuple[float, int]:
        network = {key: size for key, size in self.sizes.items() if key not in self.cached}
        return sum(network.values()), len(network)


OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/]|\[::1\])")


def visit(context: BrowserContext, url: str, kind: str, *, slow: bool) -> dict[str, float]:
    page = context.new_page()
    traffic = Traffic(page, slow=slow)
    start = time.perf_counter()
    page.goto(url, timeout=180_000)
    page.wait_for_selector(READY[kind], state="visible", timeout=180_000)
    tti = time.perf_counter() - start
    page.wait_for_timeout(1500)  # let late requests (the kernel's channel, images) finish
    traffic.session.detach()
    size, requests = traffic.figures()
    page.close()
    return {"tti_s": tti, "bytes": size, "requests": requests}


def first_and_return(
    browser: Browser, servers: dict[str, Any], *, slow: bool
) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for kind, server in servers.items():
        context = browser.new_context(viewport={"width": 412, "height": 915})
        if kind == "stock":
            # Stock Voilà links Font Awesome from a public CDN, and this machine has no outside
            # network: refuse such requests at once. (Routing turns the browser's cache off, so
            # only this page, whose return visit is not a target, is routed.)
            context.route(OUTSIDE, lambda route: route.abort())
        try:
            settle(*servers.values())
            figures[f"{kind}_first"] = visit(context, server.url, kind, slow=slow)
            settle(*servers.values())
            figures[f"{kind}_return"] = visit(context, server.url, kind, slow=slow)
            print(f"  {'slow 4G' if slow else 'loopback'} {kind}: {figures}", flush=True)
        finally:
            context.close()
    return figures


def response_median(browser: Browser, server: DashboardServer) -> float:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_selector(READY["dashboard"], timeout=120_000)
        times = []
        for n in range(15):  # each answer bounded at 60 s by RESPONSE_JS; one failure ends it
            try:
                times.append(float(page.evaluate(RESPONSE_JS, STATUSES[n % len(STATUSES)])))
            except Exception as error:  # reported, not raised: the rest still runs
                print(f"  answer {n + 1}: {error}", flush=True)
                break
        return statistics.median(times) if times else float("nan")
    finally:
        context.close()


def closed_tab_kernel_life(browser: Browser, folder: Path) -> dict[str, float | bool]:
    """Seconds from closing a tab to its kernel stopping; whether an open tab kept its kernel."""
    idle, every = 20, 5
    usual = harness.dashboard_command
    harness.dashboard_command = functools.partial(usual, idle_limit=idle, check_every=every)
    try:
        server = DashboardServer(folder / "cull" / "data")
    finally:
        harness.dashboard_command = usual
    try:
        context = browser.new_context()
        kept, closing = context.new_page(), context.new_page()
        for page in (kept, closing):
            page.goto(server.url)
            page.wait_for_selector(READY["dashboard"], timeout=120_000)
        kept_kernel, closed_kernel = kernel_id(kept), kernel_id(closing)
        closing.close()
        closed_at = time.monotonic()
        while time.monotonic() - closed_at < 5 * idle:
            if not _kernel_running(server, closed_kernel):
                break
            time.sleep(0.5)
        life = time.monotonic() - closed_at
        open_kept = _kernel_running(server, kept_kernel)
        context.close()
        return {
            "closed_tab_kernel_life_s": life,
            "open_tab_kept_kernel": open_kept,
            "idle_limit_s": idle,
            "check_every_s": every,
        }
    finally:
        server.stop()


def _kernel_running(server: DashboardServer, kernel: str) -> bool:
    # No command line names a kernel id: the server's log says which process runs which.
    server.log.flush()
    log = Path(server.log.name).read_text(errors="replace")
    found = re.search(rf"Kernel {re.escape(log_label(kernel))} runs as process (\d+)", log)
    if found is None:
        return False
    try:
        process = psutil.Process(int(found.group(1)))
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def main() -> int:
    faulthandler.dump_traceback_later(2400, exit=True)  # a stuck run says where it is stuck
    results: dict[str, Any] = {
        "load_average_at_start": list(psutil.getloadavg()),
        "machine": f"{platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GB, Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        bare_folder = folder / "bare"
        for name in ("dashboard", "bare", "cull", "stock"):
            (folder / name).mkdir()
        servers: dict[str, Any] = {
            "dashboard": DashboardServer(folder / "dashboard" / "data"),
            "bare": DashboardServer(folder / "bare" / "data", notebook=bare_notebook(bare_folder)),
            "stock": StockVoila(bare_notebook(folder / "stock"), folder / "stock" / "voila.log"),
        }
        try:
            results["slow4g"] = first_and_return(browser, servers, slow=True)
            results["loopback"] = first_and_return(browser, servers, slow=False)
            settle(*servers.values())
            print("  answer to re-tailored list ...", flush=True)
            results["response_median_ms"] = response_median(browser, servers["dashboard"])
        finally:
            for server in servers.values():
                server.stop()
        print("  closed tab's kernel ...", flush=True)
        results["culling"] = closed_tab_kernel_life(browser, folder)
        browser.close()
    results["load_average_at_end"] = list(psutil.getloadavg())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    return report(results)


def report(results: dict[str, Any]) -> int:
    slow, loop = results["slow4g"], results["loopback"]
    checks = {
        "first visit transferred (slow 4G)": (
            slow["dashboard_first"]["bytes"],
            TARGETS["first_visit_bytes"],
            "B",
        ),
        "return visit transferred (slow 4G)": (
            slow["dashboard_return"]["bytes"],
            TARGETS["return_visit_bytes"],
            "B",
        ),
        "return visit requests": (
            slow["dashboard_return"]["requests"],
            TARGETS["return_visit_requests"],
            "",
        ),
        "time to interactive, slow 4G, first visit": (
            slow["dashboard_first"]["tti_s"],
            TARGETS["slow4g_tti_s"],
            "s",
        ),
        "slow 4G TTI / bare page, stock Voila": (
            slow["dashboard_first"]["tti_s"] / slow["stock_first"]["tti_s"],
            TARGETS["slow4g_tti_ratio"],
            "x",
        ),
        "loopback TTI / bare page, stock Voila": (
            loop["dashboard_first"]["tti_s"] / loop["stock_first"]["tti_s"],
            TARGETS["loopback_tti_ratio"],
            "x",
        ),
        "answer to re-tailored list, loopback median": (
            results["response_median_ms"],
            TARGETS["response_median_ms"],
            "ms",
        ),
    }
    print(
        f"Machine: {results['machine']}; load average at start / end: "
        f"{results['load_average_at_start'][0]:.1f} / {results['load_average_at_end'][0]:.1f}"
    )
    for network, figures in (("slow 4G", slow), ("loopback", loop)):
        ratio = figures["dashboard_first"]["tti_s"] / figures["bare_first"]["tti_s"]
        print(f"{network}: dashboard / bare page served our way (not a target): {ratio:.2f} x")
    print(f"{'':<12}{'visit':<8}{'TTI s':>8}{'kB':>10}{'requests':>10}")
    for network, figures in (("slow 4G", slow), ("loopback", loop)):
        for name, row in figures.items():
            kind, when = name.split("_")
            print(
                f"{network:<12}{kind + ' ' + when:<18}{row['tti_s']:>8.2f}"
                f"{row['bytes'] / 1000:>10.0f}{row['requests']:>10}"
            )
    failed = 0
    for what, (value, limit, unit) in checks.items():
        ok = value <= limit
        failed += not ok
        print(
            f"{what:<46}{value:>12.2f} {unit:<3} target <= {limit:<10} {'ok' if ok else 'MISSED'}"
        )
    cull = results["culling"]
    print(
        f"closed tab's kernel stopped after {cull['closed_tab_kernel_life_s']:.0f} s "
        f"(idle limit {cull['idle_limit_s']} s, checked every {cull['check_every_s']} s); "
        f"open tab kept its kernel: {cull['open_tab_kept_kernel']}"
    )
    failed += not cull["open_tab_kept_kernel"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
