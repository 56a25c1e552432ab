// Inside WeChat: hand the signed parameters to WeixinJSBridge (no inline script: CSP).
(function () {
  function pay() {
    var b = document.getElementById("wxpay");
    if (!b || typeof WeixinJSBridge === "undefined") return;
    WeixinJSBridge.invoke("getBrandWCPayRequest", {
      appId: b.dataset.appId, timeStamp: b.dataset.timeStamp, nonceStr: b.dataset.nonceStr,
      package: b.dataset.package, signType: b.dataset.signType, paySign: b.dataset.paySign
    }, function () { /* the page polls the order's status; the callback is the truth */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var b = document.getElementById("wxpay");
    if (b) b.addEventListener("click", pay);
  });
})();
