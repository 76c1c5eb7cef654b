// The view state that lives in the URL query string, so a view can be shared and the back button
// works. Pure functions: parse a query string into a state, and a state back into a query string.

export const VIEWS = ["discovery", "opportunities"];

export const SORTS = {
  discovery: { keys: ["similarity", "confidence", "yesDiff", "liquidity"], default: "similarity" },
  opportunities: { keys: ["expectedProfit", "edge", "size", "cost"], default: "expectedProfit" },
};

const KINDS = [
  "binary_buy_both",
  "binary_split_sell",
  "negrisk_buy_all",
  "event_buy_all",
  "cross_equivalent",
  "cross_inverse",
  "cross_subset",
  "cross_exclusive",
  "cross_outcome_set",
];
// Relation filter values: one relation, or `subset` for both directions.
export const RELATIONS = ["equivalent", "inverse", "subset", "mutually_exclusive", "related_not_equivalent"];

function number(raw, min, max) {
  if (raw === null || raw.trim() === "") return null;
  const x = Number(raw);
  if (!Number.isFinite(x)) return null;
  return Math.min(max, Math.max(min, x));
}

/** The default state (what an empty query string means). */
export function defaultState() {
  return { view: "discovery", q: "", category: "", minSim: null, relation: "", minEdge: null, kind: "", sort: null, dir: "desc", detail: null };
}

/** Parse a query string (`?view=...&q=...`) into a full, validated state. */
export function parseQuery(search) {
  const p = new URLSearchParams(search);
  const s = defaultState();
  const view = p.get("view");
  if (VIEWS.includes(view)) s.view = view;
  s.q = (p.get("q") ?? "").slice(0, 200);
  s.category = (p.get("category") ?? "").slice(0, 100);
  s.minSim = number(p.get("minSim"), 0, 1);
  s.minEdge = number(p.get("minEdge"), -100, 100);
  const relation = p.get("relation");
  if (RELATIONS.includes(relation)) s.relation = relation;
  const kind = p.get("kind");
  if (KINDS.includes(kind)) s.kind = kind;
  const sort = p.get("sort");
  if (SORTS[s.view].keys.includes(sort)) s.sort = sort;
  if (p.get("dir") === "asc") s.dir = "asc";
  s.detail = parseDetail(p.get("detail"));
  return s;
}

/** `pair:A,B` | `op:<id>` | `market:<id>` -> {type, ids}; anything else -> null. */
export function parseDetail(raw) {
  if (!raw) return null;
  const i = raw.indexOf(":");
  if (i < 0) return null;
  const type = raw.slice(0, i);
  const rest = raw.slice(i + 1);
  if (type === "pair") {
    const ids = rest.split(",").filter(Boolean);
    return ids.length === 2 ? { type, ids } : null;
  }
  if ((type === "op" || type === "market") && rest) return { type, ids: [rest] };
  return null;
}

function formatDetail(detail) {
  if (!detail) return null;
  return detail.type === "pair" ? `pair:${detail.ids.join(",")}` : `${detail.type}:${detail.ids[0]}`;
}

/** The query string for a state; defaults are left out so URLs stay short. */
export function toQuery(state) {
  const p = new URLSearchParams();
  if (state.view !== "discovery") p.set("view", state.view);
  if (state.q) p.set("q", state.q);
  if (state.category) p.set("category", state.category);
  if (state.minSim !== null) p.set("minSim", String(state.minSim));
  if (state.relation) p.set("relation", state.relation);
  if (state.minEdge !== null) p.set("minEdge", String(state.minEdge));
  if (state.kind) p.set("kind", state.kind);
  if (state.sort) p.set("sort", state.sort);
  if (state.sort && state.dir === "asc") p.set("dir", "asc");
  const detail = formatDetail(state.detail);
  if (detail) p.set("detail", detail);
  const text = p.toString();
  return text ? `?${text}` : "";
}

/** The effective sort of the state's view: [key, dir]. */
export function effectiveSort(state) {
  const spec = SORTS[state.view];
  return state.sort && spec.keys.includes(state.sort) ? [state.sort, state.dir] : [spec.default, "desc"];
}

/** Lower-cased search words; every word must appear in the text for a row to match. */
export function searchWords(q) {
  return q.toLowerCase().split(/\s+/).filter(Boolean);
}

/** True when every search word appears in one of the texts. */
export function matchesSearch(words, ...texts) {
  if (words.length === 0) return true;
  const hay = texts.filter(Boolean).join(" \u0000 ").toLowerCase();
  return words.every((w) => hay.includes(w));
}
