// 流程分析: draws the plotly figures the server computed (JSON in #chart-data).
(function () {
  "use strict";
  var data = document.getElementById("chart-data");
  if (!data || typeof Plotly === "undefined") { return; }
  var figures = JSON.parse(data.textContent);
  var config = { displayModeBar: false, responsive: true, locale: "zh-CN" };
  [["chart-stages", "stages"], ["chart-volume", "volume"]].forEach(function (pair) {
    var el = document.getElementById(pair[0]);
    if (!el || !figures[pair[1]]) { return; }
    var fig = JSON.parse(figures[pair[1]]);
    Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      el.setAttribute("data-drawn", "1");
    });
  });
})();
