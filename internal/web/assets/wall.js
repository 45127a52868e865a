// The wall display: the server pushes the whole board over server-sent
// events whenever it changes; this redraws it. Without JavaScript the
// board still shows, as of when it was loaded.
"use strict";

const labels = { lead: "Leads", mql: "MQLs", sql: "SQLs", opportunities_opened: "Opportunities opened", won: "Deals won", bookings: "Bookings" };
const fmt = (n) => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-US"));

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function head(tr, text) {
  const th = document.createElement("th");
  th.scope = "row";
  th.textContent = text;
  tr.appendChild(th);
}

let seen = null; // breach keys already shown, to flash the new ones

const svgNS = "http://www.w3.org/2000/svg";

function rect(cls, x, y, h, title) {
  const r = document.createElementNS(svgNS, "rect");
  r.setAttribute("class", cls);
  r.setAttribute("x", x);
  r.setAttribute("y", y);
  r.setAttribute("width", 8);
  r.setAttribute("height", h);
  if (title) {
    const t = document.createElementNS(svgNS, "title");
    t.textContent = title;
    r.appendChild(t);
  }
  return r;
}

// drawHourly redraws the bars of each metric by hour; the server lays
// them out, so the page and this draw the same.
function drawHourly(hourly) {
  for (const m of hourly || []) {
    const fig = document.querySelector('#hourly figure[data-metric="' + m.metric + '"]');
    if (!fig) continue;
    fig.querySelector(".big").textContent = fmt(m.so_far);
    const cap = fig.querySelector("figcaption");
    cap.lastChild.textContent = " by this hour last week (" + fmt(m.last_week_all) + " all day)";
    fig.querySelector(".then").textContent = fmt(m.last_week_so_far);
    const svg = fig.querySelector("svg");
    svg.setAttribute("aria-label", (labels[m.metric] || m.metric) + " by hour: " + m.so_far + " today so far, " + m.last_week_so_far + " by this hour last week");
    svg.querySelectorAll("rect").forEach((r) => r.remove());
    const first = svg.firstChild;
    for (const b of m.bars) {
      svg.insertBefore(rect("today", b.x, b.y, b.h, b.hour + ":00 today " + b.today + ", last week " + b.last_week), first);
      svg.insertBefore(rect("last", b.x, b.last_y, 2), first);
    }
  }
}

function draw(d) {
  drawHourly(d.hourly);
  document.getElementById("wall-asof").textContent = new Date(d.as_of).toLocaleString();
  const today = document.getElementById("today-rows");
  today.replaceChildren(...d.today.metrics.map((m) => {
    const tr = document.createElement("tr");
    head(tr, labels[m.key] || m.key);
    cell(tr, fmt(m.now), "n").dataset.today = m.key;
    cell(tr, fmt(m.previous), "n");
    return tr;
  }));
  for (const [state, n] of Object.entries(d.clocks)) {
    const el = document.querySelector('[data-clock="' + state + '"]');
    if (el) el.textContent = n;
  }
  const list = document.getElementById("breaches");
  const keys = new Set();
  const items = d.breaches.map((b) => {
    const li = document.createElement("li");
    const key = b.lead_id + "|" + b.rule;
    keys.add(key);
    li.dataset.lead = b.lead_id;
    const strong = document.createElement("strong");
    strong.textContent = b.lead_id;
    li.append(strong, " · " + b.owner + " · " + b.rule + " · " + b.late + " late");
    if (seen && !seen.has(key)) li.classList.add("fresh");
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "No breaches.";
    items.push(li);
  }
  list.replaceChildren(...items);
  seen = keys;
  const week = document.getElementById("week-rows");
  week.replaceChildren(...d.week.rows.map((r) => {
    const tr = document.createElement("tr");
    head(tr, labels[r.metric] || r.metric);
    cell(tr, fmt(r.count), "n");
    cell(tr, fmt(r.goal), "n");
    cell(tr, fmt(r.projected), "n");
    return tr;
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("wall-status");
  const es = new EventSource("/wall/events");
  es.addEventListener("state", (e) => {
    status.dataset.live = "on";
    status.textContent = "Live";
    draw(JSON.parse(e.data));
  });
  es.onerror = () => {
    status.dataset.live = "off";
    status.textContent = "Reconnecting…";
  };
  rotate();
});

// The panels come in screens (today, the SLA now, the week). A board
// that does not fit its display shows one screen at a time, 15 seconds
// each; ?rotate=N rotates every N seconds whatever the size, ?rotate=0
// never (every panel, scrolled).
function rotate() {
  const asked = new URLSearchParams(location.search).get("rotate");
  const every = asked === null ? 15 : Number(asked);
  const fits = document.documentElement.scrollHeight <= window.innerHeight + 2;
  if (!(every > 0) || (asked === null && fits)) return;
  const box = document.getElementById("wall");
  const panels = [...box.querySelectorAll(".panel")];
  const screens = [...new Set(panels.map((p) => p.dataset.screen))];
  const label = document.getElementById("wall-screen");
  box.classList.add("rotating");
  let i = 0;
  const show = () => {
    panels.forEach((p) => p.classList.toggle("current", p.dataset.screen === screens[i]));
    label.textContent = ` · screen ${i + 1} of ${screens.length}`;
  };
  show();
  setInterval(() => { i = (i + 1) % screens.length; show(); }, every * 1000);
}
