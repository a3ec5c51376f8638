// Quick exit: a click on the exit link, or Shift pressed three times (each within 5 s of the
// last, any other key starts again), hides the page at once and replaces it in the history
// with the neutral site, so Back does not return here. Works as a plain link without script.
// (Served without comments or indentation: SiteMinifier.script. Every page loads this script,
// so its names are short; each is said where it is declared.)
(function (d) {
  "use strict";
  // r: the page's root element, x: the exit link, s: its status for screen readers,
  // n: Shift presses so far, t: the timer that forgets them after 5 s.
  var r = d.documentElement, x, s, n = 0, t;
  r.className += " js";

  // say(k): tells screen readers the words in the status's attribute `k` (nothing: clears them).
  function say(k) {
    if (s) s.textContent = k ? s.getAttribute(k) : "";
  }

  // go(): hides the page and replaces it in the history with the exit address.
  function go() {
    r.className += " exiting";
    d.title = "";
    say("data-now");
    location.replace(x.href);
  }

  // z(): forgets the presses counted.
  function z() {
    n = 0;
    clearTimeout(t);
  }

  // key(e): counts Shift (not held down), any other key starts again.
  function key(e) {
    if (e.key != "Shift") return z();
    if (e.repeat) return;
    clearTimeout(t);
    t = setTimeout(function () { z(); say(); }, 5000);
    if (++n > 2) { z(); go(); }
    else say(n == 1 ? "data-one" : "data-two");
  }

  // id(): one random id (32 hex digits) per filled-in form, so a double press of Send or a
  // retried post is stored once. b: 16 random bytes, h: the id so far, i: the byte.
  function id() {
    var b = crypto.getRandomValues(new Uint8Array(16)), h = "", i;
    for (i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1);
    return h;
  }

  // start(): finds the link and status, listens, and fills every form's empty submission_id (f).
  function start() {
    x = d.getElementById("exit");
    s = d.getElementById("exit-status");
    if (!x) return;
    x.addEventListener("click", function (e) { e.preventDefault(); go(); });
    d.addEventListener("keydown", key, true);
    var f = d.querySelectorAll("input[name=submission_id]"), i;
    for (i = 0; i < f.length; i++) if (!f[i].value) f[i].value = id();
  }

  // Restored from the back/forward cache: show the page again and start counting afresh.
  addEventListener("pageshow", function (e) {
    if (e.persisted) {
      r.className = r.className.replace(/ exiting/g, "");
      z();
    }
  });

  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", start);
  else start();
})(document);
