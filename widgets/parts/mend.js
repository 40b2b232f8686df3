// A page that lost a widget on its way asks its kernel to draw it again (widgets/parts/mend.py).
// The kernel sends this file followed by "(CONFIG);". It stays for the life of the page.
(function (CONFIG) {
  if (window.workbookMend) { return; }
  var mend = window.workbookMend = {
    asked: 0, waiting: false, again: false, heard: 0, watched: null
  };
  function manager() {
    var app = window.jupyterapp;
    return app && app.widgetManager;
  }
  function watch(found) {
    // The time of the last message from the kernel: asked while widgets are still on their
    // way, the kernel's answer would race them.
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
    mend.again = false;
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
    if (mend.again || shown()) { lost(); }
  }
  function shown() {
    return Boolean(document.querySelector(".workbook-app ." + CONFIG.error_widget));
  }
  function lost() {
    var found = manager();
    if (mend.waiting) { mend.again = true; return; }
    if (mend.asked >= CONFIG.most || !found || !found.get_model) { return; }
    mend.waiting = true;
    mend.heard = Date.now();
    watch(found);
    window.setTimeout(askWhenQuiet, CONFIG.quiet_ms);
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
  // ipywidgets also catches some, and only writes them to the console.
  var write = console.error;
  console.error = function () {
    if (Array.prototype.some.call(arguments, says)) { lost(); }
    return write.apply(console, arguments);
  };
  window.addEventListener("unhandledrejection", function (event) {
    if (says(event.reason)) { lost(); }
  });
  window.addEventListener("error", function (event) {
    if (says(event.error || event.message)) { lost(); }
  });
  // What ipywidgets draws in place of a widget it could not draw.
  new MutationObserver(function () {
    if (!mend.waiting && shown()) { lost(); }
  }).observe(document.body, { subtree: true, childList: true });
})
