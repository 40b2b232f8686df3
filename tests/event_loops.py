"""Running a coroutine from a test while another library may run an event loop in this thread.

The browser tests' Playwright runs its event loop in the main thread for the whole session, so a
plain ``asyncio.run`` in a later test fails with "cannot be called from a running event loop".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_alone(coroutine: Coroutine[Any, Any, T], timeout: float = 300) -> T:
    """``asyncio.run(coroutine)`` in a thread of its own, with a bound on how long it may take."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=timeout)
