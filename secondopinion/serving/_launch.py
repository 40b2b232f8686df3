"""How the patient dashboard is served: one notebook, through Voilà, on loopback by default.

The server from ``dashboard_command()`` answers only with the dashboard page, the files that
page needs and the private channel to its own kernel:

- one notebook (``notebooks/dashboard.ipynb``); any other path, the navigator notebook or the
  data folder included, is refused (Voilà sends other paths to its file handler, and the allow
  list of that handler is empty);
- no file tree, no contents API, no way to start a kernel or run code: Voilà's kernels take
  widget messages only, never code to execute;
- no traceback and no instructions for developers on the page: errors become plain words;
- nothing loaded from outside this machine: the page template ``workbook`` (in
  ``share/jupyter/voila/templates/``) is Voilà's ``lab`` template without its Font Awesome
  stylesheets from a public CDN, and the Content-Security-Policy lets the page talk only to the
  server it came from;
- the address of the page (it holds the private link) is never sent to another site
  (``Referrer-Policy: no-referrer``), and the page is not shown in frames of other sites;
- the kernel of a closed tab is stopped within six minutes, so closed tabs do not fill the
  memory; an open tab keeps its kernel;
- every text-like answer is compressed (brotli or gzip), and each file is cached by the browser
  as long as it can be (``_delivery``);
- a few kernels are started, and the dashboard's imports and content loaded in them, before
  anyone visits (Voilà's pre-heated kernels, ``POOL_SIZE``): a visit takes one and only opens
  its workbook and builds the page. Each waiting kernel holds about 80 MB
  (``docs/performance.md``).

Example::

    >>> dashboard_command(port=9000)[2:4]
    ['secondopinion.serving', '.../notebooks/dashboard.ipynb']  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from secondopinion import settings
from secondopinion.serving._logs import open_log, owner_only_log, redact_every_log_line
from secondopinion.serving._seams import refuse_changed_shapes
from secondopinion.serving.configuration import CONFIG_FOLDER

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "notebooks" / "dashboard.ipynb"
JUPYTER_DATA = REPO / "share" / "jupyter"
"""Holds ``voila/templates/workbook``, the page template of the dashboard."""
TEMPLATE = "workbook"


OUTPUT_WAIT = 60
"""Seconds Voilà waits for the dashboard's output once its code has run (nbclient waits 4 s).

With twenty people opening the page at once on two cores, the output of a kernel can take longer
than 4 s to arrive; Voilà then gives up on it and sends a page with no workbook on it.
"""

KERNEL_IDLE_LIMIT = 300
"""Seconds after which a kernel no browser is connected to, and that did nothing, is stopped.

Every visit starts a kernel (about 90 MB), and Voilà does not stop it when the tab closes: left
alone, closed tabs fill the memory of the machine. A tab that is open stays connected and keeps
its kernel however long it sits idle (``cull_connected=False``), and the waiting pre-heated
kernels are never stopped (Voilà keeps them out of the culling). A phone that drops the
connection of a tab in the background for longer than this gets a page that says its kernel
stopped; its answers are saved, and reloading the page (its address holds the private link)
opens the same workbook.
"""

KERNEL_CHECK_EVERY = 60
"""Seconds between two looks for such kernels: a closed tab's kernel stops within
``KERNEL_IDLE_LIMIT + KERNEL_CHECK_EVERY`` seconds (six minutes; ``benchmarks/bench_phone.py``
measures it)."""

POOL_SIZE = 2
"""Kernels kept started and waiting for the next visits (``SECOND_OPINION_POOL_SIZE``; 0: none).

Two cover two people opening the page within the few seconds it takes to start a new one; more
mostly cost memory (see ``docs/performance.md``). When the pool is empty a visit starts its own
kernel, as without a pool.
"""


LOG_FILE_ENV = settings.LOG_FILE.name
"""Where ``serve`` writes the server's log, if set (else to its own output)."""


def pool_size() -> int:
    """How many pre-heated kernels to keep: ``$SECOND_OPINION_POOL_SIZE``, else ``POOL_SIZE``."""
    return settings.whole_number(settings.POOL_SIZE, POOL_SIZE, smallest=0)


