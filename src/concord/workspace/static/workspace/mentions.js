// Conversation page: @mention autocomplete in the composer. Typing "@" and a few
// letters in an internal note lists matching colleagues and teams; arrows move,
// Enter or Tab (or a click) inserts "@handle ", Escape closes the list.
(function () {
  "use strict";

  var MENTION = /(^|[\s(])@([\w.+-]*)$/;
  var list = null;
  var items = [];
  var active = -1;
  var pending = null;
  var lastQuery = null;

  function body() { return document.getElementById("id_body"); }

  function isNote() {
    var form = document.getElementById("composer");
    return form && form.getAttribute("data-mode") === "note";
  }

  function ensureList(textarea) {
    if (list) { return list; }
    list = document.createElement("ul");
    list.id = "mention-list";
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People and teams to mention");
    list.hidden = true;
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", "mention-list");
    list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      if (!option) { return; }
      event.preventDefault();  // keep the focus (and the caret) in the textarea
      choose(Number(option.getAttribute("data-index")));
    });
    return list;
  }

  function close() {
    if (!list) { return; }
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    lastQuery = null;
    var textarea = body();
    if (textarea) {
      textarea.setAttribute("aria-expanded", "false");
      textarea.removeAttribute("aria-activedescendant");
    }
  }

  function highlight(index) {
    var textarea = body();
    var options = list.querySelectorAll("[role=option]");
    active = index;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (options[index]) {
      textarea.setAttribute("aria-activedescendant", options[index].id);
    }
  }

  function show(found) {
    var textarea = body();
    ensureList(textarea);
    list.textContent = "";
    items = found;
    if (!found.length) { close(); return; }
    found.forEach(function (item, i) {
      var option = document.createElement("li");
      option.id = "mention-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("data-index", String(i));
      option.textContent = item.label;
      list.appendChild(option);
    });
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function query(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = isNote() ? MENTION.exec(before) : null;
    return match ? match[2] : null;
  }

  function lookup(textarea) {
    var prefix = query(textarea);
    if (prefix === null) { close(); return; }
    if (prefix === lastQuery) { return; }
    lastQuery = prefix;
    var form = document.getElementById("composer");
    var url = form && form.getAttribute("data-mentions-url");
    if (!url) { return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(prefix), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: pending.signal
    }).then(function (response) {
      return response.ok ? response.json() : { results: [] };
    }).then(function (data) {
      if (query(textarea) === prefix) { show(data.results || []); }
    }).catch(function () { /* aborted by a newer keystroke, or offline: no list */ });
  }

  function choose(index) {
    var textarea = body();
    var item = items[index];
    if (!textarea || !item) { return; }
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret);
    var match = MENTION.exec(before);
    if (!match) { close(); return; }
    var start = caret - match[2].length - 1;
    var insert = "@" + item.handle + " ";
    textarea.value = textarea.value.slice(0, start) + insert + textarea.value.slice(caret);
    var at = start + insert.length;
    textarea.setSelectionRange(at, at);
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "id_body") { lookup(event.target); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "id_body" || !list || list.hidden) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + items.length) % items.length);
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === "Tab") {
      choose(active);
      event.preventDefault();
    } else if (event.key === "Escape") {
      close();
      event.preventDefault();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.id === "id_body") { close(); }
  });
})();
