"""A page that lost a widget on its way has its kernel draw it again (``widgets.parts.mend``).

On a busy server, a widget the kernel sent sometimes never reaches the page's widget manager;
ipywidgets then leaves that part out (CI saw a page with no steps, and a step 1 with no form).
Here the page is made to lose one for certain: a script run before the page's own wraps the
browser's WebSocket and drops the message that opens step 1's form. The page must notice,
ask its kernel, and show the whole form, which then saves as usual. While the kernel draws it
again, the old loss comes back (as from the old parts the kernel closes, which CI saw): the page
must not take it for a new one and ask again.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from harness.pages import stored, token_of, wait_until

from .conftest import DashboardServer

pytestmark = pytest.mark.browser

# The kernel's websocket speaks Jupyter's binary "v1" framing: a count of offsets, the offsets
# (8 bytes each, little-endian), then the channel, the header, the parent header, the metadata
# and the content. The first "comm_open" that LOST picks out is dropped, once.
LOSE_ONE = """
(function () {
  window.__dropped = 0;
  var Socket = window.WebSocket;
  var text = new TextDecoder();
  function part(buffer, offsets, i) {
    return text.decode(new Uint8Array(buffer, offsets[i], offsets[i + 1] - offsets[i]));
  }
  function lost(data) {
    if (window.__dropped || !(data instanceof ArrayBuffer) || data.byteLength < 16) {
      return false;
    }
    var view = new DataView(data), count = Number(view.getBigUint64(0, true)), offsets = [];
    for (var i = 0; i < count; i++) { offsets.push(Number(view.getBigUint64(8 * i + 8, true))); }
    offsets.push(data.byteLength);
    if (offsets.length < 6 || JSON.parse(part(data, offsets, 1)).msg_type !== "comm_open") {
      return false;
    }
    var state = (JSON.parse(part(data, offsets, 4)).data || {}).state || {};
    return LOST(state);
  }
  // The first loss the page met, as ipywidgets reported it.
  var first = null;
  function met(error) {
    var root = (error && error.error_stack && error.error_stack[0]) || error;
    if (!first && root && String(root.message).indexOf("widget model not found") >= 0) {
      first = root;
    }
  }
  window.addEventListener("unhandledrejection", function (event) { met(event.reason); });
  var write = console.error;
  console.error = function () {
    Array.prototype.forEach.call(arguments, met);
    return write.apply(console, arguments);
  };
  // Once the page has asked, what the kernel sends is held for a while, in order, as from a
  // busy kernel: the old page stays on the screen meanwhile. Then, as the kernel closes the
  // old parts, their failed views give up that first loss once more: it is not a new one.
  var held = null;
  function slow(socket, handler, event) {
    var asked = window.workbookMend && window.workbookMend.asked;
    if (asked && !held && !window.__released) {
      held = [];
      window.setTimeout(function () {
        window.__released = true;
        held.splice(0).forEach(function (one) { one(); });
        if (first) { window.__again = 1; Promise.reject(first); }
      }, 3000);
    }
    if (held && !window.__released) {
      held.push(function () { handler.call(socket, event); });
      return;
    }
    return handler.call(socket, event);
  }
  class Losing extends Socket {
    set onmessage(handler) {
      super.onmessage = function (event) {
        if (lost(event.data)) { window.__dropped += 1; return; }
        return slow(this, handler, event);
      };
    }
    get onmessage() { return super.onmessage; }
  }
  window.WebSocket = Losing;
  // A page that keeps changing meanwhile: the error it shows until the kernel has drawn it again
  // must not make it ask twice.
  window.setInterval(function () {
    if (!document.body) { return; }
    var tick = document.createElement("i");
    document.body.appendChild(tick);
    tick.remove();
  }, 50);
})();
"""
LOSES = {
    # step 1's form (the box of all its fields): the step's box is told of it and cannot find it
    "the form": "s => s._model_name === 'VBoxModel' && (s.children || []).length > 25",
    # the form's first words: the form itself cannot be made ("Click to show javascript error")
    "the form's words": "s => String(s.value || '').indexOf('Tell us a little') >= 0",
}


def assert_asked_once(page: Page) -> None:
    """The page asked its kernel once, and once it had the answer, did not ask again."""
    page.wait_for_function("window.workbookMend.settled >= 1", timeout=60_000)
    asked, waiting, trail = page.evaluate(
        "[window.workbookMend.asked, window.workbookMend.waiting, window.workbookMend.trail]"
    )
    assert (asked, waiting) == (1, False), f"asked {asked} times; to ask again: {waiting}; {trail}"


@pytest.mark.parametrize("what", LOSES)
def test_a_page_that_lost_part_of_its_form_on_the_way_gets_it_drawn_again(
    dashboard_server: DashboardServer, browser: Browser, what: str
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(f"var LOST = {LOSES[what]};" + LOSE_ONE)
        page.goto(dashboard_server.url)
        page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
        expect(page.locator(".workbook-intake .field-filled_by")).to_be_visible(timeout=60_000)
        expect(page.locator(".workbook-intake h2")).to_have_text("Your situation")
        assert page.evaluate("window.__dropped") == 1, f"{what} was not lost on its way"
        assert page.evaluate("window.__again") == 1, "the first loss did not come back"
        assert_asked_once(page)
        assert any(
            "lost a widget; drawing it again" in line for line in dashboard_server.kernel_lines(400)
        )
        # the form drawn again works like any other
        page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
        expect(page).to_have_url(re.compile("#workbook="), timeout=30_000)
        book = wait_until(
            lambda: stored(dashboard_server, token_of(page.url)).answers.get("filled_by"),
            what="the first answer saved",
        )
        assert book == "patient"
    finally:
        context.close()


def test_a_step_that_lost_part_of_itself_when_opened_gets_drawn_again(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    """Step 2's words lost: its list cannot be made, and the open step cannot change to it.

    ipywidgets then says so only inside a wrapped error ("Could not process update msg"), in
    the console, not in the words the page listens for at the top.
    """
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        lost = "s => String(s.value || '').indexOf('<h2>Questions to ask') >= 0"
        page.add_init_script(f"var LOST = {lost};" + LOSE_ONE)
        page.goto(dashboard_server.url)
        page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
        nav = page.get_by_role("navigation", name="Steps of the workbook")
        nav.get_by_role("button", name="2. Questions to ask", exact=True).click()
        expect(page.locator(".workbook-questions h2")).to_have_text(
            "Questions to ask", timeout=60_000
        )
        assert page.evaluate("window.__dropped") == 1, "step 2's words were not lost on their way"
        assert page.evaluate("window.__again") == 1, "the first loss did not come back"
        assert_asked_once(page)
    finally:
        context.close()
