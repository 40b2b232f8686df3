"""The notebooks run by nbval (`make test`) get a data folder of their own, never the real one.

It holds a store of generated workbooks (``harness/program_workbooks.py``), so that
``program.ipynb`` has people to count; what the notebooks save goes to a folder of its own too.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Point the notebooks' kernels (which inherit this environment) at a generated data folder."""
    if "SECOND_OPINION_DATA" not in os.environ:
        folder = tempfile.mkdtemp(prefix="notebook-data-")
        _fill_with_generated_workbooks(folder)
        os.environ["SECOND_OPINION_DATA"] = folder
    if "SECOND_OPINION_EXPORTS" not in os.environ:
        os.environ["SECOND_OPINION_EXPORTS"] = tempfile.mkdtemp(prefix="notebook-exports-")


def _fill_with_generated_workbooks(folder: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from harness.program_workbooks import fill_program_store
    from secondopinion import load_content
    from secondopinion.store import WorkbookStore

    with WorkbookStore.open(folder, actor="generated") as store:
        fill_program_store(store, load_content())
