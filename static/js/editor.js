// The question form of the questionnaire editor: show the matrix fields only for a
// matrix question, and only the condition codes the chosen parent question is answered
// with. The form works without this script; the server checks everything again.
(function () {
  "use strict";
  var form = document.getElementById("question-form");
  if (!form) {
    return;
  }
  var parentCodes = JSON.parse(form.dataset.parentCodes || "{}");
  var type = document.getElementById("id_type");
  var parent = document.getElementById("id_parent");
  var matrixFields = ["div_id_matrix_columns", "div_id_new_rows"]
    .map(function (id) { return document.getElementById(id); })
    .filter(Boolean);
  var conditionField = document.getElementById("div_id_show_when");
  if (conditionField) {
    // the error message is rendered inside the last checkbox's wrapper, which may be
    // hidden below: move it after the checkboxes
    conditionField.querySelectorAll(".form-check .invalid-feedback").forEach(function (message) {
      message.classList.add("d-block");
      (conditionField.querySelector("fieldset") || conditionField).appendChild(message);
    });
  }

  function hasErrors(element) {
    return element.querySelector(".is-invalid, .invalid-feedback") !== null;
  }

  function update() {
    var isMatrix = type && type.value === "matrix";
    matrixFields.forEach(function (field) {
      field.hidden = !isMatrix && !hasErrors(field);
    });
    if (!conditionField || !parent) {
      return;
    }
    var codes = parentCodes[parent.value] || [];
    conditionField.hidden = !parent.value && !hasErrors(conditionField);
    conditionField.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      var wrapper = box.closest(".form-check") || box.parentElement;
      wrapper.hidden = parent.value !== "" && codes.indexOf(box.value) === -1 && !box.checked;
    });
  }

  if (type) {
    type.addEventListener("change", update);
  }
  if (parent) {
    parent.addEventListener("change", update);
  }
  update();
})();
