"""The real Voilà server, started the way `make dashboard` starts it, and Chromium's settings.

Used by the browser tests (``tests/browser/conftest.py`` makes fixtures of it) and the benchmarks.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    WebSocket,
)

from harness.ports import free_port
from secondopinion.serving import DASHBOARD, REPO, dashboard_command

CHROMIUM = "/usr/bin/chromium"
# Chromium as the machine's closed network needs it: no background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "tests" / "artifacts"
STARTED: list[DashboardServer] = []
"""Every dashboard server started in this process, in order (a failed test shows their logs)."""
CONSOLE: list[str] = []
"""What the pages of a ``record_console`` browser said of errors and warnings, in order."""


def record_console(browser: Browser) -> Browser:
    """Make every page of ``browser`` add its console's errors and warnings to ``CONSOLE``.

    A widget the page could not draw shows only "Click to show javascript error."; the error
    itself goes to the console, where a failed test can show it.
    """
    new_context = browser.new_context

    def recording_context(**options: object) -> BrowserContext:
        context = new_context(**options)  # type: ignore[arg-type]
        context.add_init_script(WATCH_HANDLING)
        _closing_with_states(context)
        context.on("console", _keep_console)
        context.on("weberror", lambda error: CONSOLE.append(f"page error: {error.error}"))
        context.on("requestfailed", _keep_failed_request)
        context.on("page", lambda page: page.on("websocket", _keep_closing))
        return context

    def recording_page(**options: object) -> Page:
        return recording_context(**options).new_page()

    browser.new_context = recording_context  # type: ignore[method-assign]
    browser.new_page = recording_page  # type: ignore[method-assign]
    return browser


KERNEL_COMMAND = re.compile(r"secondopinion\.serving\.kernel|hub\.ipc_kernel|ipykernel")
"""What a kernel's command line says: the dashboard's launcher, the navigators', or ipykernel's."""


def is_kernel(command_line: str) -> bool:
    """Whether a process with this command line is a kernel."""
    return bool(KERNEL_COMMAND.search(command_line))


WATCH_HANDLING = """
(function () {
  // What the page's kernel connection is handling now, and has handled: it takes the kernel's
  // messages one at a time, and one that never ends holds up every later one.
  var seen = { received: 0, handled: 0, now: null, last: [] };
  window.__kernelMessages = seen;
  function describe(msg) {
    var data = (msg.content && msg.content.data) || {};
    return [msg.header.msg_type, data.method || "", String(msg.content.comm_id || "").slice(0, 8)]
      .join(" ").trim();
  }
  var timer = setInterval(function () {
    var found = window.jupyterapp && window.jupyterapp.widgetManager;
    var kernel = found && found.kernel;
    if (!kernel || !kernel._handleMessage || kernel.__watched) { return; }
    clearInterval(timer);
    kernel.__watched = true;
    kernel.anyMessage.connect(function (_s, args) {
      if (args.direction !== "recv") { return; }
      seen.received += 1;
      // each session the messages came from, with how many and the first kind
      var sessions = seen.sessions = seen.sessions || {};
      var from = String(args.msg.header.session).slice(0, 8);
      sessions[from] = sessions[from] || [0, describe(args.msg)];
      sessions[from][0] += 1;
    });
    var handle = kernel._handleMessage;
    kernel._handleMessage = async function (msg) {
      seen.now = { what: describe(msg), since: Date.now() };
      try {
        return await handle.call(this, msg);
      } catch (error) {
        // the connection drops a message whose handling failed, without a word
        seen.failed = (seen.failed || 0) + 1;
        seen.failedLast = (seen.failedLast || []).concat([describe(msg) + ": " +
          String((error && error.message) || error).slice(0, 80)]).slice(-3);
        throw error;
      } finally {
        seen.handled += 1;
        seen.last = seen.last.concat([describe(msg)]).slice(-3);
        seen.now = null;
      }
    };
  }, 50);
})();
"""
"""A script every test page runs first, keeping what its kernel connection is handling."""


PAGE_STATE = """async () => {
  const found = window.jupyterapp && window.jupyterapp.widgetManager;
  const madeModels = async () => {
    const later = new Promise(r => setTimeout(() => r(null), 50));
    const all = Object.values((found && found._models) || {});
    return (await Promise.all(all.map(p => Promise.race([p.catch(() => null), later]))))
      .filter(Boolean);
  };
  const named = m => m.get("_model_name") + " " + String(m.model_id).slice(0, 8);
  return {
    models: await (async () => {
      // the page's widget models: made, failed, or still waiting (for a widget never come)
      const all = Object.values((found && found._models) || {});
      const later = new Promise(r => setTimeout(() => r("waiting"), 50));
      const one = p => Promise.race([p.then(() => "made", () => "failed"), later]);
      const each = await Promise.all(all.map(one));
      return each.reduce((n, one) => (n[one] = (n[one] || 0) + 1, n), {});
    })(),
    changes: await (async () => {
      // each made model's chain of changes: a change that failed or never finished stops every
      // later change of that model, and every new view of it, without a word
      const made = await madeModels();
      const wait = new Promise(r => setTimeout(() => r("waiting"), 50));
      const each = await Promise.all(made.map(m => Promise.race([
        Promise.resolve(m.state_change).then(() => "done", () => "failed"), wait
      ]).then(how => [how, named(m)])));
      const n = {done: 0, failed: [], waiting: []};
      each.forEach(([how, which]) => {
        if (how === "done") { n.done += 1; } else { n[how].push(which); }
      });
      return n;
    })(),
    drawn: await (async () => {
      // the app's children as its model says, against what its view drew: a child not drawn,
      // or drawn as another model object than the manager's
      const app = (await madeModels())
        .find(m => (m.get("_dom_classes") || []).includes("workbook-app"));
      if (!app) { return null; }
      const later = new Promise(r => setTimeout(() => r(null), 50));
      const viewsOf = async m => (await Promise.all(
        Object.values(m.views || {}).map(v => v.catch(() => null)))).filter(Boolean);
      const wanted = app.get("children") || [];
      const text = t => String(t || "").replace(/<[^>]*>/g, "").trim().slice(0, 40);
      // the step's box and its status line: what their models say against what is shown
      const at = wanted.findIndex(m => m.get("_model_name") === "StackModel");
      const stack = wanted[at], where = wanted[at - 1];
      const step = stack && {
        chosen: stack.get("selected_index"),
        shown: (await viewsOf(stack)).map(v => Array.from(v.el.children)
          .filter(child => child.offsetParent !== null).map(child => text(child.textContent))),
        where: where && [text(where.get("value")),
          (await viewsOf(where)).map(v => text(v.el.textContent))]
      };
      return {step, views: await Promise.all((await viewsOf(app)).map(async view => {
        const list = view.children_views;
        const all = list && Promise.all(list.views).catch(e => String(e));
        const shown = list ? await Promise.race([all, later]) : null;
        const views = Array.isArray(shown) ? shown : [];
        return {
          listed: list ? list._models.length : null,
          wanted: wanted.length,
          differ: wanted.filter((m, i) => !list || list._models[i] !== m).map(named),
          unsettled: shown === null ? "views still coming"
            : (typeof shown === "string" ? shown : null),
          detached: views.filter(v => !v.el.isConnected).map(v => named(v.model)),
          elements: view.el.children.length
        };
      }))};
    })(),
    messages: window.__kernelMessages && Object.assign({}, window.__kernelMessages, {
      now: window.__kernelMessages.now && [window.__kernelMessages.now.what,
        Math.round((Date.now() - window.__kernelMessages.now.since) / 1000) + " s"]
    }),
    loaded: document.readyState,
    app: Boolean(window.jupyterapp),
    widgets: Boolean(window.jupyterapp && window.jupyterapp.widgetManager),
    opening: Boolean(document.querySelector(".workbook-opening")),
    visitSent: Boolean(window.workbookVisitSent),
    heard: Boolean(document.querySelector(".workbook-heard")),
    reloads: window.sessionStorage.getItem("workbook-opening-reloads"),
    workbook: Boolean(document.querySelector(".workbook-app")),
    ready: Boolean(document.querySelector(".workbook-app.workbook-ready")),
    errors: document.querySelectorAll(".jupyter-widgets-error-widget").length,
    mend: window.workbookMend && [window.workbookMend.asked].concat(window.workbookMend.trail),
    kernel: JSON.parse((document.getElementById("jupyter-config-data") || {}).textContent || "{}")
      .kernelId || null
  };
}"""
"""What a page shows of itself, for a failed test: its scripts, its widget models (made,
failed, still waiting), what its kernel connection is handling, the visit, the workbook."""

CLOSED_PAGES: list[tuple[str, dict[str, Any]]] = []
"""Each page's address and ``page_state`` as its context closed (a test's own context closes
before the test's failure is reported)."""


