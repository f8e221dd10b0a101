// 滞納整理票の入力 (seed 004): keyboard only. Enter moves to the next
// field (Tab still works), Ctrl+Enter saves the page, and the 区分 field
// shows the kind its code or first kana selects. The server parses and
// checks everything again; this only spares the operator the mouse.
(function () {
  "use strict";
  function toHiragana(s) {
    return s.replace(/[\u30a1-\u30f6]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0x60);
    });
  }
  function fold(s) {
    return s.replace(/[\uff01-\uff5e]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).trim();
  }
  function kinds() {
    return Array.prototype.map.call(document.querySelectorAll("#kinds li"), function (li) {
      return { code: li.dataset.code, label: li.dataset.label, reading: li.dataset.reading };
    });
  }
  function resolve(text, list) {
    var t = fold(text);
    if (!t) { return ""; }
    if (/^[0-9]+$/.test(t)) {
      var code = ("0" + parseInt(t, 10)).slice(-2);
      var k = list.filter(function (x) { return x.code === code; });
      return k.length ? k[0].label : "？";
    }
    var h = toHiragana(t);
    var hits = list.filter(function (x) { return x.label === t || x.reading.indexOf(h) === 0; });
    if (hits.length === 1) { return hits[0].label; }
    return hits.length ? "（" + hits.map(function (x) { return x.label; }).join("・") + "）" : "？";
  }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (el.tagName === "INPUT" && el.type !== "hidden") || el.tagName === "BUTTON";
    });
  }
  function setup(form) {
    var list = kinds();
    form.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
        return;
      }
      if (e.key === "Enter" && e.target.tagName === "INPUT" && e.target.type !== "radio") {
        e.preventDefault();
        // Enter on an empty date starts no new line: on to the 頁計.
        var total = document.getElementById("page-total");
        if (total && e.target.classList.contains("tainou-date") && !e.target.value.trim()) {
          total.focus();
          return;
        }
        var all = fields(form);
        var i = all.indexOf(e.target);
        if (i >= 0 && i + 1 < all.length) { all[i + 1].focus(); }
      }
    });
    Array.prototype.forEach.call(form.querySelectorAll("input.tainou-kind"), function (el) {
      var out = el.parentNode.querySelector("output");
      var show = function () { if (out) { out.textContent = resolve(el.value, list); } };
      el.addEventListener("input", show);
      show();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var key = document.getElementById("tainou-key");
    if (key) { setup(key); }
    var settle = document.getElementById("tainou-settle");
    if (settle) {
      setup(settle);
      var first = settle.querySelector("input[type=radio]");
      if (first) { first.focus(); }
    }
  });
})();
