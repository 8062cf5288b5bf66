// Draws the charts whose data the page embeds as JSON (<script type="application/json"
// id="chart-NAME"> next to <div data-chart="NAME">), with uPlot, in the theme's colours and the
// viewer's time zone, and redraws them when the width or the theme changes.
(function () {
  "use strict";
  var palette = ["--chart-1", "--chart-2", "--chart-3", "--chart-4", "--chart-5"];
  var zone = (document.querySelector("[data-testid=time-zone]") || {}).textContent || "UTC";
  var charts = [];

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function build(holder) {
    var source = document.getElementById("chart-" + holder.dataset.chart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var unit = data.unit;
    var format = function (value) {
      if (value == null) return "–";
      if (unit === "ms") {
        // Long waits (a destination down for hours) in minutes and hours, so labels stay short.
        if (value < 1000) return Math.round(value) + " ms";
        if (value < 60000) return (value / 1000).toFixed(1) + " s";
        if (value < 3600000) return Math.round(value / 60000) + " min";
        return (value / 3600000).toFixed(1) + " h";
      }
      return String(Math.round(value));
    };
    var axis = { stroke: css("--muted"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") } };
    var options = {
      width: Math.max(holder.clientWidth, 200),
      height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), zone); },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: function (u, min, max) { return [0, Math.max(max || 0, unit === "ms" ? 100 : 5) * 1.1]; } } },
      axes: [axis, Object.assign({}, axis, { size: 60, values: function (u, values) { return values.map(format); } })],
      series: [{}].concat(data.series.map(function (series, index) {
        var colour = css(palette[index % palette.length]);
        return {
          label: series.label,
          stroke: colour,
          fill: unit === "ms" ? undefined : colour + "33",
          width: 2,
          spanGaps: false,
          points: { show: unit === "ms" },
          value: function (u, value) { return format(value); },
        };
      })),
    };
    var rows = [data.x].concat(data.series.map(function (series) { return series.values; }));
    holder.textContent = "";
    if (data.series.length === 0) {
      holder.innerHTML = '<p class="empty">Nothing in the last 24 hours.</p>';
      return;
    }
    charts.push({ holder: holder, plot: new uPlot(options, rows, holder) });
  }

  function drawAll() {
    charts.forEach(function (chart) { chart.plot.destroy(); });
    charts = [];
    document.querySelectorAll("[data-chart]").forEach(build);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    var width = window.innerWidth;
    window.addEventListener("resize", function () {
      if (Math.abs(window.innerWidth - width) < 20) return;
      width = window.innerWidth;
      charts.forEach(function (chart) { chart.plot.setSize({ width: Math.max(chart.holder.clientWidth, 200), height: 220 }); });
    });
    document.addEventListener("fw-theme", drawAll);
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawAll);
  });
})();
