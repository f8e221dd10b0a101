// The call screen without a mouse: one key per outcome, N for the next
// person, Esc to give the person back. Keys typed into a field are left alone.
document.addEventListener("keydown", function (e) {
  if (e.ctrlKey || e.altKey || e.metaKey) return;
  var t = e.target;
  var typing = t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type !== "radio" && t.type !== "checkbox") || t.tagName === "SELECT");
  if (e.key === "Escape") {
    var release = document.getElementById("release-form");
    if (release) { e.preventDefault(); release.requestSubmit(); }
    return;
  }
  if (typing) return;
  var next = document.getElementById("next-form");
  if (next && (e.key === "n" || e.key === "N")) { e.preventDefault(); next.requestSubmit(); return; }
  var radio = document.querySelector('#outcomes input[data-key="' + e.key + '"]');
  if (radio) { e.preventDefault(); radio.checked = true; radio.focus(); return; }
  if (e.key === "Enter" && document.getElementById("record-form")) {
    e.preventDefault();
    document.getElementById("record-form").requestSubmit(document.getElementById("record-next"));
  }
});
