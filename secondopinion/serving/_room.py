"""Room for a new visit: the caps, checked and taken at once, and an idle page paused to make room.

Each visit gets a kernel of its own, and the server holds at most ``max_kernels()`` kernels (the
waiting pre-heated ones included) and ``kernels_per_address()`` for the visits of one address.

- **Checked and taken at once.** A visit takes its place (a *ticket*) in the same step that checks
  the caps, before Voilà starts or hands it a kernel; the ticket becomes the kernel once there is
  one. Forty page loads at the same moment cannot all pass the check while their kernels start.
- **The page idle longest is paused rather than a new patient turned away.** When a cap is
  reached, the kernel whose person did nothing for the longest (at least ``pause_after_idle()``
  seconds; the page's own heartbeat does not count) is paused: its page is told (its channel
  closes with ``PAUSED_CLOSE_CODE``, and the page says it was paused and offers to go on), then
  the kernel stops. Going on reloads the page: its address holds the private link, so the same
  workbook opens, with what was typed and not yet saved offered back from the tab. A visit with
  no room waits up to ``room_wait()`` seconds for a kernel to become idle before it gets the busy
  page.
- **What counts as the person doing something**: a message from the page other than the
  heartbeat's ping, and the page being sent. A page still being built, or a kernel working on a
  message, is never paused.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Iterable
from typing import Any

from secondopinion import settings

log = logging.getLogger("secondopinion.serving")

MAX_KERNELS = 30
"""Kernels at most, the waiting pre-heated ones included (``SECOND_OPINION_MAX_KERNELS``).

Each holds about 90 MB: 30 are under 3 GB."""

KERNELS_PER_ADDRESS = 8
"""Kernels at most for the visits from one network address (``SECOND_OPINION_KERNELS_PER_ADDRESS``).

A family on one home network may open several tabs; a script loading the page in a loop gets no
more than this many at once. Past it, the idle page of that address is paused first."""

PAUSE_AFTER_IDLE = 20
"""Seconds a page must have been left alone before it may be paused to make room
(``SECOND_OPINION_PAUSE_AFTER_IDLE``). A phone takes up to about 12 s to load the page and
connect to its kernel: a page is not paused before it had the time to be used."""

ROOM_WAIT = 45
"""Seconds a visit with no room waits for a page to become idle before it gets the busy page
(``SECOND_OPINION_ROOM_WAIT``; 0: the busy page at once)."""

PAUSED_CLOSE_CODE = 4001
"""The code the kernel's channel is closed with when its page is paused (the page script knows)."""

PAUSED_REASON = "paused to make room"

BEAT_CLASS = "workbook-beat-button"
"""The class of the page's heartbeat button: its clicks are not the person doing something."""

LOOK_AGAIN = 0.5
"""Seconds between two looks for room while a visit waits (sooner when something changes)."""


def max_kernels() -> int:
    """``$SECOND_OPINION_MAX_KERNELS``, else ``MAX_KERNELS``."""
    return settings.whole_number(settings.MAX_KERNELS, MAX_KERNELS, smallest=1)


def kernels_per_address() -> int:
    """``$SECOND_OPINION_KERNELS_PER_ADDRESS``, else ``KERNELS_PER_ADDRESS``."""
    return settings.whole_number(settings.KERNELS_PER_ADDRESS, KERNELS_PER_ADDRESS, smallest=1)


def pause_after_idle() -> int:
    """``$SECOND_OPINION_PAUSE_AFTER_IDLE``, else ``PAUSE_AFTER_IDLE``."""
    return settings.whole_number(settings.PAUSE_AFTER_IDLE, PAUSE_AFTER_IDLE, smallest=0)


def room_wait() -> int:
    """``$SECOND_OPINION_ROOM_WAIT``, else ``ROOM_WAIT``."""
    return settings.whole_number(settings.ROOM_WAIT, ROOM_WAIT, smallest=0)


