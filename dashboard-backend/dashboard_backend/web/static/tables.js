// What surrounds each table: sort headers, the summary line with "Show more", and the empty
// states (loading, API unreachable, no data yet, nothing matching the filters).

import { ApiUnreachable } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import * as fmt from "./format.js";

/** Mark the sorted column (aria-sort and the arrow). */
export function renderSortHeaders(table, [key, dir]) {
  for (const button of table.querySelectorAll("button.sort")) {
    const th = button.closest("th");
    const active = button.dataset.sort === key;
    if (active) th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
    button.dataset.dir = active ? dir : "";
  }
}

/** " · showing the first N" when not every matching row is drawn. */
export function showing(shown, matching) {
  return shown < matching ? ` · showing the first ${fmt.count(shown)}` : "";
}

/** The line above a table; `data-matching` / `data-shown` carry the counts for scripts and tests. */
export function renderSummary(view, text, shown, matching, pageRows) {
  const el = document.getElementById(`summary-${view}`);
  el.textContent = matching > 0 ? text : ""; // the empty state speaks for itself
  el.dataset.matching = String(matching);
  el.dataset.shown = String(shown);
  const more = document.getElementById(`more-${view}`);
  more.parentElement.hidden = shown >= matching;
  more.textContent = `Show ${fmt.count(Math.min(pageRows, matching - shown))} more`;
}

/**
 * [state, title, text] for the discovery view with no row to show.
 * `ctx`: {loaded, error, apiDown, health, filtersActive, anyRows}.
 */
export function discoveryEmpty(ctx) {
  if (!ctx.loaded) {
    if (ctx.error instanceof ApiUnreachable || ctx.apiDown) return ["unreachable", "Cannot reach the API", "The candidate pairs could not be loaded. The page retries by itself."];
    if (ctx.error) return ["error", "Could not load the candidate pairs", ctx.error.message];
    return ["loading", "Loading candidate pairs…", null];
  }
  const health = ctx.health;
  const anyMatches = ctx.anyRows || (health && health.marketsWithMatches > 0);
  if (ctx.filtersActive && anyMatches) return ["filtered", "No pairs match these filters", "Loosen the filters, or clear them to see every pair."];
  if (health && health.lastMatchingRun) {
    return ["no-matches", "No candidate pairs yet", `The last matching run (${fmt.relative(health.lastMatchingRun)}) found no pair of markets above the similarity threshold.`];
  }
  return ["no-matches", "No matches yet — the workers have not run yet", "Pairs appear here once the poller has filled the catalog, the embedding worker has embedded it and the matching worker has compared the markets."];
}

/** [state, title, text] for the opportunities view with no row to show (same `ctx`). */
export function opportunitiesEmpty(ctx) {
  if (!ctx.loaded) {
    if (ctx.error instanceof ApiUnreachable || ctx.apiDown) return ["unreachable", "Cannot reach the API", "The opportunities could not be loaded. The page retries by itself."];
    if (ctx.error) return ["error", "Could not load the opportunities", ctx.error.message];
    return ["loading", "Loading opportunities…", null];
  }
  if (ctx.filtersActive && ctx.anyRows) return ["filtered", "No opportunities match these filters", "Loosen the filters, or clear them to see every opportunity."];
  if (ctx.health && ctx.health.lastPoll) return ["none", "No opportunities right now", `The last poll (${fmt.relative(ctx.health.lastPoll)}) found no mispriced market. New ones appear here live.`];
  return ["none", "No opportunities yet — the poller has not run yet", "Opportunities appear here live once the poller has read the markets and their order books."];
}

/** Show the table, or the empty-state box in its place; `onClear` backs its button. */
export function renderEmpty(view, table, rowCount, [state, title, text], onClear) {
  const box = document.getElementById(`empty-${view}`);
  const empty = rowCount === 0;
  table.hidden = empty;
  box.hidden = !empty;
  if (!empty) return;
  if (box.dataset.state === state && box.dataset.title === title && box.dataset.text === (text ?? "")) return;
  box.dataset.state = state;
  box.dataset.title = title;
  box.dataset.text = text ?? "";
  replaceChildren(
    box,
    h("h2", {}, title),
    text ? h("p", {}, text) : null,
    state === "filtered" ? h("button", { type: "button", class: "button", on: { click: onClear } }, "Clear filters") : null,
  );
}
