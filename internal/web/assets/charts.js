// Charts: each <figure data-chart> holds its data as JSON in a
// <script type="application/json"> (data, not code, so the pages' CSP
// keeps forbidding inline scripts), drawn with uPlot (from the npm
// registry, embedded in the binary). The table beside each chart holds the
// same numbers for anyone without JavaScript or a screen.
"use strict";

const palette = ["#1d4ed8", "#b45309", "#047857", "#9333ea", "#be123c", "#0e7490"];
const dashes = [[], [6, 3], [2, 3], [10, 4, 2, 4], [4, 4], [1, 2]];

function drawChart(fig) {
  const spec = JSON.parse(fig.querySelector('script[type="application/json"]').textContent);
  const box = fig.querySelector(".chart");
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue("--fg").trim() || "#1a1d21";
  const grid = css.getPropertyValue("--line").trim() || "#d5d9de";
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  const opts = {
    width: Math.max(320, box.clientWidth),
    height: 260,
    scales: { x: { time: true } },
    axes: [axis, Object.assign({}, axis, { values: (u, vals) => vals.map((v) => spec.percent ? Math.round(v * 100) + "%" : v.toLocaleString("en-US")) })],
    series: [{}].concat(spec.series.map((name, i) => ({
      label: name, stroke: palette[i % palette.length], width: 2, dash: dashes[i % dashes.length],
      points: { show: true, size: 6 },
      value: (u, v) => v === null ? "–" : spec.percent ? (v * 100).toFixed(0) + "%" : v.toLocaleString("en-US"),
    }))),
  };
  box.replaceChildren();
  new uPlot(opts, [spec.x].concat(spec.values), box);
}

document.addEventListener("DOMContentLoaded", () => {
  const figs = document.querySelectorAll("figure[data-chart]");
  for (const f of figs) drawChart(f);
  let t;
  window.addEventListener("resize", () => { clearTimeout(t); t = setTimeout(() => figs.forEach(drawChart), 200); });
});