class Visits:
    """Which kernel serves which address, the places taken, and who did something when.

    ``manager`` is the kernel manager (``_kernels.WorkbookKernelManager``): its kernels, its
    pre-heated pool and its ``shutdown_kernel``.
    """

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        self.visitor_of: dict[str, str] = {}
        """Kernel id → the address of the visit it serves (starting kernels included)."""
        self.tickets: dict[int, str] = {}
        """Places taken by visits whose kernel is not known yet → their address."""
        self.kernel_of_ticket: dict[int, str] = {}
        self.building: set[str] = set()
        """Kernels whose page is still being built and sent."""
        self.last_seen: dict[str, float] = {}
        """Kernel id → when its person last did something (or its page was sent)."""
        self.leaving: set[str] = set()
        self.beat_comms: dict[str, set[str]] = {}
        self.channels: dict[str, set[Any]] = {}
        self._numbers = itertools.count(1)
        self._lock: asyncio.Lock | None = None
        self._changed: asyncio.Event | None = None

    # ------------------------------------------------------------------ counting

    def pool_size(self) -> int:
        """How many pre-heated kernels the manager keeps waiting (they count in the total)."""
        pools = getattr(self.manager, "kernel_pools_config", None) or {}
        return max(int(pools.get("default", {}).get("pool_size", 0) or 0), 0)

    def of(self, visitor: str) -> int:
        """Kernels (and places taken) for the visits from ``visitor``."""
        kernels = sum(1 for who in self.visitor_of.values() if who == visitor)
        return kernels + sum(1 for who in self.tickets.values() if who == visitor)

    def total(self) -> int:
        """Kernels (and places taken) for visits, from every address."""
        return len(self.visitor_of) + len(self.tickets)

    def _full(self, visitor: str) -> list[str] | None:
        """None if a visit from ``visitor`` has room; else the kernels whose pausing makes room."""
        if self.of(visitor) >= kernels_per_address():
            return [kid for kid, who in self.visitor_of.items() if who == visitor]
        if self.total() >= max(max_kernels() - self.pool_size(), 1):
            return list(self.visitor_of)
        return None

    def _idle_longest(self, candidates: Iterable[str]) -> str | None:
        now = time.monotonic()
        least = pause_after_idle()
        kernels = getattr(self.manager, "_kernels", {})
        idle = []
        for kid in candidates:
            kernel = kernels.get(kid)
            seen = self.last_seen.get(kid)
            if (
                kernel is None
                or seen is None
                or kid in self.building
                or kid in self.leaving
                or getattr(kernel, "execution_state", None) == "busy"
                or now - seen < least
            ):
                continue
            idle.append((seen, kid))
        return min(idle)[1] if idle else None

    # ------------------------------------------------------------------ a visit's place

    async def admit(self, visitor: str, *, gone: Any = None) -> int | None:
        """A place for a visit from ``visitor`` (a ticket), or None: no room within ``room_wait()``.

        The check and the taking happen in one step. When a cap is reached, the kernel idle
        longest among those whose pausing makes room is paused first. ``gone()`` (if given) says
        the visitor left while waiting: no place is taken for them then.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        deadline = time.monotonic() + room_wait()
        while True:
            async with self._lock:
                while True:
                    if gone is not None and gone():
                        return None
                    full = self._full(visitor)
                    if full is None:
                        ticket = next(self._numbers)
                        self.tickets[ticket] = visitor
                        return ticket
                    victim = self._idle_longest(full)
                    if victim is None:
                        break
                    await self.pause(victim)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            await self._wait_for_change(min(left, LOOK_AGAIN))

    def kernel_for(self, ticket: int | None, kernel_id: str, visitor: str | None) -> None:
        """The kernel ``kernel_id`` now serves the visit holding ``ticket`` (from ``visitor``)."""
        if ticket is not None and ticket in self.tickets:
            visitor = self.tickets.pop(ticket)
            self.kernel_of_ticket[ticket] = kernel_id
        if visitor is None:
            return
        self.visitor_of[kernel_id] = visitor
        self.building.add(kernel_id)
        self.last_seen[kernel_id] = time.monotonic()

    def done(self, ticket: int) -> None:
        """The visit holding ``ticket`` was answered: its page is sent (or it got none)."""
        self.tickets.pop(ticket, None)
        kernel_id = self.kernel_of_ticket.pop(ticket, None)
        if kernel_id is not None:
            self.building.discard(kernel_id)
            if kernel_id in self.visitor_of:
                self.last_seen[kernel_id] = time.monotonic()
        self._notify()

    # ------------------------------------------------------------------ the person

    def seen(self, kernel_id: str) -> None:
        """The person of this kernel's page did something."""
        if kernel_id in self.visitor_of:
            self.last_seen[kernel_id] = time.monotonic()

    def is_beat(self, kernel_id: str, comm_id: object) -> bool:
        """Whether a message to ``comm_id`` is the page's heartbeat ping, not the person."""
        return comm_id in self.beat_comms.get(kernel_id, ())

    def learn_widgets(self, kernel_id: str, states: dict[str, Any]) -> None:
        """Remember which of the widgets ``states`` (model id → state) is the heartbeat's button."""
        for model_id, state in states.items():
            classes = state.get("_dom_classes") if isinstance(state, dict) else None
            if isinstance(classes, list | tuple) and BEAT_CLASS in classes:
                self.beat_comms.setdefault(kernel_id, set()).add(str(model_id))

    def connected(self, kernel_id: str, channel: Any) -> None:
        """A page's channel to this kernel opened (it is told when the kernel is paused)."""
        self.channels.setdefault(kernel_id, set()).add(channel)

    def disconnected(self, kernel_id: str, channel: Any) -> None:
        """A page's channel to this kernel closed."""
        self.channels.get(kernel_id, set()).discard(channel)

    # ------------------------------------------------------------------ pausing

    async def pause(self, kernel_id: str) -> None:
        """Tell the page of ``kernel_id`` it is paused, then stop the kernel."""
        self.leaving.add(kernel_id)
        try:
            for channel in list(self.channels.get(kernel_id, ())):
                handler = getattr(channel, "websocket_handler", None)
                try:
                    if handler is not None:
                        handler.close(PAUSED_CLOSE_CODE, PAUSED_REASON)
                except Exception:  # already closed: nothing to tell
                    log.debug("A paused page's channel was closed already", exc_info=True)
            said = getattr(self.manager, "log", None) or log  # the server's own log
            said.info("Pausing the kernel idle longest, %s, to make room for a visit", kernel_id)
            try:
                await self.manager.shutdown_kernel(kernel_id)
            except Exception:
                said.exception("Pausing kernel %s failed", kernel_id)
                self.forget(kernel_id)
        finally:
            self.leaving.discard(kernel_id)

    def forget(self, kernel_id: str) -> None:
        """The kernel stopped: its place is free."""
        self.visitor_of.pop(kernel_id, None)
        self.building.discard(kernel_id)
        self.last_seen.pop(kernel_id, None)
        self.beat_comms.pop(kernel_id, None)
        self.channels.pop(kernel_id, None)
        self._notify()

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def _wait_for_change(self, seconds: float) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout=seconds)
