"""The small script the workbook's page runs in the browser: what the kernel cannot see.

- **The connection.** The kernel cannot say that the connection to it is lost, so the page
  watches the kernel's websocket itself. While it is down, the save status says "Not saved: the
  connection was lost", what was typed stays in its box, and once a new connection is open the
  boxes still waiting are sent again.
- **The kernel.** A kernel that died (killed, or restarted without the workbook) may leave the
  websocket open, so the page pings it every two seconds (``Heartbeat``: a hidden button the
  page clicks, and a hidden text the kernel changes in answer). When the answers stop, or the
  server says the kernel is restarting or dead, the page says the workbook stopped and that
  what was typed is kept in this tab.
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
from collections.abc import Callable

import ipywidgets as w

from secondopinion.language import DEFAULT_LANGUAGE, N_, translator
from widgets.parts.kept_text import KEPT_TEXT_SCRIPT

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
PAUSED_CLOSE_CODE = 4001
"""The server closes the kernel's channel with this code when it pauses the page to make room
(``secondopinion.serving._room.PAUSED_CLOSE_CODE``): the page says so, and Continue reloads it."""

BEAT_SECONDS = 2.0
"""How often the page pings the kernel; no answer for ``BEAT_LOST_MS``: the workbook stopped."""
BEAT_LOST_MS = 10_000

STORAGE_KEY = "workbook-typed"

_SCRIPT = r"""(function () {
  var WORDS = {
    lost: %(lost)s, stopped: %(stopped)s, offer: %(offer)s, putBack: %(put_back)s,
    leaveOut: %(leave_out)s, copied: %(copied)s, notCopied: %(not_copied)s,
    notSaved: %(not_saved)s, stoppedNew: %(stopped_new)s
  };
  WORDS.paused = %(paused)s; WORDS.resume = %(resume)s;
  document.title = %(title)s;
  document.documentElement.lang = %(language)s;
  if (window.workbookPage) {  // the page in another language: new words, the same page
    window.workbookPage.words = WORDS;
    if (window.workbookPage.show) { window.workbookPage.show(); }
    return;
  }
  var page = window.workbookPage = {
    online: true, dirty: new Set(), lastInput: 0, savedAt: 0, beatAt: 0, beat: "",
    kernelGone: false, pending: {}, offered: {}, words: WORDS
  };
  var BEAT_LOST_MS = %(beat_lost_ms)d, BEAT_EVERY_MS = %(beat_every_ms)d;
  var STORE = %(storage_key)s;
  var STEP_HEADINGS = %(headings)s;
  document.querySelectorAll("link[rel~='icon']").forEach(function (l) { l.remove(); });
  var icon = document.createElement("link");
  icon.rel = "icon"; icon.type = "image/svg+xml"; icon.href = %(icon)s;
  document.head.appendChild(icon);

  function root() { return document.querySelector(".workbook-app"); }
  // The workbook this page's kept text belongs to ("" before it is stored), and whether it
  // is "open", "gone" (deleted) or "ended" (another page made a new private link).
  function mark() {
    var el = document.querySelector(".workbook-kept-for [data-workbook]");
    return el ? { id: el.getAttribute("data-workbook"),
                  state: el.getAttribute("data-workbook-state") } : null;
  }
  function status() {
    var el = document.querySelector(".workbook-connection");
    var saved = document.querySelector(".workbook-saved");
    if (!el && saved && saved.parentNode) {
      el = document.createElement("p");
      el.className = "workbook-connection";
      el.setAttribute("role", "alert");
      saved.parentNode.insertBefore(el, saved.nextSibling);
    }
    return el;
  }
  function kernelSays() {
    var el = document.querySelector(".workbook-saved [data-save]");
    return el ? el.getAttribute("data-save") : "";
  }
  page.unsaved = function () {
    if (!page.dirty.size) { return false; }
    if (page.online && kernelSays() === "saved" && page.savedAt > page.lastInput) {
      page.dirty.clear();
      return false;
    }
    return true;
  };
  function show() {
    var app = root(), el = status();
    if (!app || !el) { return; }
    app.classList.toggle("workbook-offline", !page.online);
    var stopped = (mark() || {}).id ? page.words.stopped : page.words.stoppedNew;
    el.textContent = page.online ? "" :
      (page.paused ? page.words.paused : (page.kernelGone ? stopped : page.words.lost));
    el.style.display = page.online ? "none" : "";
    // The kernel's own save status cannot change while it is out of reach: never let it
    // say "saved" then. What it said comes back with the connection.
    var said = document.querySelector(".workbook-saved [data-save]");
    if (!said) { return; }
    if (!page.online) {
      if (!said.hasAttribute("data-kernel-save")) {
        said.setAttribute("data-kernel-save", said.getAttribute("data-save"));
        said.setAttribute("data-kernel-text", said.textContent);
      }
      said.setAttribute("data-save", "offline");
      said.textContent = page.words.notSaved;
    } else if (said.hasAttribute("data-kernel-save")) {
      said.setAttribute("data-save", said.getAttribute("data-kernel-save"));
      said.textContent = said.getAttribute("data-kernel-text");
      said.removeAttribute("data-kernel-save");
      said.removeAttribute("data-kernel-text");
    }
  }
  page.show = show;

%(kept_text)s
  // Typing: remember every box typed in until the kernel says all is saved after it.
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.closest || !box.closest(".workbook-app")) { return; }
    if (box.tagName !== "TEXTAREA" && box.type !== "text") { return; }
    if (!event.isTrusted && page.resending) { return; }
    page.dirty.add(box);
    page.lastInput = Date.now();
    keep();
  }, true);
  new MutationObserver(function () {
    if (kernelSays() === "saved") { page.savedAt = Date.now(); }
    var beat = document.querySelector(".workbook-beat [data-beat]");
    var now = beat ? beat.getAttribute("data-beat") : "";
    if (now && now !== page.beat) {
      page.beat = now;
      page.beatAt = Date.now();
      page.asked = 0;  // the kernel answered
      if (page.kernelGone) { page.kernelGone = false; check(); }
    }
    var had = page.dirty.size;
    if (!page.unsaved() && had) { keep(); }
    var owner = mark();
    if (owner && owner.state === "gone" && owner.id !== page.dropped) {
      // The workbook was deleted: nothing typed for it is kept, or offered, any more.
      page.dropped = owner.id;
      page.offered = {}; page.pending = {};
      document.querySelectorAll(".workbook-offer").forEach(function (b) { b.remove(); });
      keep();
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });

  // The kernel's connection: every websocket to the kernel's channels is watched.
  var sockets = new Set();
  function watch(socket) {
    if (sockets.has(socket) || String(socket.url).indexOf("/channels") < 0) { return; }
    sockets.add(socket);
    page.socket = socket;
    socket.addEventListener("close", function (event) {
      if (event.code === %(paused_code)d) { paused(); }  // the server made room for someone
    });
    socket.addEventListener("close", function () { sockets.delete(socket); check(); });
    socket.addEventListener("open", function () { check(); });
    socket.addEventListener("message", function (event) {
      if (page.resendDue && socket.readyState === 1) { page.resendDue = false; resend(); }
      stoppedIn(event.data);
    });
  }
  var send = WebSocket.prototype.send;
  WebSocket.prototype.send = function () {
    watch(this);
    return send.apply(this, arguments);
  };
  var STATUS = /"execution_state"\s*:\s*"(restarting|dead|autorestarting)"/;
  function stoppedIn(data) {
    // The server says the kernel died (and maybe started a new one, without the workbook).
    var text = "";
    if (typeof data === "string") { text = data; }
    else if (data instanceof ArrayBuffer && data.byteLength < 65536) {
      try { text = new TextDecoder().decode(data); } catch (e) { text = ""; }
    }
    if (text && text.indexOf("execution_state") >= 0 && STATUS.test(text)) {
      page.kernelGone = true;
      page.beatAt = 0;
      check();
    }
  }
  function paused() {
    // Continue reloads the page: its address holds the private link, and what was typed and
    // not saved is kept in this tab and offered back.
    if (page.paused) { return; }
    page.paused = true;
    keep();
    var go = document.createElement("button");
    go.type = "button"; go.className = "workbook-button workbook-resume";
    go.textContent = page.words.resume;
    go.addEventListener("click", function () { keep(); location.reload(); });
    check();
    var el = status();
    if (el && el.parentNode) { el.parentNode.insertBefore(go, el.nextSibling); }
    else { document.body.appendChild(go); }
  }
  function check() {
    var open = false;
    sockets.forEach(function (s) { if (s.readyState === 1) { open = true; } });
    if (page.socket && sockets.size === 0) { open = false; }
    else if (!page.socket) { open = true; }  // no message sent yet: nothing to lose
    if (page.asked && Date.now() - page.asked > BEAT_LOST_MS) { page.kernelGone = true; }
    if (page.kernelGone || page.paused) { open = false; }
    if (open && !page.online) { page.resendDue = true; }
    if (!open && page.online) { keep(); }
    page.online = open;
    show();
  }
  function resend() {
    // Send the boxes still waiting again (the kernel saves a box's text, not each key).
    page.dirty.forEach(function (box) {
      if (!document.contains(box)) { page.dirty.delete(box); return; }
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
    page.lastInput = Date.now();
  }
  page.resend = resend;
  setInterval(function () {
    // Ping the kernel every BEAT_SECONDS while its connection is open; it answers.
    var ping = document.querySelector(".workbook-beat-button");
    if (ping && (!page.socket || page.socket.readyState === 1) &&
        Date.now() - (page.pinged || 0) >= BEAT_EVERY_MS) {
      page.pinged = Date.now();
      if (!page.asked) { page.asked = page.pinged; }
      ping.click();
    }
    check();
    if (Object.keys(page.pending).length) { putBack(); }
    if (page.online && page.unsaved() && Date.now() - page.lastInput > 4000 &&
        kernelSays() !== "saving" && (mark() || {}).state === "open") { resend(); }
  }, 500);

  window.addEventListener("beforeunload", function (event) {
    if (page.unsaved()) { event.preventDefault(); event.returnValue = ""; return ""; }
  });

  // A step opened: its heading at the top, with the keyboard focus.
  page.focusStep = function (hook) {
    var tries = 0;
    (function attempt() {
      var step = document.querySelector("." + hook);
      var heading = step && step.querySelector("h2");
      if (heading && heading.offsetParent !== null) {
        heading.setAttribute("tabindex", "-1");
        heading.classList.add("workbook-step-heading");
        heading.scrollIntoView({ block: "start" });
        heading.focus({ preventScroll: true });
      } else if (tries++ < 100) {
        setTimeout(attempt, 50);
      }
    })();
  };
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    var skip = target && target.closest(".workbook-skip");
    if (skip) {
      event.preventDefault();
      var shown = null;
      var steps = document.querySelectorAll(STEP_HEADINGS);
      for (var i = 0; i < steps.length; i++) {
        if (steps[i].offsetParent !== null) { shown = steps[i]; break; }
      }
      if (shown) {
        shown.setAttribute("tabindex", "-1");
        shown.scrollIntoView({ block: "start" });
        shown.focus({ preventScroll: true });
      }
      return;
    }
    var copy = target && target.closest(".workbook-copy-link");
    if (copy) {
      event.preventDefault();
      var link = copy.getAttribute("data-link");
      var box = copy.closest(".workbook-link-actions") || copy.parentNode;
      var said = box.querySelector(".workbook-copied");
      var done = function (text) { if (said) { said.textContent = text; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(link).then(
          function () { done(page.words.copied); },
          function () { done(page.words.notCopied); });
      } else {
        done(page.words.notCopied);
      }
    }
  });
  show();
})();"""


def page_script(language: str = DEFAULT_LANGUAGE) -> str:
    """The page's script, as JavaScript text, with its words in ``language``."""
    _ = translator(language).gettext
    return _SCRIPT % {
        "lost": json.dumps(_(LOST)),
        "stopped": json.dumps(_(STOPPED)),
        "stopped_new": json.dumps(_(STOPPED_NEW)),
        "kept_text": KEPT_TEXT_SCRIPT,
        "offer": json.dumps(_(OFFER)),
        "put_back": json.dumps(_(PUT_BACK)),
        "leave_out": json.dumps(_(LEAVE_OUT)),
        "not_saved": json.dumps(_(NOT_SAVED)),
        "copied": json.dumps(_(COPIED)),
        "not_copied": json.dumps(_(NOT_COPIED)),
        "paused": json.dumps(_(PAUSED)),
        "resume": json.dumps(_(RESUME)),
        "paused_code": PAUSED_CLOSE_CODE,
        "language": json.dumps(language),
        "beat_lost_ms": BEAT_LOST_MS,
        "beat_every_ms": int(BEAT_SECONDS * 1000),
        "storage_key": json.dumps(STORAGE_KEY),
        "title": json.dumps(_(TITLE)),
        "icon": json.dumps(ICON),
        "headings": json.dumps(", ".join(f".{hook} h2" for hook in STEP_HOOKS)),
    }


