// redflag UI keyboard support. No inline scripts (strict CSP).
(function () {
  "use strict";
  var pendingG = false;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-row]")); }
  function selected() { return document.querySelector("[data-row].sel"); }
  function select(el) {
    rows().forEach(function (r) { r.classList.remove("sel"); r.setAttribute("aria-selected", "false"); });
    if (!el) return;
    el.classList.add("sel");
    el.setAttribute("aria-selected", "true");
    el.focus({ preventScroll: false });
    el.scrollIntoView({ block: "nearest" });
  }
  function go(url) {
    if (window.htmx) { htmx.ajax("GET", url, { target: "body", swap: "innerHTML" }).then(function () { history.pushState({}, "", url); }); }
    else { window.location.href = url; }
  }
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape") {
      var h = document.getElementById("help"); if (h) h.classList.remove("show");
      if (typing(e)) e.target.blur();
      return;
    }
    if (typing(e)) return;
    var rs = rows(), cur = selected(), i = rs.indexOf(cur);
    if (pendingG) {
      pendingG = false;
      var dest = { q: "/queue", s: "/subjects", a: "/audit", l: "/status" }[e.key];
      if (dest) { e.preventDefault(); window.location.href = dest; }
      return;
    }
    switch (e.key) {
      case "j": case "ArrowDown":
        if (!rs.length) return; e.preventDefault(); select(rs[Math.min(i + 1, rs.length - 1)] || rs[0]); break;
      case "k": case "ArrowUp":
        if (!rs.length) return; e.preventDefault(); select(rs[Math.max(i - 1, 0)]); break;
      case "Enter": case "o":
        if (cur && cur.dataset.href) { e.preventDefault(); window.location.href = cur.dataset.href; } break;
      case "/":
        var s = document.querySelector("[data-search]"); if (s) { e.preventDefault(); s.focus(); s.select(); } break;
      case "g": pendingG = true; setTimeout(function () { pendingG = false; }, 1200); break;
      case "?":
        var h = document.getElementById("help"); if (h) { h.classList.toggle("show"); } break;
    }
  });

  document.addEventListener("click", function (e) {
    var tr = e.target.closest && e.target.closest("[data-row]");
    if (!tr || e.target.closest("a, button, input, select, label")) return;
    if (tr.dataset.href) window.location.href = tr.dataset.href;
  });

  // Closing a case needs a decision and a reason: show the fields only then.
  function syncDecision() {
    var sel = document.getElementById("state-select"); if (!sel) return;
    var closing = /^closed_/.test(sel.value);
    var box = document.getElementById("decision-box"); if (!box) return;
    box.hidden = !closing && !sel.dataset.reopen;
    var d = document.getElementById("decision"); if (d) d.required = closing;
    var r = document.getElementById("reason"); if (r) r.required = closing || !!sel.dataset.reopen;
    if (d && closing && !d.value) d.value = sel.value === "closed_confirmed" ? "confirmed" : "cleared";
  }
  document.addEventListener("change", function (e) { if (e.target.id === "state-select") syncDecision(); });
  document.addEventListener("DOMContentLoaded", syncDecision);
  document.addEventListener("htmx:afterSettle", syncDecision);
})();
