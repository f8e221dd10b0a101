// Questionnaires: on the public page, a conditional question is shown
// only while the answer it depends on is chosen (the server checks the
// same rule, so this is a convenience, never the gate); on the paper entry
// screen, Enter moves to the next field and saves from the last one.
(function () {
  "use strict";
  function chosen(qid) {
    var out = [];
    document.querySelectorAll('[name="q' + qid + '"]').forEach(function (el) {
      if (el.checked) { out.push(el.value); }
    });
    return out;
  }
  function refresh() {
    document.querySelectorAll("fieldset[data-show-if-q]").forEach(function (fs) {
      var want = fs.getAttribute("data-show-if-c");
      var dep = document.getElementById("fq" + fs.getAttribute("data-show-if-q"));
      var visible = (!dep || !dep.hidden) && chosen(fs.getAttribute("data-show-if-q")).indexOf(want) >= 0;
      fs.hidden = !visible;
      fs.querySelectorAll("input, textarea").forEach(function (el) { el.disabled = !visible; });
    });
  }
  var form = document.getElementById("anketo-answer");
  if (form) {
    form.addEventListener("change", refresh);
    refresh();
  }
  var key = document.getElementById("anketo-key");
  if (key) {
    key.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.target.tagName !== "INPUT") { return; }
      var fields = Array.prototype.slice.call(key.querySelectorAll("input:not([type=hidden])"));
      var i = fields.indexOf(ev.target);
      if (i >= 0 && i < fields.length - 1) {
        ev.preventDefault();
        fields[i + 1].focus();
        fields[i + 1].select();
      }
    });
  }
})();
