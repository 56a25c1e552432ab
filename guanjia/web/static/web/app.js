// Guanjia console behaviour. Loaded as a file: the content security policy forbids inline scripts.
(function () {
  "use strict";

  function showError(message) {
    var box = document.getElementById("htmx-error");
    if (!box) { return; }
    box.textContent = message;
    box.classList.remove("d-none");
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    // The server answers htmx refusals (403, 404, 422 …) with a short reason in plain text, in the
    // reader's language; show it as it is.
    var type = xhr ? (xhr.getResponseHeader("Content-Type") || "") : "";
    if (type.indexOf("text/plain") === 0 && xhr.responseText) {
      showError(xhr.responseText);
      return;
    }
    showError(status === 403 ? "没有权限 / Permission denied" : "请求失败（" + status + "），请稍后重试");
  });

  // Print buttons ([data-print]): the page's own print styles leave only the sheet on paper.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { event.preventDefault(); window.print(); }
  });

  document.addEventListener("htmx:sendError", function () {
    showError("网络错误，请检查连接 / Network error");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var box = document.getElementById("htmx-error");
      if (box) { box.classList.add("d-none"); }
    }
  });
})();

// Forms that must not be sent twice, and irreversible actions that ask first (the server refuses a
// second submission anyway: this spares the person the surprise).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (!form.hasAttribute("data-submit-once")) { return; }
    if (form.getAttribute("data-submitted") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitted", "1");
    // Disabled after the browser has taken the form's values, so the click still sends them.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }, 0);
  });

  // Back to a page kept in the browser's cache: the form may be sent again on purpose.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      form.querySelectorAll("[aria-busy]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
    });
  });
})();

// Bulk bars: the header box ticks or clears every row of its form on this page; the bar counts them.
(function () {
  "use strict";

  function count(formId) {
    var label = document.querySelector('[data-selected-count="' + formId + '"]');
    if (!label) { return; }
    var n = document.querySelectorAll('input[name="ids"][form="' + formId + '"]:checked').length;
    label.textContent = n ? "（" + n + "）" : "";
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches) { return; }
    if (box.matches("[data-select-all]")) {
      var formId = box.getAttribute("data-select-all");
      document.querySelectorAll('input[name="ids"][form="' + formId + '"]').forEach(function (row) {
        row.checked = box.checked;
      });
      count(formId);
    } else if (box.matches('input[name="ids"][form]')) {
      count(box.getAttribute("form"));
    }
  });
})();

// A <select> whose options come back over htmx (a project's buildings, a kind's categories) keeps the
// choice the person made while the request was on its way, when that choice is still offered: the
// server only knew the value at the moment it was asked.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.tagName === "SELECT" && !target.multiple) {
      target.setAttribute("data-kept-value", target.value);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.tagName !== "SELECT" || !target.hasAttribute("data-kept-value")) { return; }
    var kept = target.getAttribute("data-kept-value");
    target.removeAttribute("data-kept-value");
    if (!kept) { return; }
    for (var i = 0; i < target.options.length; i++) {
      if (target.options[i].value === kept) { target.value = kept; return; }
    }
  });
})();

// A table wider than the screen scrolls sideways: it can be reached and scrolled with the keyboard
// too (the figures pages mark theirs in the template; this covers the other lists on a phone).
(function () {
  "use strict";

  function focusableWhenScrolling(root) {
    var boxes = (root.querySelectorAll ? root : document).querySelectorAll(".table-responsive:not([tabindex])");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth) { box.setAttribute("tabindex", "0"); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { focusableWhenScrolling(document); });
  document.addEventListener("htmx:afterSettle", function (event) { focusableWhenScrolling(event.target); });
})();