def dashboard_command(
    *,
    host: str = "127.0.0.1",
    port: int = 8866,
    notebook: Path = DASHBOARD,
    pool: int | None = None,
    base_url: str = "/",
    idle_limit: int = KERNEL_IDLE_LIMIT,
    check_every: int = KERNEL_CHECK_EVERY,
) -> list[str]:
    """The command line that serves only ``notebook`` with Voilà, code hidden, on ``host``.

    It runs Voilà through this module (``python -m secondopinion.serving``), which makes the
    ``workbook`` page template findable before Voilà starts. ``pool`` pre-heated kernels wait
    for visits (default: ``pool_size()``; 0 starts a kernel for each visit only). ``base_url``
    is the path the page is served under, for a proxy or JupyterHub that serves it under a
    prefix (``/services/workbook/``). ``idle_limit`` and ``check_every`` are the culling of
    kernels of closed tabs (``KERNEL_IDLE_LIMIT``; a benchmark shortens them to measure it).
    """
    pool = pool_size() if pool is None else max(pool, 0)
    preheat = ["--preheat_kernel=True", f"--pool_size={pool}"] if pool else []
    return [
        sys.executable,
        "-m",
        "secondopinion.serving",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={host}",
        f"--Voila.base_url={_as_base_url(base_url)}",
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
        # Under load (many people opening the page at once) a kernel's output can come later
        # than nbclient's default 4 s; Voilà would then send the page without the workbook.
        f"--VoilaExecutor.iopub_timeout={OUTPUT_WAIT}",
        f"--VoilaExecutor.startup_timeout={OUTPUT_WAIT * 2}",
        f"--MappingKernelManager.cull_idle_timeout={idle_limit}",
        f"--MappingKernelManager.cull_interval={check_every}",
        "--MappingKernelManager.cull_connected=False",
        # the rest of the configuration: secondopinion/serving/configuration.py
        f"--Voila.config_file_paths={json.dumps([str(CONFIG_FOLDER)])}",
        *preheat,
    ]


def _as_base_url(path: str) -> str:
    """``services/workbook`` → ``/services/workbook/``: Voilà wants slashes at both ends."""
    parts = [part for part in path.split("/") if part]
    return "/" + "".join(f"{part}/" for part in parts)


def serve_dashboard(*, host: str = "127.0.0.1", port: int = 8866, base_url: str = "/") -> int:
    """Serve the dashboard until interrupted; data goes to the data folder (see README).

    Ctrl+C or SIGTERM (a service manager stopping it) stops Voilà and its kernels too. The
    server logs to this process's output, or to the file ``$SECOND_OPINION_LOG_FILE`` (created
    owner-only); either way a log file of this account is made owner-only (``_logs``).
    """
    env = dict(os.environ)
    env.setdefault("SECOND_OPINION_DATA", str(REPO / "data"))
    base_url = _as_base_url(base_url)
    print(f"Serving the workbook at http://{host}:{port}{base_url}  (Ctrl+C to stop)", flush=True)
    log_file = settings.text(settings.LOG_FILE)
    log = open_log(log_file) if log_file else None
    if log_file:
        print(f"The server's log goes to {log_file} (readable by this account only)", flush=True)
    command = dashboard_command(host=host, port=port, base_url=base_url)
    try:
        voila = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    finally:
        if log is not None:
            os.close(log)
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        voila.terminate()

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: whoever runs us stops us
        previous = None
    try:
        while True:
            try:
                code = voila.wait()
            except KeyboardInterrupt:  # Voilà had the Ctrl+C too; make sure it goes
                stopping = True
                voila.terminate()
                continue
            return 0 if stopping else code
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run_voila(argv: list[str]) -> None:
    """Run Voilà with ``argv``, with the ``workbook`` template first on Jupyter's data path."""
    others = [p for p in settings.foreign("JUPYTER_PATH").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(JUPYTER_DATA), *others])
    _refuse_unchecked_voila()
    refuse_changed_shapes()
    redact_every_log_line()
    owner_only_log()
    from secondopinion.serving._delivery import WorkbookVoila

    WorkbookVoila.launch_instance(argv=argv)


CHECKED_VOILA = "0.5.13"
"""The Voilà version whose private code ``_delivery`` and ``_kernels`` were checked against;
on any other the server refuses to start rather than guess."""


class UncheckedVoila(SystemExit):
    """The installed Voilà is not the version this server's changes to it were checked against."""


def _refuse_unchecked_voila(installed: str | None = None) -> None:
    """Stop with a plain message unless the installed Voilà is ``CHECKED_VOILA``."""
    if installed is None:
        from voila._version import __version__

        installed = str(__version__)
    if installed != CHECKED_VOILA:
        message = (
            f"The workbook server was checked with Voilà {CHECKED_VOILA}, but Voilà {installed} "
            "is installed. It changes how Voilà hands a visit to its kernel and serves its "
            "files, and will not start on a version it was not checked with. Install Voilà "
            f"{CHECKED_VOILA} (make setup does), or check secondopinion/serving against "
            f"Voilà {installed} and update CHECKED_VOILA."
        )
        raise UncheckedVoila(message)