def _javascript(code: str) -> tuple[dict[str, object], ...]:
    return (
        {
            "output_type": "display_data",
            "data": {"application/javascript": code},
            "metadata": {},
        },
    )


class PageScript(w.Output):  # type: ignore[misc]
    """An invisible output that runs the page's script, and later asks it to focus a step.

    ``language`` is the workbook's: the page's title and the script's messages are in it.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class("workbook-page-script")
        self.language = language
        self.outputs = _javascript(page_script(language))
        self._count = 0

    def focus_step(self, hook: str) -> None:
        """Bring the heading of the step whose container has the class ``hook`` to the top."""
        self._count += 1
        code = (
            f"/* {self._count} */ (window.workbookPage && "
            f"window.workbookPage.focusStep({json.dumps(hook)}));"
        )
        self.outputs = _javascript(page_script(self.language)) + _javascript(code)


class Heartbeat(w.HBox):  # type: ignore[misc]
    """The page's sign that the kernel is alive: the page pings, the kernel answers.

    Every ``BEAT_SECONDS`` the page clicks a hidden button; the kernel answers by changing a
    hidden text. No answer for ``BEAT_LOST_MS``: the page says the workbook stopped. The page
    asks, not the kernel, so a kernel whose tab was closed hears nothing and sends nothing, and
    is stopped as idle like any other. ``check`` (if given) is called on every third ping, to
    notice what the page should hear about without a click (the workbook deleted in another
    tab).
    """

    def __init__(self, check: Callable[[], object] | None = None) -> None:
        self.ping = w.Button(description="")
        self.ping.add_class("workbook-beat-button")
        self.answer = w.HTML(value="")
        self.answer.add_class("workbook-beat")
        super().__init__([self.ping, self.answer], layout=w.Layout(display="none"))
        self._check = check
        self._count = 0
        self.ping.on_click(lambda _: self.beat())

    def beat(self) -> None:
        """Answer one ping: a new value for the page to see."""
        self._count += 1
        self.answer.value = f'<span data-beat="{self._count}"></span>'
        if self._check is not None and self._count % 3 == 0:
            try:
                self._check()
            except Exception:
                log.exception("A check on the heartbeat failed")
