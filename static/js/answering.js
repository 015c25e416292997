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
    if (!summary || summary.dataset.locked) return;
    var unsaved = answers.querySelectorAll('.answer-cell[data-state="unsaved"]').length;
    var saving = answers.querySelectorAll('.answer-cell[data-state="saving"]').length;
    var text = summary.querySelector(".save-summary-text");
    summary.querySelector(".save-retry").hidden = unsaved === 0;
    summary.dataset.state = unsaved ? "unsaved" : saving ? "saving" : "saved";
    if (unsaved) text.textContent = unsaved + " " + summary.dataset.count;
    else if (saving) text.textContent = summary.dataset.saving;
    else text.textContent = summary.dataset.allSaved;
  }

  function isTyped(form) {
    return !!form.querySelector('textarea[name="value"], input[type="text"][name="value"]');
  }

  function radio(form, value) {
    return value ? form.querySelector('input[name="value"][value="' + CSS.escape(value) + '"]') : null;
  }

  // A refused save: the message in the answer's status, and the saved answer back in
  // place. A typed answer stays in its box (never thrown away); a choice refused is
  // named beside the saved one, and given again by Retry when the refusal may pass
  // (signed out, a server error).
  function refuse(form, text, mayPass) {
    if (!form || !form.classList || !form.classList.contains("answer-cell")) return;
    var status = form.querySelector(".answer-status");
    if (!isTyped(form)) {
      var chosen = form.querySelector('input[name="value"]:checked');
      var mine = chosen ? chosen.value : "";
      var savedInput = form.querySelector('[id$="-saved"]');
      var saved = savedInput ? savedInput.value : "";
      form.querySelectorAll('input[name="value"]').forEach(function (input) {
        input.checked = input.value === saved && saved !== "";
      });
      if (mine !== saved) {
        form.dataset.mine = mine;
        var label = chosen ? form.querySelector('label[for="' + chosen.id + '"]') : null;
        text += " " + message("mine") + " " + (label ? label.textContent.trim() : message("none")) + ".";
      }
      updateFollowUps();
    }
    form.dataset.state = mayPass || isTyped(form) ? "unsaved" : "attention";
    if (status) {
      status.textContent = "";
      var span = document.createElement("span");
      span.className = "answer-refused text-danger";
      span.setAttribute("role", "alert");
      span.textContent = text;
      status.appendChild(span);
    }
    updateSummary();
  }

  // The response was submitted meanwhile: nothing on the page can be saved any more.
  function lockPage(text) {
    answers.querySelectorAll(".answer-cell").forEach(function (form) {
      form.querySelectorAll('input[type="radio"]').forEach(function (input) { input.disabled = true; });
      form.querySelectorAll('textarea, input[type="text"]').forEach(function (input) { input.readOnly = true; });
      form.removeAttribute("hx-post");
      form.removeAttribute("hx-trigger");
    });
    if (!summary) return;
    summary.dataset.locked = "true";
    summary.querySelector(".save-summary-text").textContent = text + " " + message("reload");
    summary.querySelector(".save-retry").hidden = true;
    summary.dataset.state = "locked";
  }

  // The poll's answer: the other person's answers put in place of those this page has
  // as saved (one being edited here is kept: saving it shows theirs beside it, 409).
  function applyChanges(poll) {
    if (poll.dataset.closed) {
      lockPage(poll.dataset.closed);
      return;
    }
    if (summary && summary.dataset.locked) return;
    poll.querySelectorAll("template[data-cell]").forEach(function (template) {
      var local = document.getElementById(template.dataset.cell);
      var incoming = document.importNode(template.content, true).querySelector(".answer-cell");
      if (!local || !incoming || local.dataset.state !== "saved") return;
      var same = ["-answer", "-version"].every(function (suffix) {
        var mine = document.getElementById(local.id + suffix);
        var theirs = incoming.querySelector("#" + CSS.escape(local.id + suffix));
        return mine && theirs && mine.value === theirs.value;
      });
      if (same) return;
      incoming.classList.add("answer-fresh");
      local.replaceWith(incoming);
      htmx.process(incoming);
    });
    updateFollowUps();
    updateSummary();
  }

  function retryUnsaved() {
    answers.querySelectorAll('.answer-cell[data-state="unsaved"]').forEach(function (form) {
      var mine = radio(form, form.dataset.mine);
      if (mine) mine.checked = true;
      delete form.dataset.mine;
      htmx.trigger(form, "change");
    });
  }

  answers.addEventListener("change", updateFollowUps);
  // A choice or text given here is not the saved answer any more, also while its save
  // waits behind another (hx-sync queues them): the poll must not put the saved one back
  // over it (its save shows theirs beside it if they changed it meanwhile: 409).
  ["change", "input"].forEach(function (type) {
    answers.addEventListener(type, function (event) {
      var form = event.target.closest ? event.target.closest(".answer-cell") : null;
      if (form && form.dataset.state === "saved") form.dataset.state = "unsaved";
    });
  });
  answers.addEventListener("input", function (event) {
    var form = event.target.closest(".answer-cell");
    if (form) {
      delete form.dataset.mine;
      setState(form, "unsaved", message("unsaved"));
    }
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
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (!form || !form.classList || !form.classList.contains("answer-cell")) return;
    if (status === 0) return; // not sent: htmx:sendError says so
    if (status >= 200 && status < 300) {
      setState(form, "saved");
      htmx.trigger(document.body, "answersaved"); // the progress line asks again
    } else if (!form.isConnected) {
      // the server put the answer as saved in its place (409, 422), with why
      updateSummary();
    } else if (status === 401) {
      refuse(form, message("expired"), true);
      if (summary) summary.querySelector(".save-login").hidden = false;
    } else if (status === 403 || status === 404) refuse(form, message("forbidden"), false);
    else if (status === 409 || status === 422) {
      var text = (xhr.responseText || "").trim();
      refuse(form, text && text.length < 300 ? text : message("refused"), false);
    } else refuse(form, message("serverError"), true);
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    updateFollowUps();
    var locked = answers.querySelector(".answer-cell[data-locked]");
    if (locked) lockPage(locked.dataset.locked);
    updateSummary();
  });
  document.body.addEventListener("htmx:load", function (event) {
    if (event.detail.elt && event.detail.elt.id === "answers-poll") applyChanges(event.detail.elt);
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
