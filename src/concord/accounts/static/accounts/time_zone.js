// Sends the browser's time zone once, while the user has none stored, so times
// are shown in their local zone from the next page on (the server keeps a zone
// chosen meanwhile; see concord.accounts.services.user_default_time_zone).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  // Once per tab session: a zone the server refuses is not sent on every page.
  var sentKey = "concord-time-zone-sent";
  try {
    if (window.sessionStorage.getItem(sentKey) === zone) { return; }
  } catch (e) { /* storage blocked: sending again is harmless */ }
  var body = new URLSearchParams();
  body.set("time_zone", zone);
  fetch(script.getAttribute("data-url"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": script.getAttribute("data-csrf") },
    body: body
  }).then(function () {
    try { window.sessionStorage.setItem(sentKey, zone); } catch (e) { /* as above */ }
  }).catch(function () { /* offline: tried again on the next page */ });
})();
