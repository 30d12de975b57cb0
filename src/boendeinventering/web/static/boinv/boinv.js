// Import progress: poll the job's JSON status and reload the page when it is done.
// Without JavaScript the page offers a refresh link instead (progressive enhancement).
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-status-url");
    var text = box.querySelector(".progress-text");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (state) {
          if (!state) { window.setTimeout(tick, 3000); return; }
          if (state.finished) { window.location.reload(); return; }
          if (text && state.progress) { text.textContent = state.progress; }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, 500);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-progress");
    if (box) { poll(box); }
  });
})();
