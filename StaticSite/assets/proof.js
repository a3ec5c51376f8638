// Under a flood the form comes back with a challenge, and this script (on that page only): find a
// nonce whose SHA-256 with the challenge starts with enough zero bits, then send the form again.
// Without script, waiting and pressing Send works. (Served without comments or indentation; its
// names are short, each said where it is declared.)
(async function (c) {
  "use strict";
  // p: the note saying "one moment", f: the form below it, v: the challenge's hidden field.
  var p = document.getElementById("pow-status"), f = p && p.parentNode.querySelector("form");
  var v = f && f.elements.pow_challenge;
  if (!v || !c || !c.subtle) return;
  // b: zero bits wanted, e: the encoder, n: the nonce tried, i: a byte of its hash h, z: zero bits found.
  var b = +p.getAttribute("data-difficulty") || 0, e = new TextEncoder(), n, i, z, h;
  for (n = 0; n < 1e8; n++) {
    h = new Uint8Array(await c.subtle.digest("SHA-256", e.encode(v.value + ":" + n)));
    for (z = 0, i = 0; i < 32 && !h[i]; i++) z += 8;
    if (i < 32) z += Math.clz32(h[i]) - 24;
    if (z >= b) break;
  }
  f.elements.pow_nonce.value = n;
  f.submit();
})(window.crypto);
