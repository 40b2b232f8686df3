"""The notebooks run by nbval (`make test`) get a data folder of their own, never the real one."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Point the notebooks' kernels (which inherit this environment) at an empty data folder."""
    if "SECOND_OPINION_DATA" not in os.environ:
        os.environ["SECOND_OPINION_DATA"] = tempfile.mkdtemp(prefix="notebook-data-")
