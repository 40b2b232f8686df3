"""What ipywidgets cannot tell a screen reader or a keyboard about the page, said in the browser.

ipywidgets draws its controls without roles or names the workbook needs, so a small script of
its own (``ROLES_SCRIPT``, sent once by ``PageRoles``) adds them and keeps them as the widgets
are drawn again:

- **Landmarks.** The workbook (``.workbook-app``) is the page's ``main`` (unless the page has one
  already, as JupyterLab has around the navigator's desk); the row of step buttons
  (``.workbook-nav``) is a ``nav`` named "Steps of the workbook", the current one marked with
  ``aria-current="step"``.
- **Radio groups.** A ``RadioButtons`` with the class ``CHOICE_GROUP`` becomes a ``radiogroup``
  named by its description, its radios one named set: one Tab stop for the group, and the arrow
  keys move within it, as native radios do (ipywidgets gives its radios no name, so each was a
  Tab stop of its own and the arrows did nothing). An intake field's check boxes
  (``.workbook-checkbox-group``) are a ``group`` named by the field's label.
- **Focus.** ``FocusMover`` puts the keyboard focus on an element drawn after a change (the
  question just added, the Undo after a deletion), once it shows. A control that loses the focus
  because it is busy for a moment (a button that does work) gets it back; one that is hidden or
  drawn again hands it to the control before it in the step, or to the step's heading, never
  to the page's top (where the next Tab would start from the first line again).

Nothing here talks to any server.
"""

from __future__ import annotations

import json
import secrets

import ipywidgets as w

from secondopinion.language import DEFAULT_LANGUAGE, N_, translator
from widgets.parts.page_script import STEP_HOOKS
from widgets.parts.scripts import javascript

CHOICE_GROUP = "workbook-choice-group"
"""The class of a ``RadioButtons`` whose radios are one group."""

STEPS_NAME = N_("Steps of the workbook")

