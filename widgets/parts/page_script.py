"""The small script the workbook's page runs in the browser: what the kernel cannot see.

- **The save status, in view.** A bar at the top of the screen (``workbook-status-bar``, one
  live region) says what the kernel says (Saving, Saved, or not saved and why), or what stands
  between the page and the store: no connection on this device, the connection to the server
  lost, the workbook stopped on the server, or the page paused to make room. It says "Saved"
  only once the kernel's "saved" comes after the person's last change (see the heartbeat).
  Inside a JupyterLab notebook (the navigator's desk) there is no bar: the kernel's status
  stays under the steps.
- **Offline.** The browser says at once when the device loses its network (``navigator.onLine``
  and its ``offline`` event), even while the kernel's websocket still looks open: the bar says
  "No connection" and that what is written is kept on this device and sent when the connection
  is back. Offline, the page never says the workbook stopped and never asks for a reload (a
  reload would fail); pings unanswered while offline count for nothing.
- **The connection.** The page watches the kernel's websocket too. While it is down, the bar
  says "Not saved: the connection was lost", what was typed stays in its box, and once a new
  connection is open the boxes still waiting are sent again.
- **The kernel.** A kernel that died (killed, or restarted without the workbook) may leave the
  websocket open, so the page pings it every two seconds (``Heartbeat``: a hidden text box the
  page writes a number into, and a hidden text in which the kernel answers with that number).
  When the answers stop while the device is online, or the server says the kernel is
  restarting or dead, the page says the workbook stopped and that what was typed is kept in
  this tab. The answer also tells the page that the kernel has handled every change sent
  before that ping.
- **Kept in the tab only.** Typed text the kernel has not confirmed as saved is kept in the
  tab's ``sessionStorage`` (gone when the tab closes; never ``localStorage`` or IndexedDB).
  It belongs to one stored workbook (the mark of ``widgets.parts.kept_text``): when the same
  workbook is open again in that tab, the page offers it back, box by box; any other page load
  drops it unseen, and so does the workbook's deletion. Text typed in a new workbook that was
  never stored is not kept: the page says to copy it.
- **Leaving the page** with typed text that the kernel has not confirmed as saved asks first.
- **Moving to a step** brings its heading to the top and puts the keyboard focus on it.
- **The copy button** of the private link, the skip link, the page's title and its icon.

Nothing here talks to any server but the kernel's own connection.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import ipywidgets as w

from secondopinion.language import DEFAULT_LANGUAGE, N_, translator
from widgets.parts.scripts import javascript, script_with

log = logging.getLogger("secondopinion.widgets")

TITLE = N_("Second-opinion workbook")

# A small blue page with a tick, drawn inline: no request for an icon file.
ICON = (
    "data:image/svg+xml,"
    "%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E"
    "%3Crect x='4' y='2' width='24' height='28' rx='3' fill='%230d47a1'/%3E"
    "%3Cpath d='M10 17l4 4 8-9' stroke='white' stroke-width='3' fill='none'/%3E%3C/svg%3E"
)

STEP_HOOKS = (
    "workbook-intake",
    "workbook-questions",
    "workbook-records",
    "workbook-next-steps",
    "workbook-compare",
    "workbook-export",
)
"""Each step's container class, in order."""

LOST = N_(
    "Not saved: the connection was lost. What you typed is kept on this page and will be "
    "sent as soon as the connection is back. Please keep this page open."
)

STOPPED = N_(
    "Not saved: the workbook stopped on the server. What you typed is kept in this tab only. "
    "Reload this page to open the workbook again; what you typed will be offered back."
)

STOPPED_NEW = N_(
    "Not saved: the workbook stopped on the server before anything was stored. What you typed "
    "is only on this page: copy it somewhere safe before you leave or reload this page."
)

OFFER = N_(
    "Text you typed before was not saved when the workbook stopped. It is kept in this tab "
    "only. Put it back in its boxes? Each piece is saved once it is back."
)
NOT_SAVED = N_("Not saved: see the message below.")
PUT_BACK = N_("Put it back")
LEAVE_OUT = N_("Leave it out")
COPIED = N_("Copied. Paste it somewhere safe, like a note to yourself.")
NOT_COPIED = N_("Could not copy. Press and hold the link to copy it.")
PAUSED = N_(
    "This page was paused to make room for another person. Your answers are kept. "
    "Tap Continue to open your workbook again."
)
RESUME = N_("Continue")
OFFLINE = N_("No connection: what you write is kept on this device and sent when you are back.")
SAVING = N_("Saving…")
BAR_LABEL = N_("Saving your answers")
"""The name a screen reader gives the status bar."""
PAUSED_CLOSE_CODE = 4001
"""The server closes the kernel's channel with this code when it pauses the page to make room
(``secondopinion.serving._room.PAUSED_CLOSE_CODE``): the page says so, and Continue reloads it."""

