"""The small script the workbook's page runs in the browser: what the kernel cannot see.

- **The connection.** The kernel cannot say that the connection to it is lost, so the page
  watches the kernel's websocket itself. While it is down, the save status says "Not saved: the
  connection was lost", what was typed stays in its box, and once a new connection is open the
  boxes still waiting are sent again.
- **Leaving the page** with typed text that the kernel has not confirmed as saved asks first.
- **Moving to a step** brings its heading to the top and puts the keyboard focus on it.
- **The copy button** of the private link, the skip link, the page's title and its icon.

Nothing here talks to any server but the kernel's own connection.
"""

from __future__ import annotations

import json

import ipywidgets as w

TITLE = "Second-opinion workbook"

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

LOST = (
    "Not saved: the connection was lost. What you typed is kept on this page and will be "
    "sent as soon as the connection is back. Please keep this page open."
)

_SCRIPT = r"""(function () {
  if (window.workbookPage) { return; }
  var page = window.workbookPage = { online: true, dirty: new Set(), lastInput: 0, savedAt: 0 };
  var LOST = %(lost)s;
  var STEP_HEADINGS = %(headings)s;
  document.title = %(title)s;
  document.querySelectorAll("link[rel~='icon']").forEach(function (l) { l.remove(); });
  var icon = document.createElement("link");
  icon.rel = "icon"; icon.type = "image/svg+xml"; icon.href = %(icon)s;
  document.head.appendChild(icon);

  function root() { return document.querySelector(".workbook-app"); }
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
    el.textContent = page.online ? "" : LOST;
    el.style.display = page.online ? "none" : "";
  }
  page.show = show;

  // Typing: remember every box typed in until the kernel says all is saved after it.
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.closest || !box.closest(".workbook-app")) { return; }
    if (box.tagName !== "TEXTAREA" && box.type !== "text") { return; }
    if (!event.isTrusted && page.resending) { return; }
    page.dirty.add(box);
    page.lastInput = Date.now();
  }, true);
  new MutationObserver(function () {
    if (kernelSays() === "saved") { page.savedAt = Date.now(); }
    page.unsaved();
  }).observe(document.body, { subtree: true, childList: true, characterData: true });

  // The kernel's connection: every websocket to the kernel's channels is watched.
  var sockets = new Set();
  function watch(socket) {
    if (sockets.has(socket) || String(socket.url).indexOf("/channels") < 0) { return; }
    sockets.add(socket);
    page.socket = socket;
    socket.addEventListener("close", function () { sockets.delete(socket); check(); });
    socket.addEventListener("open", function () { check(); });
    socket.addEventListener("message", function () {
      if (page.resendDue && socket.readyState === 1) { page.resendDue = false; resend(); }
    });
  }
  var send = WebSocket.prototype.send;
  WebSocket.prototype.send = function () {
    watch(this);
    return send.apply(this, arguments);
  };
  function check() {
    var open = false;
    sockets.forEach(function (s) { if (s.readyState === 1) { open = true; } });
    if (page.socket && sockets.size === 0) { open = false; }
    else if (!page.socket) { open = true; }  // no message sent yet: nothing to lose
    if (open && !page.online) { page.resendDue = true; }
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
    check();
    if (page.online && page.unsaved() && Date.now() - page.lastInput > 4000 &&
        kernelSays() !== "saving") { resend(); }
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
          function () { done("Copied. Paste it somewhere safe, like a note to yourself."); },
          function () { done("Could not copy. Press and hold the link to copy it."); });
      } else {
        done("Could not copy. Press and hold the link to copy it.");
      }
    }
  });
  show();
})();"""


def page_script() -> str:
    """The page's script, as JavaScript text."""
    return _SCRIPT % {
        "lost": json.dumps(LOST),
        "title": json.dumps(TITLE),
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
    """An invisible output that runs the page's script, and later asks it to focus a step."""

    def __init__(self) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class("workbook-page-script")
        self.outputs = _javascript(page_script())
        self._count = 0

    def focus_step(self, hook: str) -> None:
        """Bring the heading of the step whose container has the class ``hook`` to the top."""
        self._count += 1
        code = (
            f"/* {self._count} */ (window.workbookPage && "
            f"window.workbookPage.focusStep({json.dumps(hook)}));"
        )
        self.outputs = _javascript(page_script()) + _javascript(code)