ROLES_SCRIPT = """
(function (WORDS) {
  var roles = window.workbookRoles;
  if (roles) { roles.words = WORDS; roles.apply(); return; }
  roles = window.workbookRoles = { words: WORDS, groups: 0 };
  function apply() {
    // The page's main part, unless the page has one already (JupyterLab, around the desk).
    var app = document.querySelector(".workbook-app");
    var other = document.querySelector("main, [role=main]:not(.workbook-app)");
    if (app && !other && app.getAttribute("role") !== "main") { app.setAttribute("role", "main"); }
    document.querySelectorAll(".workbook-nav").forEach(function (nav) {
      nav.setAttribute("role", "navigation");
      nav.setAttribute("aria-label", roles.words.steps);
      nav.querySelectorAll("button").forEach(function (button) {
        if (button.classList.contains("workbook-current-step")) {
          button.setAttribute("aria-current", "step");
        } else if (button.hasAttribute("aria-current")) {
          button.removeAttribute("aria-current");
        }
      });
    });
    document.querySelectorAll("." + WORDS.group).forEach(function (group) {
      var box = group.querySelector(".widget-radio-box");
      var label = group.querySelector(".widget-label");
      if (!box) { return; }
      if (!group.hasAttribute("data-group")) {
        group.setAttribute("data-group", "workbook-group-" + (++roles.groups));
      }
      var name = group.getAttribute("data-group");
      box.setAttribute("role", "radiogroup");
      if (label) {
        label.id = name + "-name";
        box.setAttribute("aria-labelledby", label.id);
      }
      box.querySelectorAll("input[type=radio]").forEach(function (radio) {
        if (radio.name !== name) { radio.name = name; }
      });
    });
    document.querySelectorAll(".workbook-field .workbook-checkbox-group").forEach(function (box) {
      var label = box.closest(".workbook-field").querySelector(".workbook-field-label");
      if (!label) { return; }
      if (!label.id) { label.id = "workbook-group-" + (++roles.groups) + "-name"; }
      box.setAttribute("role", "group");
      box.setAttribute("aria-labelledby", label.id);
    });
  }
  roles.apply = apply;
  // The focus, when the control that had it is disabled, hidden or drawn again: a button that
  // is busy for a moment gets it back; otherwise the control before it in the step, else the
  // step's heading. Never while the page moves the focus itself (FocusMover, a new step).
  var last = null, lastStep = null, busy = null;
  document.addEventListener("focusin", function (event) {
    last = event.target;
    lastStep = last.closest ? last.closest(WORDS.steps_selector) : null;
    busy = null;
  });
  function usable(el) {
    return el && el.isConnected && el.offsetParent !== null && !el.disabled;
  }
  function rescue() {
    var lost = document.activeElement === document.body || !document.activeElement;
    var step = lastStep;
    if (!lost || !last || window.workbookFocusPending || usable(last)) { return; }
    if (!step || !step.isConnected || step.offsetParent === null) { return; }
    var before = null;
    step.querySelectorAll("button, input, select, textarea, a[href], summary")
      .forEach(function (el) {
        if (usable(el) && el.tabIndex >= 0 &&
            (el.compareDocumentPosition(last) & Node.DOCUMENT_POSITION_FOLLOWING)) {
          before = el;
        }
      });
    var target = before || step.querySelector("h2");
    if (!target) { return; }
    if (target.tagName === "H2") { target.setAttribute("tabindex", "-1"); }
    target.focus();
  }
  var waiting = false;
  new MutationObserver(function () {
    if (waiting) { return; }
    waiting = true;
    setTimeout(function () {
      waiting = false;
      apply();
      var nowhere = document.activeElement === document.body;
      if (window.workbookFocusPending) {
        return;
      } else if (busy && nowhere && usable(busy)) {  // a busy button, enabled again
        busy.focus();
      } else if (last && nowhere && last.disabled && last.isConnected) {
        busy = last;
      } else {
        rescue();
      }
    }, 0);
  }).observe(document.body, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ["class", "style", "disabled"]
  });
  apply();
})
"""

FOCUS_SCRIPT = """
(function (selector, request) {
  var done = window.workbookFocused = window.workbookFocused || {};
  if (done[request]) { return; }
  done[request] = true;
  window.workbookFocusPending = true;
  var tries = 0;
  (function attempt() {
    var target = document.querySelector(selector);
    if (target && target.offsetParent !== null && !target.disabled) {
      window.workbookFocusPending = false;
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    } else if (tries++ < 200) {
      setTimeout(attempt, 50);
    } else {
      window.workbookFocusPending = false;
    }
  })();
})
"""


def roles_script(language: str = DEFAULT_LANGUAGE) -> str:
    """The script that gives the page its landmarks and radio groups, in ``language``."""
    words = {
        "steps": translator(language).gettext(STEPS_NAME),
        "group": CHOICE_GROUP,
        "steps_selector": ", ".join(f".{hook}" for hook in STEP_HOOKS),
    }
    return f"{ROLES_SCRIPT.strip()}({json.dumps(words)});"


class PageRoles(w.Output):  # type: ignore[misc]
    """An invisible output that runs ``roles_script`` (once per page; again only for new words)."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class("workbook-page-roles")
        self.outputs = javascript(roles_script(language))


class FocusMover(w.Output):  # type: ignore[misc]
    """An invisible output that moves the keyboard focus to an element once it is shown.

    Each request runs once in the page, even when the output is drawn again.
    """

    def __init__(self) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class("workbook-focus-mover")
        self.target = ""
        """The CSS selector of the last element asked for."""

    def move_to(self, selector: str) -> None:
        """Put the focus on the first element matching ``selector`` as soon as it shows."""
        self.target = selector
        request = secrets.token_hex(6)
        code = f"{FOCUS_SCRIPT.strip()}({json.dumps(selector)}, {json.dumps(request)});"
        self.outputs = javascript(code)
