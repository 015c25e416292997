/* The self-report form: follow-ups shown as their parents' answers change, and what is
   saved and what is not, per answer and for the page. Saving itself is htmx (hx-post on
   each answer's form). htmx 2 does not swap 4xx answers: 409 (someone else changed the
   answer) and 422 (a refused answer) are swapped in so the person sees why. */
(function () {
  "use strict";
  var answers = document.getElementById("answers");
  var summary = document.getElementById("save-summary");
  if (!answers) return;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function checkedValue(key) {
    var section = document.getElementById(key);
    if (!section || section.hidden) return null;
    var checked = section.querySelector('input[name="value"]:checked');
    return checked ? checked.value : null;
  }

  // Document order: a follow-up comes after its parent, so nested ones follow suit.
  function updateFollowUps() {
    answers.querySelectorAll("section[data-parent]").forEach(function (section) {
      var allowed = (section.dataset.showWhen || "").split(" ");
      var value = checkedValue(section.dataset.parent);
      section.hidden = !(value && allowed.indexOf(value) !== -1);
    });
  }

  function message(name) {
    return summary ? summary.dataset[name] : "";
  }

  function setState(form, state, text) {
    if (!form || !form.classList || !form.classList.contains("answer-cell")) return;
    form.dataset.state = state;
    if (text) {
      var status = form.querySelector(".answer-status");
      if (status) status.textContent = text;
    }
    updateSummary();
  }

  function updateSummary() {
    if (!summary) return;
    var unsaved = answers.querySelectorAll('.answer-cell[data-state="unsaved"]').length;
    var saving = answers.querySelectorAll('.answer-cell[data-state="saving"]').length;
    var text = summary.querySelector(".save-summary-text");
    summary.querySelector(".save-retry").hidden = unsaved === 0;
    summary.dataset.state = unsaved ? "unsaved" : saving ? "saving" : "saved";
    if (unsaved) text.textContent = unsaved + " " + summary.dataset.count;
    else if (saving) text.textContent = summary.dataset.saving;
    else text.textContent = summary.dataset.allSaved;
  }

  function retryUnsaved() {
    answers.querySelectorAll('.answer-cell[data-state="unsaved"]').forEach(function (form) {
      htmx.trigger(form, "change");
    });
  }

  answers.addEventListener("change", updateFollowUps);
  answers.addEventListener("input", function (event) {
    var form = event.target.closest(".answer-cell");
    if (form) setState(form, "unsaved", message("unsaved"));
  });

  document.body.addEventListener("htmx:configRequest", function (event) {
    // After signing in again in another tab the page's token is stale: use the cookie's.
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
      if (event.detail.parameters && event.detail.parameters.csrfmiddlewaretoken) {
        event.detail.parameters.csrfmiddlewaretoken = token;
      }
    }
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    setState(event.detail.elt, "saving", message("saving"));
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 200 && status < 300) setState(form, "saved");
    else if (status === 401) {
      setState(form, "unsaved", message("expired"));
      if (summary) summary.querySelector(".save-login").hidden = false;
    } else if (status === 403) setState(form, "unsaved", message("forbidden"));
    else if (status === 409 && !form.isConnected) updateSummary();
    else if (status !== 409 && status !== 422) setState(form, "unsaved", message("offline"));
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    updateFollowUps();
    updateSummary();
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    setState(event.detail.elt, "unsaved", message("offline"));
  });
  if (summary) summary.querySelector(".save-retry").addEventListener("click", retryUnsaved);
  window.addEventListener("online", retryUnsaved);
  window.addEventListener("beforeunload", function (event) {
    if (answers.querySelector('.answer-cell[data-state="unsaved"], .answer-cell[data-state="saving"]')) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  updateFollowUps();
})();
