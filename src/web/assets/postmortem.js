// The post-mortem editor's live preview: a moment after typing stops, the text goes to the
// server, which answers with its sanitised rendering and the blameless check's findings, shown
// beside the editor. Without this script the page works the same, one save at a time.
(function () {
  "use strict";
  var WAIT_MS = 400;

  function findingsList(findings) {
    if (!findings.length) {
      var none = document.createElement("p");
      none.className = "muted small";
      none.textContent = "No blaming phrases found.";
      return none;
    }
    var list = document.createElement("ul");
    list.className = "findings";
    findings.forEach(function (finding) {
      var item = document.createElement("li");
      var phrase = document.createElement("strong");
      phrase.textContent = "Line " + finding.line + ": “" + finding.phrase + "”";
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = finding.why;
      var suggestion = document.createElement("span");
      suggestion.className = "suggestion";
      suggestion.textContent = finding.suggestion;
      item.append(phrase, " ", why, " ", suggestion);
      list.append(item);
    });
    return list;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-preview]");
    if (!form) return;
    var editor = form.querySelector("textarea[name=markdown]");
    var csrf = form.querySelector("input[name=_csrf]").value;
    var preview = document.getElementById("preview");
    var findings = document.getElementById("findings");
    var status = document.getElementById("preview-status");
    var timer = null;
    // Answers can arrive out of order: only the one for the latest text is shown.
    var asked = 0;

    function ask() {
      var mine = ++asked;
      var body = new URLSearchParams();
      body.set("_csrf", csrf);
      body.set("markdown", editor.value);
      status.textContent = "updating…";
      fetch(form.dataset.preview, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (answer) {
          if (mine !== asked) return;
          // Rendered by the server, which shows raw HTML as text and drops unsafe links.
          preview.innerHTML = answer.html;
          findings.replaceChildren(findingsList(answer.findings));
          status.textContent = "";
        })
        .catch(function () {
          if (mine === asked) status.textContent = "could not be updated; saving still works";
        });
    }

    editor.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, WAIT_MS);
    });
  });
})();