def page_state(page: Page) -> dict[str, Any]:
    """``PAGE_STATE`` of ``page``, or why it could not be read."""
    try:
        return dict(page.evaluate(PAGE_STATE))
    except Exception as error:  # a page gone with the failure
        return {"read": f"could not ({type(error).__name__})"}


def _closing_with_states(context: BrowserContext) -> None:
    close = context.close

    def close_keeping_states(**options: Any) -> None:
        CLOSED_PAGES.extend((page.url, page_state(page)) for page in context.pages)
        del CLOSED_PAGES[:-4]
        close(**options)

    context.close = close_keeping_states  # type: ignore[method-assign]


def _keep_failed_request(request: Request) -> None:
    CONSOLE.append(f"request failed: {request.url.split('?')[0]} ({request.failure})")


def _keep_closing(socket: WebSocket) -> None:
    """A page's websocket that closes: the page reconnects, and may lose widgets on the way."""
    where = socket.url.split("?")[0]
    socket.on("close", lambda _: CONSOLE.append(f"websocket closed: {where}"))


def _keep_console(message: ConsoleMessage) -> None:
    if message.type in ("error", "warning"):
        where = message.page.url if message.page else "?"
        CONSOLE.append(f"{message.type} at {where}: {message.text}")


class DashboardServer:
    """A running Voilà dashboard with its own data folder; ``with`` stops it at the end."""

    def __init__(self, data_dir: Path, notebook: Path = DASHBOARD, base_url: str = "/") -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{base_url}"
        env = dict(os.environ, SECOND_OPINION_DATA=str(data_dir))
        # Every test page comes from 127.0.0.1, and the whole session's pages share one server
        # whose closed tabs keep their kernels for minutes: the caps (proven by
        # tests/test_serving_kernels.py and benchmarks/bench_exhaust.py) would turn them away.
        env.setdefault("SECOND_OPINION_KERNELS_PER_ADDRESS", "400")
        env.setdefault("SECOND_OPINION_MAX_KERNELS", "400")
        # ... and the store's bound on new workbooks per address an hour (tests/test_store_bounds.py
        # proves it) would refuse the session's later pages their new workbooks.
        env.setdefault("SECOND_OPINION_NEW_WORKBOOKS_PER_HOUR", "100000")
        self.log = (data_dir.parent / "voila.log").open("wb")
        STARTED.append(self)
        self.process = subprocess.Popen(
            dashboard_command(port=self.port, notebook=notebook, base_url=base_url),
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Voilà exited early, see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"Voilà did not answer within {timeout} s")

    def log_lines(self) -> list[str]:
        """Every line of the server's log so far."""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace").splitlines()

    def kernel_lines(self, most: int = 30) -> list[str]:
        """The last lines the dashboard's kernels wrote to the server's log (what they heard)."""
        return [line for line in self.log_lines() if "[dashboard kernel" in line][-most:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def __enter__(self) -> DashboardServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def open_workbook(page: Page, url: str) -> None:
    """Open the dashboard and wait until its first screen is interactive.

    A private link differs from the page's address only in its fragment: going there from the
    dashboard itself would not load a new page, so the tab leaves the dashboard first.
    """
    if "#" in url and page.url.split("#", 1)[0] == url.split("#", 1)[0]:
        page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
    wait_until_drawn(page)


_DRAWN = """() => {
  const now = document.querySelectorAll('.workbook-app *').length;
  const seen = window.__workbookDrawn || (window.__workbookDrawn = {count: -1, since: 0});
  if (now !== seen.count) { seen.count = now; seen.since = Date.now(); return false; }
  return Date.now() - seen.since >= 1000;
}"""


def wait_until_drawn(page: Page, timeout_ms: float = 90_000) -> None:
    """Wait until the browser has drawn the whole first screen, not only the workbook's frame.

    The kernel marks the page ready once it has sent every widget; the browser then draws them
    one by one, which on a busy machine takes many seconds. Drawn: nothing was added for 1 s.
    """
    page.wait_for_function(_DRAWN, polling=250, timeout=timeout_ms)


def screenshot(page: Page, name: str) -> Path:
    """Keep a full-page screenshot in tests/artifacts (git-ignored) to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
