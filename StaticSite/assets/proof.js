// Under a flood the form comes back with a challenge, and this script (on that page only): find a
// nonce whose SHA-256 with the challenge starts with enough zero bits, then send the form again.
// Without script, waiting and pressing Send works. (Served without comments or indentation.)
(async function () {
  "use strict";
  var note = document.getElementById("pow-status"), form = note && note.parentNode.querySelector("form");
  var challenge = form && form.elements.pow_challenge;
  if (!challenge || !window.crypto || !crypto.subtle) return;
  var bits = +note.getAttribute("data-difficulty") || 0, text = new TextEncoder(), n, i, zeros, hash;
  for (n = 0; n < 1e8; n++) {
    hash = new Uint8Array(await crypto.subtle.digest("SHA-256", text.encode(challenge.value + ":" + n)));
    for (zeros = 0, i = 0; i < 32 && !hash[i]; i++) zeros += 8;
    if (i < 32) zeros += Math.clz32(hash[i]) - 24;
    if (zeros >= bits) break;
  }
  form.elements.pow_nonce.value = n;
  form.submit();
})();
