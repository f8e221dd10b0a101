// The public registration form's bot check (seminars): find a counter whose
// SHA-256 over "challenge:counter" starts with data-pow-bits zero bits, put
// it in the form, then send. Plain SHA-256 here so it runs without a
// secure context; see crates/service/src/seminars/botcheck.rs.
(function () {
  "use strict";
  var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
  // SHA-256 of an ASCII string; the digest's first 32-bit word is enough
  // for up to 32 bits of work, but all eight are returned.
  function sha256(s) {
    var n = s.length, words = ((n + 9 + 63) >> 6) << 4, m = new Array(words).fill(0), i;
    for (i = 0; i < n; i++) m[i >> 2] |= (s.charCodeAt(i) & 0xff) << (24 - (i % 4) * 8);
    m[n >> 2] |= 0x80 << (24 - (n % 4) * 8);
    m[words - 1] = n * 8;
    var h = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
    var w = new Array(64);
    for (var j = 0; j < words; j += 16) {
      for (i = 0; i < 16; i++) w[i] = m[j + i] | 0;
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i-15], 7) ^ rotr(w[i-15], 18) ^ (w[i-15] >>> 3);
        var s1 = rotr(w[i-2], 17) ^ rotr(w[i-2], 19) ^ (w[i-2] >>> 10);
        w[i] = (w[i-16] + s0 + w[i-7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return h;
  }
  function zeroBits(h) {
    var n = 0;
    for (var i = 0; i < 8; i++) {
      var x = h[i] >>> 0;
      if (x === 0) { n += 32; continue; }
      return n + Math.clz32(x);
    }
    return n;
  }
  function solve(challenge, bits, done) {
    var counter = 0;
    function chunk() {
      for (var i = 0; i < 5000; i++, counter++) {
        if (zeroBits(sha256(challenge + ":" + counter)) >= bits) { done(String(counter)); return; }
      }
      setTimeout(chunk, 0);
    }
    chunk();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("register-form");
    if (!form) return;
    var sending = false;
    form.addEventListener("submit", function (ev) {
      if (form.elements.counter.value !== "") return;
      ev.preventDefault();
      if (sending) return;
      sending = true;
      var status = document.getElementById("pow-status");
      var button = document.getElementById("register-submit");
      button.disabled = true;
      status.textContent = "送信の準備をしています。そのままお待ちください…";
      solve(form.elements.challenge.value, parseInt(form.dataset.powBits, 10), function (c) {
        form.elements.counter.value = c;
        status.textContent = "送信しています…";
        form.submit();
      });
    });
  });
})();
