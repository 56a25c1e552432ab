// Offline-tolerant autosave of audit answers. An answer that cannot be sent (no connection) is kept
// in localStorage under the form's URL and marked "未同步" on its card; it is sent again when the
// browser is back online, when the page loads, and every 15 seconds. The newest state of a form
// wins: each save carries all of the item's answers. Loaded as a file (the CSP forbids inline code).
(function () {
  "use strict";

  var KEY = "guanjia.quality.pending";
  var flushing = false;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
  }

  function store(pending) {
    try { window.localStorage.setItem(KEY, JSON.stringify(pending)); } catch (e) { /* full or disabled */ }
  }

  function formFor(url) {
    var forms = document.querySelectorAll("form[data-offline-autosave]");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].getAttribute("hx-post") === url) { return forms[i]; }
    }
    return null;
  }

  function mark(form, unsynced) {
    if (!form) { return; }
    var card = form.closest(".result-card");
    var marker = card && card.querySelector("[data-offline-marker]");
    if (marker) { marker.classList.toggle("d-none", !unsynced); }
    if (unsynced && card) {
      var status = card.querySelector("[id^='result-status-']");
      if (status) { status.innerHTML = ""; }
    }
  }

  function capture(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) { data[name] = String(value); });
    var pending = load();
    pending[form.getAttribute("hx-post")] = { data: data, at: Date.now() };
    store(pending);
    mark(form, true);
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function swapStatus(form, html) {
    var card = form && form.closest(".result-card");
    if (!card) { return; }
    var status = card.querySelector("[id^='result-status-']");
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = status && doc.getElementById(status.id);
    if (fresh) { status.replaceWith(fresh); }
    var error = doc.querySelector("[data-testid='result-error']");
    if (error && status) {
      var old = card.querySelector("[data-testid='result-error']");
      if (old) { old.remove(); }
      card.querySelector(".card-body").insertBefore(error, form);
    }
  }

  function flush() {
    if (flushing || !navigator.onLine) { return; }
    var pending = load();
    var urls = Object.keys(pending);
    if (!urls.length) { return; }
    flushing = true;
    var chain = Promise.resolve();
    urls.forEach(function (url) {
      chain = chain.then(function () {
        var entry = pending[url];
        return fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
          body: new URLSearchParams(entry.data)
        }).then(function (response) {
          return response.text().then(function (html) {
            if (response.status >= 500) { return; }
            // Saved, or refused for good (422 bad answer, 409 submitted, 403): either way it is
            // no longer waiting; a refusal shows its message on the card.
            var now = load();
            if (now[url] && now[url].at === entry.at) { delete now[url]; store(now); }
            var form = formFor(url);
            mark(form, false);
            swapStatus(form, html);
          });
        }).catch(function () { /* still offline: keep it */ });
      });
    });
    chain.then(function () { flushing = false; });
  }

  function restore() {
    var pending = load();
    Object.keys(pending).forEach(function (url) {
      var form = formFor(url);
      if (!form) { return; }
      var data = pending[url].data;
      Object.keys(data).forEach(function (name) {
        var fields = form.querySelectorAll("[name='" + name + "']");
        fields.forEach(function (field) {
          if (field.type === "radio") { field.checked = field.value === data[name]; } else { field.value = data[name]; }
        });
      });
      mark(form, true);
    });
  }

  function isAutosave(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.matches && elt.matches("form[data-offline-autosave]") ? elt : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = isAutosave(event);
    if (form && !navigator.onLine) {
      event.preventDefault();
      capture(form);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = isAutosave(event);
    if (form) { capture(form); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = isAutosave(event);
    if (form && event.detail.successful) {
      var pending = load();
      if (pending[form.getAttribute("hx-post")]) {
        delete pending[form.getAttribute("hx-post")];
        store(pending);
      }
      mark(form, false);
    }
  });

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    restore();
    flush();
    window.setInterval(flush, 15000);
  });
})();
