// Inbox: keyboard navigation (j/k, Enter, x), row selection for bulk actions,
// and keeping both across the list's live refresh (htmx, every 10 s).
(function () {
  "use strict";
  var currentId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox-list tr.conv-row"));
  }

  function mark(row, focus) {
    rows().forEach(function (r) { r.classList.toggle("is-current", r === row); });
    if (!row) { return; }
    currentId = row.getAttribute("data-id");
    if (focus) {
      var link = row.querySelector(".conv-subject");
      if (link) { link.focus(); }
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function currentRow() {
    return rows().filter(function (r) { return r.getAttribute("data-id") === currentId; })[0] || null;
  }

  function move(delta) {
    var list = rows();
    if (!list.length) { return; }
    var i = list.indexOf(currentRow());
    i = i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + delta));
    mark(list[i], true);
  }

  function selected() {
    return document.querySelectorAll("#inbox-list input[name=ids]:checked");
  }

  function updateSelection() {
    var count = selected().length;
    var label = document.getElementById("selected-count");
    var all = document.getElementById("select-all");
    var boxes = document.querySelectorAll("#inbox-list input[name=ids]");
    if (label) { label.textContent = count ? count + " selected" : "Select all"; }
    if (all) {
      all.checked = count > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
    var bar = document.querySelector(".bulk-bar");
    if (bar) { bar.classList.toggle("has-selection", count > 0); }
  }

  function isTyping(target) {
    return target.closest && target.closest("input, select, textarea, [contenteditable]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) { return; }
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "x") {
      var row = currentRow();
      var box = row && row.querySelector("input[name=ids]");
      if (box) { box.checked = !box.checked; updateSelection(); event.preventDefault(); }
    } else if (event.key === "Enter" && !event.target.closest("a, button")) {
      var open = currentRow();
      if (open) { window.location.assign(open.getAttribute("data-href")); }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      var on = event.target.checked;
      document.querySelectorAll("#inbox-list input[name=ids]").forEach(function (b) { b.checked = on; });
    }
    if (event.target.id === "select-all" || event.target.name === "ids") { updateSelection(); }
  });

  // A click anywhere on a row opens it, except on its checkbox or links.
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr.conv-row");
    if (!row || event.target.closest("a, input, label, button")) { return; }
    window.location.assign(row.getAttribute("data-href"));
  });

  // Live refresh: never replace rows the agent has selected for a bulk action.
  var hadFocus = false;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id !== "inbox-list") { return; }
    if (selected().length) { event.preventDefault(); return; }
    hadFocus = event.target.contains(document.activeElement);
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "inbox-list" && !document.getElementById("inbox-list").contains(event.target)) { return; }
    var row = currentRow();
    if (row) { mark(row, hadFocus); }
    updateSelection();
  });

  // On a phone the views are one scrolling row: bring the current one into sight.
  function showCurrentView() {
    var current = document.querySelector(".views a[aria-current=page]");
    var list = current && current.closest("ul");
    if (list && list.scrollWidth > list.clientWidth) {
      list.scrollLeft += current.getBoundingClientRect().left - list.getBoundingClientRect().left - 8;
    }
  }

  document.addEventListener("DOMContentLoaded", function () { updateSelection(); showCurrentView(); });
})();
