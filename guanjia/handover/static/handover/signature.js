// A signature pad on a phone screen: draws on the canvas with finger or mouse and puts the PNG
// (a data URL) into the form's hidden field when the form is sent. Loaded as a file: the content
// security policy forbids inline scripts.
(function () {
  "use strict";

  function setUp(canvas) {
    var form = canvas.closest("form");
    var field = form.querySelector("[data-signature-field]");
    var clear = form.querySelector("[data-signature-clear]");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;

    function size() {
      var ratio = window.devicePixelRatio || 1;
      canvas.width = canvas.clientWidth * ratio;
      canvas.height = canvas.clientHeight * ratio;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      drawn = false;
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    canvas.style.touchAction = "none";
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    if (clear) { clear.addEventListener("click", size); }
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
    size();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-signature-pad]"), setUp);
  });
})();
