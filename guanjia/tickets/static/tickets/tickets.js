// Service requests: keyboard use of the caller autocomplete (the desk never needs the mouse).
// A file, not inline: the content security policy forbids inline scripts.
(function () {
  "use strict";

  function options() {
    return Array.prototype.slice.call(document.querySelectorAll("#caller-results [role=option]"));
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.id === "caller-q") {
      var first = options()[0];
      if (event.key === "ArrowDown" && first) { event.preventDefault(); first.focus(); }
      if (event.key === "Enter" && first) { event.preventDefault(); first.click(); }
      return;
    }
    if (target.getAttribute && target.getAttribute("role") === "option") {
      var all = options();
      var index = all.indexOf(target);
      if (event.key === "ArrowDown" && index < all.length - 1) { event.preventDefault(); all[index + 1].focus(); }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        (index > 0 ? all[index - 1] : document.getElementById("caller-q")).focus();
      }
      if (event.key === "Escape") { document.getElementById("caller-q").focus(); }
    }
  });

  // After a caller is picked, go on with the category: the next thing the desk types.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "caller-picked") {
      var next = document.getElementById("id_category_id");
      if (next) { next.focus(); }
    }
  });
})();
