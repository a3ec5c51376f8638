// Quick exit: a click on the exit link, or Shift pressed three times (each within 5 s of the
// last, any other key starts again), hides the page at once and replaces it in the history
// with the neutral site, so Back does not return here. Works as a plain link without script.
(function () {
  "use strict";
  var root = document.documentElement;
  root.className += " js";
  var link, status, presses = 0, timer = null;

  function leave() {
    root.className += " exiting";
    document.title = "";
    if (status) status.textContent = status.getAttribute("data-now");
    window.location.replace(link.href);
  }

  function reset() {
    presses = 0;
    clearTimeout(timer);
    timer = null;
  }

  function onKey(event) {
    if (event.key !== "Shift") { reset(); return; }
    if (event.repeat) return;
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { reset(); if (status) status.textContent = ""; }, 5000);
    if (presses >= 3) { reset(); leave(); return; }
    if (status) status.textContent = status.getAttribute(presses === 1 ? "data-one" : "data-two");
  }

  function newSubmissionID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16), out = "";
    crypto.getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] + 256).toString(16).slice(1);
    return out;
  }

  // Under a flood the form comes back with a challenge: find a nonce whose SHA-256 with it starts
  // with enough zero bits, then send the form again. Without this, waiting and pressing Send works.
  async function prove(status) {
    var form = status.parentNode.querySelector("form");
    var challenge = form && form.querySelector("input[name=pow_challenge]");
    if (!challenge || !window.crypto || !crypto.subtle || !window.TextEncoder) return;
    var bits = parseInt(status.getAttribute("data-difficulty"), 10) || 0, encoder = new TextEncoder();
    for (var n = 0; n < 1e8; n++) {
      var hash = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(challenge.value + ":" + n)));
      var zeros = 0;
      for (var i = 0; i < hash.length; i++) {
        if (hash[i]) { zeros += Math.clz32(hash[i]) - 24; break; }
        zeros += 8;
      }
      if (zeros >= bits) break;
    }
    form.querySelector("input[name=pow_nonce]").value = String(n);
    form.submit();
  }

  function start() {
    link = document.getElementById("exit");
    status = document.getElementById("exit-status");
    if (!link) return;
    link.addEventListener("click", function (event) { event.preventDefault(); leave(); });
    document.addEventListener("keydown", onKey, true);
    // One id per filled-in form, so a double press of Send or a retried post is stored once.
    var ids = document.querySelectorAll("input[name=submission_id]");
    for (var i = 0; i < ids.length; i++) if (!ids[i].value) ids[i].value = newSubmissionID();
    var pow = document.getElementById("pow-status");
    if (pow) prove(pow);
  }

  // Restored from the back/forward cache: show the page again and start counting afresh.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      root.className = root.className.replace(/\s*exiting/g, "");
      reset();
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
