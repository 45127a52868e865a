// Charts: each <figure data-chart> holds its data as JSON in a
// <script type="application/json"> (data, not code, so the pages' CSP
// keeps forbidding inline scripts), drawn with uPlot (from the npm
// registry, embedded in the binary). The table beside each chart holds the
// same numbers for anyone without JavaScript or a screen.
"use strict";

// The series' colours are the stylesheet's --chart-N (light and dark
// themes differ), these when it has none.
const fallback = ["#1d4ed8", "#b45309", "#047857", "#9333ea", "#be123c", "#0e7490"];
const dashes = [[], [6, 3], [2, 3], [10, 4, 2, 4], [4, 4], [1, 2]];
const tick = uPlot.fmtDate("{M}/{D}");

function drawChart(fig) {
  const spec = JSON.parse(fig.querySelector('script[type="application/json"]').textContent);
  const box = fig.querySelector(".chart");
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue("--fg").trim() || "#1a1d21";
  const grid = css.getPropertyValue("--line").trim() || "#d5d9de";
  const colours = fallback.map((c, i) => css.getPropertyValue("--chart-" + (i + 1)).trim() || c);
  const text = (v) => v === null || v === undefined ? "–" : spec.percent ? (v * 100).toFixed(0) + "%" : v.toLocaleString("en-US");
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  const series = [{}].concat(spec.series.map((name, i) => ({
    label: name, stroke: colours[i % colours.length], width: 2, dash: dashes[i % dashes.length],
    points: { show: true, size: 6 },
    value: (u, v) => text(v),
  })));
  const data = [spec.x].concat(spec.values);
  const bands = [];
  if (spec.band) {
    // The interval around the first series: its edges as faint lines
    // (their values in the legend), the space between them shaded.
    const edge = (label) => ({ label, stroke: colours[0], width: 1, dash: [2, 3], points: { show: false }, value: (u, v) => text(v) });
    series.push(edge(spec.band.label + ", high"), edge(spec.band.label + ", low"));
    data.push(spec.band.high, spec.band.low);
    const shade = /^#[0-9a-f]{6}$/i.test(colours[0]) ? colours[0] + "2e" : "rgba(128, 128, 128, 0.18)";
    bands.push({ series: [series.length - 2, series.length - 1], fill: shade });
  }
  const opts = {
    width: Math.max(320, box.clientWidth),
    height: 260,
    scales: { x: { time: true }, y: spec.range ? { range: spec.range } : {} },
    axes: [axis, Object.assign({}, axis, { values: (u, vals) => vals.map((v) => spec.percent ? Math.round(v * 100) + "%" : v.toLocaleString("en-US")) })],
    series,
    bands,
  };
  // Days are the server's (the SLA's time zone), not the browser's.
  if (spec.zone) opts.tzDate = (ts) => uPlot.tzDate(new Date(ts * 1000), spec.zone);
  if (spec.x_label) {
    series[0] = { label: spec.x_label, value: "{YYYY}-{MM}-{DD}" };
    // A tick on each point's day (a week's first), every other one or
    // fewer when they would not fit.
    opts.axes[0] = Object.assign({}, axis, {
      splits: () => spec.x,
      filter: (u, splits) => {
        const step = Math.max(1, Math.ceil(splits.length * 48 * devicePixelRatio / u.bbox.width));
        return splits.map((v, i) => (splits.length - 1 - i) % step === 0 ? v : null);
      },
      // A thinned-out tick is null: no label (not 1 January 1970).
      values: (u, splits) => splits.map((v) => v === null ? "" : tick((opts.tzDate || ((ts) => new Date(ts * 1000)))(v))),
    });
  }
  if (fig.plot) fig.plot.destroy();
  box.replaceChildren();
  fig.plot = new uPlot(opts, data, box);
}

document.addEventListener("DOMContentLoaded", () => {
  const figs = document.querySelectorAll("figure[data-chart]");
  if (figs.length === 0) return;
  const drawAll = () => figs.forEach(drawChart);
  drawAll();
  let t;
  window.addEventListener("resize", () => { clearTimeout(t); t = setTimeout(drawAll, 200); });
  // The theme switch (app.js) and the system's theme change the colours
  // the charts are drawn in.
  new MutationObserver(drawAll).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawAll);
});
