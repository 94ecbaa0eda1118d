// Conversation page: the composer's reply/note switch, "replying" presence for
// collision warnings, and keys r (reply) and n (note).
(function () {
  "use strict";

  function composer() { return document.getElementById("composer"); }

  function setMode(mode) {
    var form = composer();
    if (!form) { return; }
    form.setAttribute("data-mode", mode);
    var radio = form.querySelector("input[name=mode][value=" + mode + "]");
    if (radio) { radio.checked = true; }
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "mode") { setMode(event.target.value); }
  });

  // Presence: an agent with an unsent draft is "replying"; tell the server at
  // once when that changes (the page also reports every 5 s).
  document.addEventListener("input", function (event) {
    if (event.target.id !== "id_body") { return; }
    var state = document.getElementById("presence-state");
    var next = event.target.value.trim() ? "replying" : "viewing";
    if (state && state.value !== next) {
      state.value = next;
      document.body.dispatchEvent(new CustomEvent("presencechange"));
    }
  });

  // "Quote in reply": a consult's answer goes into the reply box as a quote,
  // for the owner to relay in their own words.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-quote]");
    if (!button) { return; }
    var body = document.getElementById("id_body");
    if (!body) { return; }
    setMode("reply");
    var quoted = button.getAttribute("data-quote").split("\n").map(function (line) {
      return "> " + line;
    }).join("\n");
    body.value = (body.value ? body.value.replace(/\s*$/, "\n\n") : "") + quoted + "\n\n";
    body.focus();
    body.setSelectionRange(body.value.length, body.value.length);
    body.dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.target.closest && event.target.closest("input, select, textarea, [contenteditable]")) { return; }
    if (event.key === "r" || event.key === "n") {
      var body = document.getElementById("id_body");
      if (!body) { return; }
      setMode(event.key === "r" ? "reply" : "note");
      body.focus();
      event.preventDefault();
    }
  });
})();
