// The Now page: fetch its changing part every few seconds and put it in place (no full reload).
// A session that ended answers 401 with the login page's address: go there.
(function () {
  "use strict";
  var box = document.getElementById("live");
  var status = document.getElementById("live-status");
  if (!box || !window.fetch) {
    return;
  }
  var source = box.getAttribute("data-src");
  var every = 10000;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function refresh() {
    // A tab in the background asks nothing; a table scrolled with the keyboard keeps its focus.
    if (document.hidden || box.contains(document.activeElement)) {
      window.setTimeout(refresh, every);
      return;
    }
    fetch(source, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.assign(response.headers.get("X-Console-Login") || "login");
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          box.innerHTML = html;
          say("");
        }
      })
      .catch(function () {
        say("No se pudo actualizar; se intentará de nuevo.");
      })
      .then(function () {
        window.setTimeout(refresh, every);
      });
  }

  window.setTimeout(refresh, every);
})();
