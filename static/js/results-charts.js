/* Horizontal bar charts of the self-report results: this year against the year before.
   The data comes from the json_script element #results-chart-data; each
   <canvas data-chart="id"> draws the chart of that id. The tables beside the charts hold
   the same numbers for screen readers and print. */
(function () {
  "use strict";
  var source = document.getElementById("results-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "nb";
  var format = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var CURRENT = "#00509e";
  var PREVIOUS = "#8eaed3";

  function draw(canvas) {
    var chart = data.charts[canvas.dataset.chart];
    if (!chart) {
      return;
    }
    var datasets = [
      { label: data.current, data: chart.current, backgroundColor: CURRENT, borderColor: CURRENT }
    ];
    if (chart.previous) {
      datasets.push({
        label: data.previous, data: chart.previous, backgroundColor: PREVIOUS, borderColor: PREVIOUS
      });
    }
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: {
            min: 0,
            max: 100,
            ticks: { callback: function (value) { return whole.format(value) + "\u00a0%"; } }
          }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = context.parsed.x;
                return context.dataset.label + ": " +
                  (value === null ? "–" : format.format(value) + "\u00a0%");
              }
            }
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
