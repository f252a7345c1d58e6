// Keyboard navigation on the comparison: j / k move to the next / previous changed row, also
// from a filter's select.
// The page works without this script; it only adds the shortcut.
(function () {
  "use strict";
  function changedRows() {
    return Array.prototype.slice.call(document.querySelectorAll("#comparison .row--changed"));
  }
  function currentIndex(rows) {
    var active = document.activeElement;
    var index = rows.indexOf(active && active.closest ? active.closest(".row") : null);
    if (index !== -1) return index;
    var middle = window.innerHeight / 3;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getBoundingClientRect().top > middle) return i - 0.5;
    }
    return rows.length - 0.5;
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (event.key !== "j" && event.key !== "k") return;
    // typing goes into text fields; on a filter's select, j and k still mean next / previous
    // change (a select would otherwise jump to an option starting with that letter and
    // re-filter the rows); its options stay reachable with the arrow keys
    if (target && /^(INPUT|TEXTAREA)$/.test(target.tagName)) return;
    if (target && target.isContentEditable) return;
    var rows = changedRows();
    if (!rows.length) return;
    var index = currentIndex(rows);
    var next = event.key === "j" ? Math.floor(index) + 1 : Math.ceil(index) - 1;
    next = Math.max(0, Math.min(rows.length - 1, next));
    rows[next].focus();
    rows[next].scrollIntoView({ block: "center" });
    event.preventDefault();
  });
})();