BEAT_SECONDS = 2.0
"""How often the page pings the kernel; no answer for ``BEAT_LOST_MS``: the workbook stopped."""
BEAT_LOST_MS = 10_000

STORAGE_KEY = "workbook-typed"


def page_script(language: str = DEFAULT_LANGUAGE) -> str:
    """The page's script, as JavaScript text, with its words in ``language``."""
    return script_with("page_script.js", page_config(language))


def page_config(language: str = DEFAULT_LANGUAGE) -> dict[str, object]:
    """What the script is given (its ``CONFIG``): its words in ``language``, and its settings."""
    _ = translator(language).gettext
    return {
        "lost": _(LOST),
        "stopped": _(STOPPED),
        "stopped_new": _(STOPPED_NEW),
        "offer": _(OFFER),
        "put_back": _(PUT_BACK),
        "leave_out": _(LEAVE_OUT),
        "not_saved": _(NOT_SAVED),
        "copied": _(COPIED),
        "not_copied": _(NOT_COPIED),
        "paused": _(PAUSED),
        "resume": _(RESUME),
        "offline": _(OFFLINE),
        "saving": _(SAVING),
        "bar_label": _(BAR_LABEL),
        "paused_code": PAUSED_CLOSE_CODE,
        "language": language,
        "beat_lost_ms": BEAT_LOST_MS,
        "beat_every_ms": int(BEAT_SECONDS * 1000),
        "storage_key": STORAGE_KEY,
        "title": _(TITLE),
        "icon": ICON,
        "headings": ", ".join(f".{hook} h2" for hook in STEP_HOOKS),
    }


class PageScript(w.Output):  # type: ignore[misc]
    """An invisible output that runs the page's script, and later asks it to focus a step.

    ``language`` is the workbook's: the page's title and the script's messages are in it.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class("workbook-page-script")
        self.language = language
        self.outputs = javascript(page_script(language))
        self._count = 0

    def focus_step(self, hook: str) -> None:
        """Bring the heading of the step whose container has the class ``hook`` to the top."""
        self._count += 1
        code = (
            f"/* {self._count} */ (window.workbookPage && "
            f"window.workbookPage.focusStep({json.dumps(hook)}));"
        )
        self.outputs = javascript(page_script(self.language)) + javascript(code)


class Heartbeat(w.HBox):  # type: ignore[misc]
    """The page's sign that the kernel is alive: the page pings, the kernel answers.

    Every ``BEAT_SECONDS`` (and whenever it needs to know) the page writes a new number into a
    hidden text box; the kernel answers by showing that number in a hidden text. No answer for
    ``BEAT_LOST_MS`` while the device is online: the page says the workbook stopped. As the
    kernel handles the page's messages in order, an answer also says that every change the page
    sent before that ping has reached the kernel. The page asks, not the kernel, so a kernel
    whose tab was closed hears nothing and sends nothing, and is stopped as idle like any other
    (the server knows the box by its class, ``workbook-beat-button``, and does not count it as
    the person). ``check`` (if given) is called on every third ping, to notice what the page
    should hear about without a change (the workbook deleted in another tab).
    """

    def __init__(self, check: Callable[[], object] | None = None) -> None:
        self.ping = w.Text(value="")
        self.ping.add_class("workbook-beat-button")
        self.answer = w.HTML(value="")
        self.answer.add_class("workbook-beat")
        super().__init__([self.ping, self.answer], layout=w.Layout(display="none"))
        self._check = check
        self._count = 0
        self.ping.observe(lambda change: self.beat(change["new"]), names="value")

    def beat(self, asked: str = "") -> None:
        """Answer one ping (``asked``: the number the page wrote): a new value for the page."""
        self._count += 1
        number = asked if _PING.fullmatch(asked) else ""
        self.answer.value = f'<span data-beat="{self._count}" data-asked="{number}"></span>'
        if self._check is not None and self._count % 3 == 0:
            try:
                self._check()
            except Exception:
                log.exception("A check on the heartbeat failed")


_PING = re.compile(r"[0-9]{1,20}")
"""What a ping may be: the page's clock, in milliseconds."""
