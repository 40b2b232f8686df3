"""How the patient dashboard is served: one notebook, through Voilà, on loopback by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = REPO / "notebooks" / "dashboard.ipynb"


def dashboard_command(
    *, host: str = "127.0.0.1", port: int = 8866, notebook: Path = DASHBOARD
) -> list[str]:
    """The Voilà command line that serves only ``notebook``, with its code hidden."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
    ]


def serve_dashboard(*, host: str = "127.0.0.1", port: int = 8866) -> int:
    """Serve the dashboard until interrupted; data goes to the data folder (see README)."""
    env = dict(os.environ)
    env.setdefault("SECOND_OPINION_DATA", str(REPO / "data"))
    print(f"Serving the workbook at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    try:
        return subprocess.call(dashboard_command(host=host, port=port), env=env)
    except KeyboardInterrupt:
        return 0
