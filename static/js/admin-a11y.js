// The admin's select2 widgets (autocomplete fields) render a combobox and, for several values,
// a search box and a list that carry no accessible name of their own. Give each the name of
// the field it stands for, once select2 has drawn it and whenever an inline row is added.
(function () {
  "use strict";
  function nameOf(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    var text = label ? label.textContent : select.getAttribute("aria-label") || select.name;
    return (text || "").replace(/:\s*$/, "").trim();
  }
  function label() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var name = nameOf(select);
      var widget = select.nextElementSibling;
      if (!widget || !widget.classList.contains("select2")) return;
      widget.querySelectorAll(".select2-selection, .select2-search__field").forEach(function (el) {
        el.setAttribute("aria-label", name);
      });
      widget.querySelectorAll(".select2-selection__rendered").forEach(function (el) {
        if (el.tagName === "UL") {
          el.setAttribute("role", "presentation");
          el.querySelectorAll(":scope > li").forEach(function (li) { li.setAttribute("role", "presentation"); });
        } else {
          el.setAttribute("aria-label", name);
        }
      });
    });
  }
  window.addEventListener("load", function () {
    label();
    new MutationObserver(label).observe(document.body, { childList: true, subtree: true });
  });
})();
