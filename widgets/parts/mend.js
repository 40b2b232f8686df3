// A page that lost a widget on its way asks its kernel to draw it again (widgets/parts/mend.py).
// The kernel sends this file followed by "(CONFIG);". It stays for the life of the page.
(function (CONFIG) {
  if (window.workbookMend) { return; }
  var mend = window.workbookMend = {
    asked: 0, since: 0, settled: 0, waiting: false, again: false, heard: 0, watched: null, trail: []
  };
  function note(what) {
    // What the page heard and did, with the time since it opened, for whoever looks into it.
    if (mend.trail.length < 60) { mend.trail.push(Math.round(performance.now()) + " " + what); }
  }
  function manager() {
    var app = window.jupyterapp;
    return app && app.widgetManager;
  }
  function stamp(found) {
    // Each widget's loss is stamped with when the page first met it. A loss met before the
    // page asked comes back while the kernel draws the page again (the old parts it closes
    // give up their failed views): that is the old page going, not a new loss.
    if (!found || !found.get_model || found.__mendStamped) { return; }
    found.__mendStamped = true;
    var get = found.get_model;
    found.get_model = function () {
      return get.apply(this, arguments).catch(function (error) {
        if (error && typeof error === "object" && !error.__mendMet) { error.__mendMet = Date.now(); }
        throw error;
      });
    };
  }
  function old(error) {
    var first = (error && error.error_stack && error.error_stack[0]) || error;
    return Boolean(mend.since && first && first.__mendMet && first.__mendMet < mend.since);
  }
  function watch(found) {
    // The time of the last message from the kernel: asked while widgets are still on their
    // way, the kernel's answer would race them.
    stamp(found);
    var kernel = found && found.kernel;
    if (!kernel || mend.watched === kernel || !kernel.anyMessage) { return; }
    mend.watched = kernel;
    kernel.anyMessage.connect(function (_sender, args) {
      if (args && args.direction === "recv") { mend.heard = Date.now(); }
    });
  }
  function askWhenQuiet() {
    var found = manager();
    watch(found);
    if (Date.now() - mend.heard < CONFIG.quiet_ms) {
      window.setTimeout(askWhenQuiet, CONFIG.quiet_ms / 3);
      return;
    }
    mend.asked += 1;
    mend.since = Date.now();
    mend.again = false;
    note("asked");
    found.get_model(CONFIG.box).then(function (box) {
      box.set("value", String(mend.asked));
      box.save_changes();
      var asked = Date.now();
      mend.heard = 0;
      window.setTimeout(function () { settle(found.kernel, asked); }, CONFIG.quiet_ms);
    }, function () { mend.asked = CONFIG.most; });  // the box itself is lost: nothing to do
  }
  function settle(kernel, asked) {
    // Until the kernel has drawn the page again and gone quiet, what is on the screen is the
    // old page: it is not lost again. Then look once more.
    var busy = kernel && kernel.status === "busy";
    if (mend.heard < asked || busy || Date.now() - mend.heard < CONFIG.quiet_ms) {
      window.setTimeout(function () { settle(kernel, asked); }, CONFIG.quiet_ms / 3);
      return;
    }
    mend.waiting = false;
    mend.settled += 1;
    note("settled" + (mend.again ? ", lost again meanwhile" : "") + (shown() ? ", error shown" : ""));
    if (mend.again || shown()) { lost("after settling"); }
  }
  function shown() {
    return Boolean(document.querySelector(".workbook-app ." + CONFIG.error_widget));
  }
  function lost(why, error) {
    var found = manager();
    if (old(error)) {
      note("the old page's loss again: " + String(why).slice(0, 120));
      return;
    }
    note("lost: " + String(why).slice(0, 400));
    if (mend.waiting) { mend.again = true; return; }
    if (mend.asked >= CONFIG.most || !found || !found.get_model) { return; }
    mend.waiting = true;
    mend.heard = Date.now();
    watch(found);
    window.setTimeout(askWhenQuiet, CONFIG.quiet_ms);
  }
  function told(error) {
    // the error's words and where it was thrown, in short
    var where = String((error && error.stack) || "").split("\n").slice(1, 5).map(function (line) {
      return line.trim().replace(/\(?https?:\/\/[^ ]*\/([^/ ?]*)(\?[^: ]*)?/g, "$1");
    });
    return [String((error && error.message) || error)].concat(where).join(" | ");
  }
  function says(error) {
    // ipywidgets wraps the first error in others ("Could not process update msg…"), keeping
    // the first in error_stack.
    var all = [error].concat((error && error.error_stack) || []);
    return all.some(function (one) {
      var text = String((one && one.message) || one || "");
      return CONFIG.lost.some(function (words) { return text.indexOf(words) >= 0; });
    });
  }
  stamp(manager());
  // ipywidgets also catches some, and only writes them to the console.
  var write = console.error;
  console.error = function () {
    var which = Array.prototype.find.call(arguments, says);
    if (which) { lost(told(which), which); }
    return write.apply(console, arguments);
  };
  window.addEventListener("unhandledrejection", function (event) {
    if (says(event.reason)) { lost(told(event.reason), event.reason); }
  });
  window.addEventListener("error", function (event) {
    if (says(event.error || event.message)) { lost(event.message, event.error); }
  });
  // What ipywidgets draws in place of a widget it could not draw.
  new MutationObserver(function () {
    if (!mend.waiting && shown()) { lost("an error widget shown"); }
  }).observe(document.body, { subtree: true, childList: true });
})
