// Accord's pages work without this script; it adds a theme switch and
// ticks the queue's countdowns in business time.
"use strict";

(function theme() {
  const saved = localStorage.getItem("accord-theme");
  if (saved) document.documentElement.dataset.theme = saved;
  document.addEventListener("DOMContentLoaded", () => {
    const b = document.querySelector("[data-theme-toggle]");
    if (!b) return;
    b.addEventListener("click", () => {
      const dark = getComputedStyle(document.documentElement).getPropertyValue("--bg").trim() === "#111418";
      const next = dark ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      localStorage.setItem("accord-theme", next);
    });
  });
})();

// words writes seconds as the server does: 4m 05s, 3h 20m, 2d 4h.
function words(secs) {
  const neg = secs < 0;
  let s = Math.floor(Math.abs(secs));
  let out;
  const pad = (n) => String(n).padStart(2, "0");
  if (s < 60) out = s + "s";
  else if (s < 3600) out = Math.floor(s / 60) + "m " + pad(s % 60) + "s";
  else if (s < 86400) out = Math.floor(s / 3600) + "h " + pad(Math.floor(s / 60) % 60) + "m";
  else out = Math.floor(s / 86400) + "d " + (Math.floor(s / 3600) % 24) + "h";
  return (neg ? "−" : "") + out;
}

const stateLabel = { on_track: "● On track", warning: "▲ Warning", breached: "■ Breached", paused: "Ⅱ Paused" };

// The queue: each running clock loses a second a second; every 30 s the
// server says afresh where every clock stands (a clock stops and starts
// with working hours, and obligations come and go).
document.addEventListener("DOMContentLoaded", () => {
  const table = document.getElementById("queue");
  if (!table) return;
  let base = Date.now();
  const cells = () => table.querySelectorAll("[data-countdown]");
  for (const c of cells()) c.dataset.base = c.dataset.left;
  function tick() {
    const gone = (Date.now() - base) / 1000;
    for (const c of cells()) {
      const running = c.dataset.running === "true";
      const left = Number(c.dataset.base) - (running ? gone : 0);
      c.textContent = words(left) + (running ? "" : " (clock stopped)");
      const row = c.closest("tr");
      if (running && left <= 0 && !row.classList.contains("s-breached")) {
        row.className = "s-breached";
        row.querySelector("[data-state]").textContent = stateLabel.breached;
      }
    }
  }
  async function refresh() {
    try {
      const r = await fetch("/queue.json?owner=" + encodeURIComponent(table.dataset.owner), { credentials: "same-origin" });
      if (!r.ok) return;
      const q = await r.json();
      const byId = new Map(q.rows.map((row) => [row.id, row]));
      for (const tr of table.querySelectorAll("tbody tr[data-id]")) {
        const row = byId.get(tr.dataset.id);
        if (!row) { tr.remove(); continue; }
        const c = tr.querySelector("[data-countdown]");
        c.dataset.base = String(row.left_seconds);
        c.dataset.running = String(row.running);
        tr.className = "s-" + row.state;
        tr.querySelector("[data-state]").textContent = stateLabel[row.state] || row.state;
      }
      base = Date.now();
      tick();
    } catch (e) { /* offline for a moment: keep ticking */ }
  }
  setInterval(tick, 1000);
  setInterval(refresh, 30000);
  tick();
});
