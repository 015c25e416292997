/* Charts of the deviation statistics page. The data comes from the json_script element
   #deviation-chart-data; each <canvas data-chart="trend|units|severity"> draws that chart.
   The tables beside the charts hold the same numbers for screen readers and print. */
(function () {
  "use strict";
  var source = document.getElementById("deviation-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var EVENTS = "#00509e";
  var SUGGESTIONS = "#8eaed3";
  var SEVERITY = ["#7fb77e", "#c9d96f", "#f2c14e", "#f08a4b", "#c0392b", "#adb5bd"];

  function options(horizontal, stacked) {
    var axis = { beginAtZero: true, stacked: stacked, ticks: { precision: 0 } };
    return {
      indexAxis: horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: Object.assign({}, axis), y: Object.assign({}, axis) },
      plugins: { legend: { display: stacked, position: "bottom", labels: { boxWidth: 12 } } }
    };
  }

  var charts = {
    trend: function () {
      return {
        type: "bar",
        data: {
          labels: data.trend.labels,
          datasets: [
            { label: data.text.events, data: data.trend.events, backgroundColor: EVENTS },
            { label: data.text.suggestions, data: data.trend.suggestions, backgroundColor: SUGGESTIONS }
          ]
        },
        options: options(false, true)
      };
    },
    units: function () {
      return {
        type: "bar",
        data: {
          labels: data.units.labels,
          datasets: [{ label: data.text.reports, data: data.units.counts, backgroundColor: EVENTS }]
        },
        options: options(true, false)
      };
    },
    severity: function () {
      return {
        type: "bar",
        data: {
          labels: data.severity.labels,
          datasets: [{ label: data.text.reports, data: data.severity.counts, backgroundColor: SEVERITY }]
        },
        options: options(false, false)
      };
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = charts[canvas.dataset.chart];
    if (build) {
      new window.Chart(canvas, build());
    }
  });
})();
