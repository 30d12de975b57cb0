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

// Narrow screens (390 px phones): every table scrolls inside its own box, never the page.
// Templates wrap their tables in .table-scroll; tables without a wrapper get one here. A box
// that actually scrolls is focusable (keyboard users scroll it with the arrow keys) and is
// named by the table's caption or the heading before it.
(function () {
  "use strict";
  var counter = 0;
  var usedNames = {};
  function nameOf(box, table) {
    if (box.hasAttribute("aria-labelledby") || box.hasAttribute("aria-label")) {
      var given = box.getAttribute("aria-label") || box.getAttribute("aria-labelledby");
      usedNames[given] = true;
      return;
    }
    var caption = table.querySelector("caption");
    var source = caption;
    if (!source) {
      var el = box.previousElementSibling;
      while (el && !/^H[1-6]$/.test(el.tagName)) { el = el.previousElementSibling; }
      source = el;
    }
    var word = document.documentElement.lang === "en" ? "Table" : "Tabell";
    var name = source ? source.textContent.trim() : word;
    // Two tables under one heading: each region needs a name of its own (landmarks are unique).
    var unique = name, n = 1;
    while (usedNames[unique]) { n += 1; unique = name + " (" + word.toLowerCase() + " " + n + ")"; }
    usedNames[unique] = true;
    if (source && unique === name) {
      if (!source.id) { counter += 1; source.id = "tabellnamn-" + counter; }
      box.setAttribute("aria-labelledby", source.id);
    } else {
      box.setAttribute("aria-label", unique);
    }
  }
  function wrap(table) {
    var parent = table.parentElement;
    if (parent && parent.classList.contains("table-scroll")) { return parent; }
    var box = document.createElement("div");
    box.className = "table-scroll";
    box.setAttribute("role", "region");
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
    return box;
  }
  // A phone shows no scroll bar: the columns past the edge looked cut off ("3 / n / 2 / 1" of a
  // date), so a box that scrolls says so above it. Screen readers move through the cells anyway.
  function hintFor(box) {
    var hint = box.previousElementSibling;
    if (hint && hint.classList.contains("scroll-hint")) { return hint; }
    hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.setAttribute("aria-hidden", "true");
    hint.textContent = document.documentElement.lang === "en"
      ? "The table is wider than the screen: swipe sideways to see every column \u2192"
      : "Tabellen är bredare än skärmen: dra i sidled för att se alla kolumner \u2192";
    box.parentNode.insertBefore(hint, box);
    return hint;
  }
  function update(boxes) {
    boxes.forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls) { box.setAttribute("tabindex", "0"); }
      else if (document.activeElement !== box) { box.removeAttribute("tabindex"); }
      var hint = box.previousElementSibling;
      if (scrolls) { hintFor(box).hidden = false; }
      else if (hint && hint.classList.contains("scroll-hint")) { hint.hidden = true; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = [];
    document.querySelectorAll("main table").forEach(function (table) {
      var box = wrap(table);
      nameOf(box, table);
      boxes.push(box);
    });
    update(boxes);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { update(boxes); }, 150);
    });
  });
})();

// A form that comes back with errors: focus moves to the error summary, which names each error
// and links to its field, so screen reader and keyboard users start where the problems are.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
      summary.focus();
    }
  });
})();
