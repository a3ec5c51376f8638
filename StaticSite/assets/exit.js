// Quick exit: a click on the exit link, or Shift pressed three times (each within 5 s of the
// last, any other key starts again), hides the page at once and replaces it in the history
// with the neutral site, so Back does not return here. Works as a plain link without script.
// (Served without comments or indentation: SiteMinifier.script.)
(function () {
  "use strict";
  var doc = document, root = doc.documentElement, link, status, presses = 0, timer;
  root.className += " js";

  // Tells screen readers the words in the status's attribute `key` (nothing: clears them).
  function say(key) {
    if (status) status.textContent = key ? status.getAttribute(key) : "";
  }

  function leave() {
    root.className += " exiting";
    doc.title = "";
    say("data-now");
    location.replace(link.href);
  }

  function reset() {
    presses = 0;
    clearTimeout(timer);
  }

  function onKey(event) {
    if (event.key != "Shift") return reset();
    if (event.repeat) return;
    clearTimeout(timer);
    timer = setTimeout(function () { reset(); say(); }, 5000);
    if (++presses > 2) { reset(); leave(); }
    else say(presses == 1 ? "data-one" : "data-two");
  }

  // One random id per filled-in form, so a double press of Send or a retried post is stored once.
  function randomID() {
    var bytes = crypto.getRandomValues(new Uint8Array(16)), id = "", i;
    for (i = 0; i < 16; i++) id += (bytes[i] + 256).toString(16).slice(1);
    return id;
  }

  function start() {
    link = doc.getElementById("exit");
    status = doc.getElementById("exit-status");
    if (!link) return;
    link.addEventListener("click", function (event) { event.preventDefault(); leave(); });
    doc.addEventListener("keydown", onKey, true);
    var ids = doc.querySelectorAll("input[name=submission_id]"), i;
    for (i = 0; i < ids.length; i++) if (!ids[i].value) ids[i].value = randomID();
  }

  // Restored from the back/forward cache: show the page again and start counting afresh.
  addEventListener("pageshow", function (event) {
    if (event.persisted) {
      root.className = root.className.replace(/ exiting/g, "");
      reset();
    }
  });

  if (doc.readyState == "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();
