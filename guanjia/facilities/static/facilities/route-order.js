// Drag the checkpoints of a route into a new order; on drop the order form is submitted.
// Without JavaScript the up/down buttons do the same, one step at a time.
(function () {
  "use strict";
  function init() {
    var list = document.querySelector("[data-checkpoint-order]");
    var form = document.getElementById("checkpoint-order-form");
    if (!list || !form) return;
    var dragged = null;
    list.querySelectorAll("[data-checkpoint-id]").forEach(function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("opacity-50");
        event.dataTransfer.effectAllowed = "move";
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("opacity-50");
      });
      item.addEventListener("dragover", function (event) {
        event.preventDefault();
        if (!dragged || dragged === item) return;
        var box = item.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
    });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
      var ids = Array.prototype.map.call(list.querySelectorAll("[data-checkpoint-id]"), function (el) {
        return el.getAttribute("data-checkpoint-id");
      });
      form.querySelector("input[name=order]").value = ids.join(",");
      form.submit();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
