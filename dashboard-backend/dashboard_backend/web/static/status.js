// The status bar (from /healthz) and the banner for API / stream trouble.

import { h, replaceChildren } from "./dom.js";
import * as fmt from "./format.js";

function setItem(id, label, value, title = null, tone = "") {
  const el = document.getElementById(id);
  el.className = `item ${tone}`.trim();
  if (title) el.title = title;
  else el.removeAttribute("title");
  replaceChildren(el, h("span", { class: "label" }, `${label}: `), h("span", { class: "value" }, value));
}

/** Fill the status bar from a /healthz body (or `null` when the API is unreachable). */
export function renderStatus(health, now = Date.now()) {
  if (!health) {
    setItem("st-api", "API", "unreachable", null, "bad");
    return;
  }
  const status = health.status ?? (health.ok ? "ok" : "down");
  const problems = Array.isArray(health.problems) ? health.problems : [];
  if (health.redis === false) {
    setItem("st-api", "API", "Redis down", health.error ?? null, "bad");
    return;
  }
  const apiTone = { ok: "good", degraded: "warn", down: "bad" }[status] ?? "warn";
  setItem("st-api", "API", status, problems.map((p) => p.message).join("\n") || null, apiTone);
  const pollProblem = problems.find((p) => p.component.startsWith("poller"));
  setItem("st-poll", "Last poll", health.lastPoll ? fmt.relative(health.lastPoll, now) : "never", pollProblem ? pollProblem.message : health.lastPoll ? fmt.dateTime(health.lastPoll) : null, pollProblem || !health.lastPoll ? "warn" : "");
  const venues = health.venues && typeof health.venues === "object" ? Object.entries(health.venues).filter(([, v]) => v && v.enabled) : [];
  const perVenue = venues.map(([name, v]) => `${fmt.venueLabel(name)} ${fmt.count(v.markets ?? null)}`).join(" · ");
  const venueNotes = venues.map(([name, v]) => `${fmt.venueLabel(name)}: ${v.live}${v.lastError ? ` — last poll failed: ${v.lastError}` : ""}`).join("\n");
  const failing = venues.some(([, v]) => v.lastError);
  setItem("st-catalog", "Catalog", `${fmt.count(health.catalogSize)} markets${perVenue ? ` (${perVenue})` : ""}`, venueNotes || null, failing ? "warn" : "");
  const model = [health.embeddingProvider, health.embeddingModel].filter(Boolean).join(" / ");
  setItem("st-embeddings", "Embeddings", fmt.count(health.embeddings), model || null);
  const duration = typeof health.lastMatchingDurationSec === "number" ? ` (${health.lastMatchingDurationSec.toFixed(1)} s)` : "";
  setItem("st-matching", "Last matching run", health.lastMatchingRun ? `${fmt.relative(health.lastMatchingRun, now)}${duration}` : "never", health.lastMatchingRun ? fmt.dateTime(health.lastMatchingRun) : "the matching worker has not run yet", health.lastMatchingRun ? "" : "warn");
  setItem("st-pairs", "Markets with matches", fmt.count(health.marketsWithMatches ?? null), health.pairs == null ? null : `${fmt.count(health.pairs)} pairs in the last matching run`);
}

const STREAM_LABELS = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/** The live-updates pill in the header. */
export function renderStreamStatus(status) {
  const el = document.getElementById("stream-status");
  el.dataset.state = status;
  el.querySelector(".label").textContent = STREAM_LABELS[status] ?? status;
  el.title = status === "live" ? "Receiving live updates" : "Live updates are not flowing; the page reconnects by itself";
}

/**
 * The banner: the most serious of API unreachable > Redis down > what /healthz reports (a venue
 * unreachable, a worker stopped or restarting) > stream dropped, or hidden.
 * `problems`: {apiDown: bool, redisError: string|null, health: [{component, message, severity}],
 *              streamDown: bool, retrySec: number}.
 */
export function renderBanner(problems) {
  const el = document.getElementById("banner");
  let tone = null;
  let text = null;
  if (problems.apiDown) {
    tone = "bad";
    text = [h("strong", {}, "Cannot reach the API. "), `Showing the last data received. Retrying every ${problems.retrySec} s — check that the server (make run) is still running.`];
  } else if (problems.redisError !== null) {
    tone = "bad";
    text = [h("strong", {}, "The API cannot reach Redis. "), problems.redisError];
  } else if (problems.health.length > 0) {
    // What /healthz says is wrong, most serious first, in its own words.
    const shown = [...problems.health].sort((a, b) => (a.severity === "down" ? 0 : 1) - (b.severity === "down" ? 0 : 1)).slice(0, 3);
    tone = shown.some((p) => p.severity === "down") ? "bad" : "warn";
    text = shown.map((p, i) => [i > 0 ? h("br") : null, h("span", { class: "problem", dataset: { component: p.component } }, p.message)]);
    if (problems.health.length > shown.length) text.push(h("br"), `and ${problems.health.length - shown.length} more (see /healthz)`);
  } else if (problems.streamDown) {
    tone = "warn";
    text = [h("strong", {}, "Live updates disconnected. "), "Reconnecting automatically; meanwhile the views refresh every few minutes."];
  }
  el.hidden = tone === null;
  el.dataset.tone = tone ?? "";
  el.dataset.problem = problems.apiDown ? "api" : problems.redisError !== null ? "redis" : problems.health.length > 0 ? "health" : problems.streamDown ? "stream" : "";
  replaceChildren(el, text);
}
