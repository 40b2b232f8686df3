// The page tells its kernel about the visit (widgets/parts/visit.py): the private link's secret
// from the address's fragment (#workbook=..., or the care team's #care-team=..., never sent to
// any server), the browser's languages, a language asked for with ?lang=, and the page's own
// address. It goes once per page load, into the hidden box of class "workbook-visit", as the
// widget's own input would.
(function (CONFIG) {
  var shown = document.querySelector(".workbook-opening");
  var languages = navigator.languages && navigator.languages.length
    ? Array.prototype.slice.call(navigator.languages) : [navigator.language || ""];
  if (shown && /^es\b/i.test(languages[0] || "")) { shown.textContent = CONFIG.opening_es; }
  if (window.workbookVisitSent) { return; }
  // A private link pasted into this tab changes only the fragment, which loads nothing: load it.
  window.addEventListener("hashchange", function () {
    var read = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    if (read.get(CONFIG.fragment) || read.get(CONFIG.care_team_fragment)) {
      window.location.reload();
    }
  });
  var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var query = new URLSearchParams(window.location.search);
  var visit = {
    token: fragment.get(CONFIG.fragment) || null,
    care_team_token: fragment.get(CONFIG.care_team_fragment) || null,
    languages: languages.join(","),
    lang: query.get("lang") || null,
    address: window.location.origin + window.location.pathname
  };
  var tries = 0, sent = 0;
  // Sent again every few seconds until the kernel has built the page (it takes the first it
  // hears and ignores the rest), each time into the next hidden box.
  function send() {
    var boxes = document.querySelectorAll(".workbook-visit input");
    if (document.querySelector(".workbook-app")) { return; }  // the page is open: done
    if (!boxes.length) {
      if (!sent && ++tries < 600) { window.setTimeout(send, 50); }
      return;
    }
    window.workbookVisitSent = true;
    visit.n = ++sent;
    // each try in the next box: a box whose first message was lost sends nothing more
    var box = boxes[(sent - 1) % boxes.length];
    box.value = JSON.stringify(visit);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.dispatchEvent(new Event("change", { bubbles: true }));
    if (sent < 45) { window.setTimeout(send, 2000); }
  }
  send();
  // Under load, a page whose kernel was still starting sometimes never opens: its visit is not
  // heard, or the page built for it never arrives. A page not open after a while loads once more
  // (twice at most for this tab): a new page gets a new kernel, and nothing was typed yet. A
  // kernel that said it heard the visit is given longer, as a large workbook takes time to build.
  function loadAgainIfStuck(heardToo) {
    if (document.querySelector(".workbook-app")) {
      window.sessionStorage.removeItem(CONFIG.reload_key);  // opened (or a notice): all is well
      return;
    }
    if (!heardToo && document.querySelector(".workbook-heard")) { return; }
    var tried = Number(window.sessionStorage.getItem(CONFIG.reload_key) || "0");
    if (tried >= 2) { return; }
    window.sessionStorage.setItem(CONFIG.reload_key, String(tried + 1));
    window.location.reload();
  }
  window.setTimeout(function () { loadAgainIfStuck(false); }, CONFIG.reload_after_ms);
  window.setTimeout(function () { loadAgainIfStuck(true); }, CONFIG.reload_after_ms * 2.5);
})
