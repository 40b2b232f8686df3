"""Which workbook the text kept in a tab belongs to, as the page's script reads it.

The page's script keeps typed text that is not saved yet in the tab's ``sessionStorage``
(``widgets.parts.page_script``). That text belongs to one workbook: it is kept under this
workbook's mark and offered back only to a page of the same workbook. A new workbook not stored
yet has no mark, so what is typed in it is never offered to another page load; a deleted
workbook's mark says so, and the script forgets what it kept for it.

The mark is a hash of the workbook's id, never its private link: the script reads it from a
hidden element, ``<span data-workbook="…" data-workbook-state="…">``.
"""

from __future__ import annotations

import hashlib
from typing import Final

import ipywidgets as w

from widgets.session_state import WorkbookState

MARK_CLASS: Final = "workbook-kept-for"

KEPT_TEXT_SCRIPT: Final = r"""
  // What was typed and not confirmed saved: kept in this tab's sessionStorage only.
  function keyOf(box) {
    var holder = box.parentElement;
    while (holder && holder !== document.body) {
      var found = null;
      holder.classList.forEach(function (c) {
        if (!found && /^(item|field)-[a-z0-9_]+$/.test(c)) { found = c; }
      });
      if (found) {
        var boxes = holder.querySelectorAll("textarea, input[type=text]");
        return found + "#" + Array.prototype.indexOf.call(boxes, box);
      }
      holder = holder.parentElement;
    }
    return null;
  }
  function boxOf(key) {
    var parts = key.split("#");
    var holder = document.querySelector(".workbook-app ." + parts[0]);
    if (!holder) { return null; }
    return holder.querySelectorAll("textarea, input[type=text]")[Number(parts[1])] || null;
  }
  function keep() {
    var boxes = {};
    [page.offered, page.pending].forEach(function (kept) {
      Object.keys(kept).forEach(function (k) { boxes[k] = kept[k]; });
    });
    page.dirty.forEach(function (box) {
      var key = document.contains(box) && keyOf(box);
      if (key) { boxes[key] = box.value; }
    });
    var owner = mark();
    try {
      if (owner && owner.id && owner.state !== "gone" && Object.keys(boxes).length) {
        sessionStorage.setItem(STORE, JSON.stringify({ workbook: owner.id, boxes: boxes }));
      } else {
        sessionStorage.removeItem(STORE);
      }
    } catch (e) { /* storage full or refused: the text is still in its box */ }
  }
  page.keep = keep;
  function putBack() {
    Object.keys(page.pending).forEach(function (key) {
      var box = boxOf(key);
      if (!box) { return; }  // its step is not open yet: put back when it is
      var text = page.pending[key];
      delete page.pending[key];
      if (box.value === text) { return; }
      box.value = text;
      page.dirty.add(box);
      page.lastInput = Date.now();
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
    keep();
  }
  var offered = null;
  try {
    offered = JSON.parse(sessionStorage.getItem(STORE) || "null");
  } catch (e) { offered = null; }
  page.offerChecked = !offered;
  if (offered) {
    var waiting = {};
    (function offer() {
      var app = root(), owner = mark();
      if (!app || !app.classList.contains("workbook-ready") || !owner) {
        setTimeout(offer, 200); return;
      }
      // Offered only to a page of the workbook it was typed in; any other page drops it.
      if (!offered.boxes || !offered.workbook || offered.workbook !== owner.id ||
          owner.state === "gone") {
        try { sessionStorage.removeItem(STORE); } catch (e) { /* nothing kept */ }
        page.offerChecked = true;
        return;
      }
      waiting = page.offered = offered.boxes;
      page.offerChecked = true;
      var bar = document.createElement("div");
      bar.className = "workbook-offer";
      bar.setAttribute("role", "alert");
      // fixed at the foot of the window: seen wherever the page is scrolled, on any phone
      bar.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:1000;" +
        "max-height:50vh;overflow:auto;padding:0.75em 1em;background:#fff8e1;" +
        "border-top:3px solid #8a6d00;color:#1a1a1a;box-shadow:0 -2px 8px rgba(0,0,0,0.2)";
      var say = document.createElement("p");
      say.textContent = page.words.offer;
      bar.appendChild(say);
      var list = document.createElement("ul");
      Object.keys(waiting).forEach(function (key) {
        var li = document.createElement("li");
        var text = String(waiting[key]);
        li.textContent = text.length > 120 ? text.slice(0, 120) + "…" : text;
        list.appendChild(li);
      });
      bar.appendChild(list);
      var yes = document.createElement("button");
      yes.type = "button"; yes.className = "workbook-button workbook-put-back";
      yes.textContent = page.words.putBack;
      var no = document.createElement("button");
      no.type = "button"; no.className = "workbook-button workbook-leave-out";
      no.textContent = page.words.leaveOut;
      yes.addEventListener("click", function () {
        Object.keys(waiting).forEach(function (k) { page.pending[k] = waiting[k]; });
        page.offered = {};
        bar.remove(); putBack();
      });
      no.addEventListener("click", function () {
        page.offered = {};
        bar.remove(); keep();
      });
      bar.appendChild(yes); bar.appendChild(no);
      document.body.appendChild(bar);
    })();
  }"""
"""The part of the page's script (``widgets.parts.page_script``) that keeps typed text in the
tab, under the workbook's mark, and offers it back to a page of the same workbook only."""


def workbook_mark(session_id: str | None) -> str:
    """The mark of a stored workbook's kept text ('' for a workbook not stored yet)."""
    if session_id is None:
        return ""
    return hashlib.sha256(f"kept-text:{session_id}".encode()).hexdigest()[:32]


def mark_html(mark: str, condition: str) -> str:
    """The hidden element the script reads: the mark, and ``open``, ``gone`` or ``ended``."""
    return f'<span data-workbook="{mark}" data-workbook-state="{condition}"></span>'


class KeptTextMark(w.HTML):  # type: ignore[misc]
    """A hidden element that follows the workbook behind the page: stored, deleted, ended.

    Deleting the workbook here leaves the mark of the deleted one with the state ``gone``, so
    that the script forgets what it kept for it; the next change starts a new workbook with a
    new mark.
    """

    def __init__(self, state: WorkbookState) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class(MARK_CLASS)
        self.state = state
        self._mark = workbook_mark(state.session_id)
        self._deleted = False
        self.follow()
        state.observe(lambda _: self.follow(), names=["workbook", "token", "gone", "ended"])

    def follow(self) -> None:
        """Show the mark of the workbook behind the page now, and whether it is still open."""
        state = self.state
        if state.session_id is not None:
            self._mark = workbook_mark(state.session_id)
            self._deleted = False
        elif self._mark:
            self._deleted = True  # deleted on this page: the state starts empty again
        if state.gone or self._deleted:
            condition = "gone"
        elif state.ended:
            condition = "ended"
        else:
            condition = "open"
        self.value = mark_html(self._mark, condition)
