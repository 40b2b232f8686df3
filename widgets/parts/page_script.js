// The workbook page's own script: what the kernel cannot see (widgets/parts/page_script.py).
// The kernel sends this file followed by "(CONFIG);", CONFIG holding the page's words in the
// workbook's language and its settings (page_script.page_script names every key).
(function (CONFIG) {
  var WORDS = {
    lost: CONFIG.lost, stopped: CONFIG.stopped, offer: CONFIG.offer, putBack: CONFIG.put_back,
    leaveOut: CONFIG.leave_out, copied: CONFIG.copied, notCopied: CONFIG.not_copied,
    notSaved: CONFIG.not_saved, stoppedNew: CONFIG.stopped_new, paused: CONFIG.paused,
    resume: CONFIG.resume, offline: CONFIG.offline, saving: CONFIG.saving,
    barLabel: CONFIG.bar_label
  };
  document.title = CONFIG.title;
  document.documentElement.lang = CONFIG.language;
  if (window.workbookPage) {  // the page in another language: new words, the same page
    window.workbookPage.words = WORDS;
    if (window.workbookPage.show) { window.workbookPage.show(); }
    return;
  }
  var page = window.workbookPage = {
    online: true, network: navigator.onLine !== false, dirty: new Set(), clock: 0,
    lastInput: 0, answered: 0, pinged: 0, asked: 0, beatAt: 0, beat: "",
    kernelGone: false, pending: {}, offered: {}, words: WORDS
  };
  var BEAT_LOST_MS = CONFIG.beat_lost_ms, BEAT_EVERY_MS = CONFIG.beat_every_ms;
  var STORE = CONFIG.storage_key;
  var STEP_HEADINGS = CONFIG.headings;
  document.querySelectorAll("link[rel~='icon']").forEach(function (l) { l.remove(); });
  var icon = document.createElement("link");
  icon.rel = "icon"; icon.type = "image/svg+xml"; icon.href = CONFIG.icon;
  document.head.appendChild(icon);

  // One clock for what the person does and for the pings: "the kernel answered a ping sent
  // after the last change" is then exact, even for two events in the same millisecond.
  function tick() { page.clock = Math.max(Date.now(), page.clock + 1); return page.clock; }
  function root() { return document.querySelector(".workbook-app"); }
  // The workbook this page's kept text belongs to ("" before it is stored), and whether it
  // is "open", "gone" (deleted) or "ended" (another page made a new private link).
  function mark() {
    var el = document.querySelector(".workbook-kept-for [data-workbook]");
    return el ? { id: el.getAttribute("data-workbook"),
                  state: el.getAttribute("data-workbook-state") } : null;
  }
  function kernelSays() {
    var el = document.querySelector(".workbook-saved [data-save]");
    return el ? el.getAttribute("data-save") : "";
  }
  function setText(el, text) { if (el && el.textContent !== text) { el.textContent = text; } }

  // The status bar: at the top of the screen wherever the page is scrolled, one live region
  // that says Saving, Saved, not saved and why, or that there is no connection. Only on the
  // workbook's own page: inside a JupyterLab notebook (the navigator's desk) the status stays
  // under the steps, as the kernel shows it.
  function bar() {
    var app = root();
    if (!app || app.closest(".jp-NotebookPanel")) { return null; }
    var el = document.querySelector(".workbook-status-bar");
    if (!el) {
      el = document.createElement("div");
      el.className = "workbook-status-bar";
      el.setAttribute("role", "region");
      el.setAttribute("data-status", "");
      var said = document.createElement("p");
      said.className = "workbook-status";
      said.setAttribute("role", "status");
      var trouble = document.createElement("p");
      trouble.className = "workbook-connection";
      trouble.setAttribute("role", "alert");
      trouble.style.display = "none";
      el.appendChild(said);
      el.appendChild(trouble);
      document.body.appendChild(el);
      if (window.ResizeObserver) { new ResizeObserver(fit).observe(el); }
      if (window.visualViewport) {
        window.visualViewport.addEventListener("resize", fit);
        window.visualViewport.addEventListener("scroll", fit);
      }
    }
    if (el.getAttribute("aria-label") !== page.words.barLabel) {
      el.setAttribute("aria-label", page.words.barLabel);
    }
    app.classList.add("workbook-has-status-bar");
    return el;
  }
  var scroller = null;
  function scrollerOf(el) {
    // The element the page scrolls in (in Voilà, not the document itself).
    for (var e = el && el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (e.scrollHeight > e.clientHeight + 1 &&
          /(auto|scroll)/.test(getComputedStyle(e).overflowY)) { return e; }
    }
    return null;
  }
  function fit() {
    // Room above the page for the bar, and below it for a box or heading that gets the
    // focus; on a phone whose keyboard moved the visible part of the page, the bar moves
    // with it.
    var el = document.querySelector(".workbook-status-bar");
    if (!el) { return; }
    var high = el.offsetHeight;
    document.documentElement.style.setProperty("--workbook-status-bar", high + "px");
    if (!scroller || !document.contains(scroller)) { scroller = scrollerOf(root()); }
    var padding = (high + 12) + "px";
    [scroller, document.documentElement].forEach(function (s) {
      if (s && s.style.scrollPaddingTop !== padding) { s.style.scrollPaddingTop = padding; }
    });
    var moved = window.visualViewport ? Math.max(0, window.visualViewport.offsetTop) : 0;
    el.style.transform = moved ? "translateY(" + moved + "px)" : "";
  }
  // Where the page says what is wrong with the connection: in the bar, or (inside a
  // notebook) just after the kernel's save status.
  function status() {
    var inBar = bar();
    if (inBar) { return inBar.querySelector(".workbook-connection"); }
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
  // The kernel has answered a ping sent after the person's last change: every change sent
  // before it has reached the kernel, so the kernel's "saved" covers it.
  function confirmed() { return page.answered >= page.lastInput; }
  page.unsaved = function () {
    if (!page.dirty.size) { return false; }
    if (page.online && kernelSays() === "saved" && confirmed()) {
      page.dirty.clear();
      keep();  // whoever asks first, what is saved is no longer kept in the tab
      return false;
    }
    return true;
  };
  // What stands between the page and the store: "" (nothing), or why nothing can be saved.
  // Offline comes first: the page never asks for a reload that would fail.
  function trouble() {
    if (!page.network) { return "offline"; }
    if (page.paused) { return "paused"; }
    if (page.kernelGone) { return "stopped"; }
    return page.online ? "" : "lost";
  }
  function show() {
    var app = root(), el = status();
    if (!app || !el) { return; }
    var why = trouble();
    app.classList.toggle("workbook-offline", !!why);
    var stopped = (mark() || {}).id ? page.words.stopped : page.words.stoppedNew;
    var words = { offline: page.words.offline, paused: page.words.paused, stopped: stopped,
                  lost: page.words.lost }[why] || "";
    setText(el, words);
    var display = words ? "" : "none";
    if (el.style.display !== display) { el.style.display = display; }
    var resume = document.querySelector(".workbook-resume");
    if (resume) { resume.style.display = why === "paused" ? "" : "none"; }
    // The kernel's own save status cannot change while it is out of reach: never let it
    // say "saved" then. What it said comes back with the connection.
    var said = document.querySelector(".workbook-saved [data-save]");
    if (said && why) {
      if (!said.hasAttribute("data-kernel-save")) {
        said.setAttribute("data-kernel-save", said.getAttribute("data-save"));
        said.setAttribute("data-kernel-text", said.textContent);
      }
      said.setAttribute("data-save", "offline");
      setText(said, page.words.notSaved);
    } else if (said && said.hasAttribute("data-kernel-save")) {
      said.setAttribute("data-save", said.getAttribute("data-kernel-save"));
      setText(said, said.getAttribute("data-kernel-text"));
      said.removeAttribute("data-kernel-save");
      said.removeAttribute("data-kernel-text");
    }
    var shown = document.querySelector(".workbook-status-bar");
    if (!shown) { return; }
    // The bar says what the kernel says, and "Saving…" until the kernel's "saved" is known
    // to come after the person's last change (a ping answered since).
    var state = why, text = "";
    if (!why) {
      page.unsaved();  // text confirmed saved stops being kept before the bar says "Saved"
      state = kernelSays();
      text = said ? said.textContent : "";
      if (state === "saved" && !confirmed()) {
        state = "saving"; text = page.words.saving;
        if (Date.now() - page.pinged > 250) { ping(); }
      }
    }
    if (shown.getAttribute("data-status") !== state) { shown.setAttribute("data-status", state); }
    setText(shown.querySelector(".workbook-status"), text);
  }
  page.show = show;

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
      page.lastInput = tick();
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
      var offerBar = document.createElement("div");
      offerBar.className = "workbook-offer";
      offerBar.setAttribute("role", "alert");
      // fixed at the foot of the window: seen wherever the page is scrolled, on any phone
      offerBar.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:1000;" +
        "max-height:50vh;overflow:auto;padding:0.75em 1em;background:#fff8e1;" +
        "border-top:3px solid #8a6d00;color:#1a1a1a;box-shadow:0 -2px 8px rgba(0,0,0,0.2)";
      var say = document.createElement("p");
      say.textContent = page.words.offer;
      offerBar.appendChild(say);
      var list = document.createElement("ul");
      Object.keys(waiting).forEach(function (key) {
        var li = document.createElement("li");
        var text = String(waiting[key]);
        li.textContent = text.length > 120 ? text.slice(0, 120) + "…" : text;
        list.appendChild(li);
      });
      offerBar.appendChild(list);
      var yes = document.createElement("button");
      yes.type = "button"; yes.className = "workbook-button workbook-put-back";
      yes.textContent = page.words.putBack;
      var no = document.createElement("button");
      no.type = "button"; no.className = "workbook-button workbook-leave-out";
      no.textContent = page.words.leaveOut;
      yes.addEventListener("click", function () {
        Object.keys(waiting).forEach(function (k) { page.pending[k] = waiting[k]; });
        page.offered = {};
        offerBar.remove(); putBack();
      });
      no.addEventListener("click", function () {
        page.offered = {};
        offerBar.remove(); keep();
      });
      offerBar.appendChild(yes); offerBar.appendChild(no);
      document.body.appendChild(offerBar);
    })();
  }
  // The person's changes: text boxes are remembered until the kernel says all is saved after
  // them; every change (a choice too) waits for a ping answered after it before "Saved".
  function changed(event) {
    var box = event.target;
    if (!event.isTrusted || !box.closest || !box.closest(".workbook-app")) { return; }
    var typed = box.tagName === "TEXTAREA" || box.type === "text";
    if (typed && event.type !== "input") { return; }
    page.lastInput = tick();
    if (typed) { page.dirty.add(box); keep(); }
    show();
  }
  document.addEventListener("input", changed, true);
  document.addEventListener("change", changed, true);
  new MutationObserver(function () {
    var beat = document.querySelector(".workbook-beat [data-beat]");
    var now = beat ? beat.getAttribute("data-beat") : "";
    if (now && now !== page.beat) {
      page.beat = now;
      page.beatAt = Date.now();
      page.asked = 0;  // the kernel answered
      var asked = Number(beat.getAttribute("data-asked")) || 0;
      if (asked > page.answered) { page.answered = asked; }
      if (page.kernelGone) { page.kernelGone = false; check(); }
    }
    page.unsaved();
    var owner = mark();
    if (owner && owner.state === "gone" && owner.id !== page.dropped) {
      // The workbook was deleted: nothing typed for it is kept, or offered, any more.
      page.dropped = owner.id;
      page.offered = {}; page.pending = {};
      document.querySelectorAll(".workbook-offer").forEach(function (b) { b.remove(); });
      keep();
    }
    show();
  }).observe(document.body, { subtree: true, childList: true, characterData: true });

  // The kernel's connection: every websocket to the kernel's channels is watched.
  var sockets = new Set();
  function watch(socket) {
    if (sockets.has(socket) || String(socket.url).indexOf("/channels") < 0) { return; }
    sockets.add(socket);
    page.socket = socket;
    socket.addEventListener("close", function (event) {
      if (event.code === CONFIG.paused_code) { paused(); }  // the server made room for someone
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
    var el = status();
    if (el && el.parentNode) { el.parentNode.insertBefore(go, el.nextSibling); }
    else { document.body.appendChild(go); }
    check();
  }
  function check() {
    var open = false;
    sockets.forEach(function (s) { if (s.readyState === 1) { open = true; } });
    if (page.socket && sockets.size === 0) { open = false; }
    else if (!page.socket) { open = true; }  // no message sent yet: nothing to lose
    // Pings unanswered while the device is offline say nothing about the kernel.
    if (page.network && page.asked && Date.now() - page.asked > BEAT_LOST_MS) {
      page.kernelGone = true;
    }
    if (page.kernelGone || page.paused || !page.network) { open = false; }
    if (open && !page.online) {
      // Back: send the boxes still waiting again, and say "Saved" only once the kernel has
      // answered a ping sent from now on (after whatever was done while away).
      page.resendDue = true;
      page.lastInput = tick();
    }
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
    page.lastInput = tick();
  }
  page.resend = resend;
  function ping() {
    // The kernel echoes the ping's number: it has then handled everything sent before it.
    var box = document.querySelector(".workbook-beat-button input");
    if (!box || !page.network || (page.socket && page.socket.readyState !== 1)) { return; }
    page.pinged = tick();
    if (!page.asked) { page.asked = page.pinged; }
    box.value = String(page.pinged);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }
  // The device's own word on its network: at once, where the kernel's socket may stay open.
  window.addEventListener("offline", function () {
    page.network = false; page.asked = 0; keep(); check();
  });
  window.addEventListener("online", function () {
    page.network = true; page.asked = 0; check(); ping();
  });
  setInterval(function () {
    // Ping the kernel every BEAT_SECONDS while its connection is open; it answers.
    if (Date.now() - page.pinged >= BEAT_EVERY_MS) { ping(); }
    fit();
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
})
