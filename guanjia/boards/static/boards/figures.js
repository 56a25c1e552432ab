// Draws the figures page's charts (Apache ECharts, from npm) from the JSON block the page embeds.
// No inline script: the page's Content-Security-Policy allows scripts from 'self' only.
(function () {
  "use strict";

  function draw() {
    var block = document.getElementById("figures-data");
    if (!block || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(block.textContent);
    var charts = [];
    data.charts.forEach(function (spec) {
      var el = document.getElementById(spec.id);
      if (!el) {
        return;
      }
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 40, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: data.periods },
        yAxis: { type: "value" },
        series: spec.series.map(function (s) {
          return { name: s.name, type: data.periods.length > 1 ? "line" : "bar", data: s.data, connectNulls: true };
        }),
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) {
        c.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
