// Reporting a deviation: a search box that narrows the unit list, the injury part shown
// when someone was injured, and focus on the error summary after a failed send.
(function () {
  "use strict";
  document.querySelectorAll("[data-filters]").forEach(function (search) {
    var select = document.getElementById(search.getAttribute("data-filters"));
    if (!select) { return; }
    search.hidden = false;
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      var firstMatch = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var match = !option.value || !needle || option.text.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !match;
        if (match && option.value && firstMatch === null) { firstMatch = option; }
      });
      if (needle && firstMatch && (!select.value || select.options[select.selectedIndex].hidden)) {
        firstMatch.selected = true;
      }
    });
  });
  // A part shown only while its checkbox is ticked ("someone was injured"); without
  // the script it is always shown.
  document.querySelectorAll("[data-shown-by]").forEach(function (part) {
    var box = document.getElementById(part.getAttribute("data-shown-by"));
    if (!box) { return; }
    var update = function () {
      part.hidden = !box.checked;
      box.setAttribute("aria-expanded", box.checked ? "true" : "false");
    };
    box.addEventListener("change", update);
    update();
  });
  var errors = document.getElementById("report-errors");
  if (errors) { errors.focus(); }
})();
