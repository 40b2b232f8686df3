"""Text saved while it is typed: each text box sends every key, and is saved shortly after the last.

A text box (``continuous_update=True``) tells the kernel about every key. Saving each key would
write to the store dozens of times a second, so each box waits for a pause: ``DELAY`` seconds
after the last key, what is in the box is saved. The workbook's save status says "Saving…"
while any box waits. If the kernel is stopped while a box waits, what it holds is saved then.

Text longer than a limit is not saved; a plain message says so and the text stays in the box.
"""

from __future__ import annotations

import asyncio
import atexit
import weakref
from collections.abc import Callable

import ipywidgets as w

from secondopinion.language import translator
from widgets.parts.feedback import ProblemMessage
from widgets.workbook_state import WorkbookState

DELAY = 0.4
RETRY_FIRST = 2.0
"""Seconds before a box whose save failed is saved again (doubling, up to ``RETRY_LONGEST``)."""
RETRY_LONGEST = 30.0
"""Seconds after the last key when a box's text is saved."""
QUESTION_LIMIT = 500
"""The most characters in a question of the person's own."""
ANSWER_LIMIT = 5_000
"""The most characters in an answer, a note or any other text box."""

_waiting: weakref.WeakSet[TypedText] = weakref.WeakSet()


def too_long(text: str, limit: int, what: str, language: str = "en") -> str:
    """A plain message when ``text`` is longer than ``limit`` characters, else ''."""
    if len(text) <= limit:
        return ""
    extra = len(text) - limit
    return (
        translator(language)
        .gettext(
            "{what} is too long to save: it has {length:,} characters, and the most is "
            "{limit:,}. Please shorten it by {extra:,} characters. What you typed stays here "
            "until then."
        )
        .format(what=what, length=len(text), limit=limit, extra=extra)
    )


class TypedText:
    """Saves a text box's value ``delay`` seconds after the person's last key in it.

    ``save(text)`` does the saving (it is usually wrapped in ``guarded``, so errors become a
    message and a busy database is tried again). ``limit`` is the most characters saved.
    """

    def __init__(
        self,
        box: w.Widget,
        save: Callable[[str], object],
        problem: ProblemMessage,
        *,
        limit: int = ANSWER_LIMIT,
        what: str = "This answer",
        delay: float = DELAY,
        skip: Callable[[], bool] = lambda: False,
        state: WorkbookState | None = None,
    ) -> None:
        self.box = box
        self._save = save
        self.problem = problem
        self.limit = limit
        self.what = what
        self.delay = delay
        self._skip = skip
        self.state = state
        self._handle: asyncio.TimerHandle | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._retry_delay = RETRY_FIRST
        self._too_long = False
        box.continuous_update = True
        box.add_class("workbook-typed")
        box.observe(self._typed, names="value")

    @property
    def waiting(self) -> bool:
        """True while typed text waits to be saved."""
        return self._handle is not None

    def _typed(self, _: object) -> None:
        if self._skip():
            return
        self._cancel()
        loop = kernel_loop()
        if loop is None:  # not in a running kernel (a script, a unit test): save now
            self.flush()
            return
        self._handle = loop.call_later(self.delay, self.flush)
        _waiting.add(self)
        self._tell()

    def _tell(self) -> None:
        if self.state is not None:
            self.state.typing = sum(
                1 for typed in _waiting if typed.waiting and typed.state is self.state
            )

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def flush(self) -> None:
        """Save what is in the box now (if it waits, or when called directly)."""
        self._cancel()
        _waiting.discard(self)
        text = self.box.value or ""
        message = too_long(text, self.limit, self.what, self.problem.language)
        if message:
            self._too_long = True
            self.problem.say(message)
        else:
            if self._too_long:
                self._too_long = False
                self.problem.clear()
            before = self.state.last_failed if self.state is not None else None
            self._save(text)
            if self.state is not None:
                failed = self.state.last_failed
                if failed is not None and failed != before:
                    self._try_again_later()
                else:
                    self._retry_delay = RETRY_FIRST
        self._tell()

    def _try_again_later(self) -> None:
        """The save failed (a full disk, say): save the box again later, until it is saved.

        The page cannot do it by sending the same text again: the box's value does not change,
        so nothing would be called. A new key in the box replaces the try.
        """
        loop = kernel_loop()
        if loop is None or (self.state is not None and self.state.ended):
            return  # no kernel; or another page has the workbook now, and nothing will save
        if self._retry is not None:
            self._retry.cancel()
        self._retry = loop.call_later(self._retry_delay, self._again)
        self._retry_delay = min(self._retry_delay * 2, RETRY_LONGEST)

    def _again(self) -> None:
        self._retry = None
        if not self.waiting and getattr(self.box, "comm", None) is not None:  # not closed
            self.flush()


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the IPython kernel this runs in, or None outside a kernel.

    Another library may run a loop in a plain process too (Playwright's sync API does), and
    a timer on it might never fire there: only a kernel's loop is trusted to run it.
    """
    from IPython import get_ipython

    if get_ipython() is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@atexit.register
def _save_all_waiting() -> None:
    """The kernel is stopping: save what every waiting box holds."""
    for typed in list(_waiting):
        if typed.waiting:
            try:
                typed.flush()
            except Exception:  # noqa: S112 - save what can be saved
                continue
