// The planner's scenario, worked out again as the goal or a rate is typed,
// the way the server's plan.Work does: bookings × marketing share ÷ deal
// size customers, then each stage ÷ its rate, each step rounded up (the
// exact need carried on). Submitting the form asks the server the same.
"use strict";

function work(bookings, dealSize, rates) {
  const out = { customers: null, opportunities: null, sqls: null, mqls: null, leads: null };
  const ceil = (v) => Math.ceil(v - 1e-9);
  if (bookings === 0) { for (const k of Object.keys(out)) out[k] = 0; return out; }
  if (!(dealSize > 0)) return out;
  let need = bookings / dealSize;
  out.customers = ceil(need);
  const steps = [["opportunity_to_customer", "opportunities"], ["sql_to_opportunity", "sqls"], ["mql_to_sql", "mqls"], ["lead_to_mql", "leads"]];
  for (const [rate, key] of steps) {
    if (!(rates[rate] > 0)) break;
    need /= rates[rate];
    out[key] = ceil(need);
  }
  return out;
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("planner");
  if (!form) return;
  const num = (name) => Number(form.elements[name].value);
  function update() {
    document.getElementById("unmoved")?.remove();
    const rates = {};
    for (const el of form.querySelectorAll("[data-rate]")) rates[el.dataset.rate] = Number(el.value);
    const needs = work(num("bookings") * num("marketing_share"), num("deal_size"), rates);
    for (const [k, v] of Object.entries(needs)) {
      const cell = document.querySelector('[data-need="' + k + '"]');
      if (cell) cell.textContent = v === null ? "–" : v.toLocaleString("en-US");
    }
  }
  form.addEventListener("input", update);
});
