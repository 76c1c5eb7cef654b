// The discovery view: related pairs of markets from /v1/cross-opportunities, flattened into one
// row per unordered pair, each with the relation engine's verdict (same bet, inverse, subset...).

import { externalLink, h, replaceChildren, rowActivation, venueBadge } from "./dom.js";
import * as fmt from "./format.js";
import { matchesSearch, searchWords } from "./state.js";

// Links inside a row are for the mouse; keyboard users get one stop per row (Enter opens the
// drawer, which has the same links).
const ROW_LINK = { class: "out", tabindex: "-1" };

function num(x) {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

function text(x) {
  return typeof x === "string" ? x : "";
}

/** The outcome links of a match entry, malformed ones dropped. */
function outcomeLinks(raw) {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((l) => l && typeof l.aToken === "string" && typeof l.bToken === "string")
    .map((l) => ({ aToken: l.aToken, aOutcome: text(l.aOutcome), bToken: l.bToken, bOutcome: text(l.bOutcome) }));
}

/** Whether a pair's relation passes the relation filter (`subset` is both directions). */
function relationPasses(wanted, relation) {
  if (!wanted) return true;
  if (wanted === "subset") return relation === "subset_a_in_b" || relation === "subset_b_in_a";
  return relation === wanted;
}

/**
 * One row per unordered pair. The API lists each base market with its matches, so a pair can
 * appear twice (A→B and B→A); the first occurrence is kept, oriented with A = the base market.
 */
export function flattenPairs(groups) {
  const pairs = new Map();
  if (!Array.isArray(groups)) return [];
  for (const group of groups) {
    const base = group && group.market;
    if (!base || typeof base.id !== "string" || !Array.isArray(group.matches)) continue;
    for (const m of group.matches) {
      if (!m || typeof m.marketId !== "string" || m.marketId === base.id) continue;
      const key = [base.id, m.marketId].sort().join(",");
      if (pairs.has(key)) continue;
      pairs.set(key, {
        key,
        a: {
          id: base.id,
          question: base.question ?? "",
          closeTime: m.baseCloseTime ?? base.closeTime ?? null,
          url: m.baseUrl || base.url || "",
          liquidity: num(m.baseLiquidity) ?? num(base.liquidity),
          venue: base.venue ?? "polymarket",
        },
        b: {
          id: m.marketId,
          question: m.question ?? "",
          closeTime: m.closeTime ?? null,
          url: m.url || "",
          liquidity: num(m.liquidity),
          venue: m.venue ?? "polymarket",
        },
        similarity: num(m.similarity) ?? 0,
        // The API filters on the base market's category; show (and filter on) the same one.
        category: base.category ?? m.category ?? null,
        yesAskDiff: num(m.yesAskDiff),
        yesMidDiff: num(m.yesMidDiff),
        // The verdict is oriented like the row: A = the base market, B = the match.
        relation: typeof m.relation === "string" ? m.relation : null,
        confidence: num(m.confidence),
        outcomeMap: outcomeLinks(m.outcomeMap),
        reasons: Array.isArray(m.reasons) ? m.reasons.filter((r) => typeof r === "string") : [],
      });
    }
  }
  return [...pairs.values()];
}

/** The YES price difference shown for a pair: the ask difference, else the mid difference. */
export function yesDiff(pair) {
  return pair.yesAskDiff ?? pair.yesMidDiff;
}

const SORT_VALUE = {
  similarity: (p) => p.similarity,
  yesDiff: (p) => (yesDiff(p) === null ? -1 : Math.abs(yesDiff(p))),
  liquidity: (p) => Math.min(p.a.liquidity ?? 0, p.b.liquidity ?? 0),
  confidence: (p) => p.confidence ?? -1,
};

/** Pairs passing the filters, sorted (ties broken by key so the order is stable). */
export function selectPairs(pairs, state, [sortKey, dir]) {
  const words = searchWords(state.q);
  const category = state.category.toLowerCase();
  const rows = pairs.filter(
    (p) =>
      (!category || (p.category ?? "").toLowerCase() === category) &&
      (state.minSim === null || p.similarity >= state.minSim - 1e-12) &&
      relationPasses(state.relation, p.relation) &&
      matchesSearch(words, p.a.question, p.b.question),
  );
  const value = SORT_VALUE[sortKey] ?? SORT_VALUE.similarity;
  const sign = dir === "asc" ? 1 : -1;
  rows.sort((x, y) => sign * (value(x) - value(y)) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return rows;
}

function marketCell(m, label) {
  return h(
    "td",
    { class: "q", dataset: { label } },
    h("div", { class: "question" }, m.question),
    h("div", { class: "sub" }, venueBadge(m.venue), externalLink(m.url, fmt.venueLabel(m.venue), ROW_LINK)),
  );
}

/** The relation chip: the verdict, its confidence, and the engine's reasons as a tooltip. */
export function relationChip(pair) {
  const label = fmt.relationLabel(pair.relation);
  const confidence = pair.confidence === null ? "" : ` ${Math.round(pair.confidence * 100)}%`;
  return h(
    "span",
    { class: `rel rel-${pair.relation ?? "unjudged"}`, title: pair.reasons.join("; ") || label },
    label,
    confidence ? h("span", { class: "conf" }, confidence) : null,
  );
}

/** Render the pair rows; `onOpen(pair, row)` opens the drawer. */
export function renderPairRows(tbody, rows, onOpen) {
  const now = Date.now();
  const trs = rows.map((p) => {
    const diff = yesDiff(p);
    const [closeA, closeB] = fmt.closeTimes(p.a.closeTime, p.b.closeTime);
    const open = (ev) => onOpen(p, ev.currentTarget);
    return h(
      "tr",
      {
        class: "row",
        tabindex: "0",
        dataset: { key: p.key },
        "aria-label": `${p.a.question} / ${p.b.question} — ${fmt.relationLabel(p.relation)}, similarity ${fmt.similarity(p.similarity)}`,
        on: rowActivation(open),
      },
      marketCell(p.a, "Market A"),
      marketCell(p.b, "Market B"),
      h("td", { class: "relation", dataset: { label: "Relation" } }, relationChip(p)),
      h("td", { class: "num strong", dataset: { label: "Similarity" } }, h("span", { class: "sim", style: { "--sim": Math.max(0, Math.min(1, p.similarity)) } }, fmt.similarity(p.similarity))),
      h("td", { dataset: { label: "Category" } }, p.category ? h("span", { class: "chip" }, p.category) : h("span", { class: "muted" }, "—")),
      h(
        "td",
        { class: "nowrap closes", dataset: { label: "Closes A / B" } },
        h("div", {}, h("time", { datetime: fmt.isoOrNull(p.a.closeTime), title: fmt.relative(p.a.closeTime, now) }, closeA)),
        h("div", {}, h("time", { datetime: fmt.isoOrNull(p.b.closeTime), title: fmt.relative(p.b.closeTime, now) }, closeB)),
      ),
      h(
        "td",
        { class: `num strong ${diff === null ? "" : diff > 0 ? "up" : diff < 0 ? "down" : ""}`, dataset: { label: "YES Δ (B−A)" }, title: p.yesAskDiff === null && p.yesMidDiff !== null ? "difference of mid prices (no ask on one side)" : "difference of YES best asks" },
        fmt.signedCents(diff),
      ),
      h("td", { class: "num nowrap", dataset: { label: "Liquidity A / B" } }, h("div", {}, fmt.dollarsCompact(p.a.liquidity)), h("div", {}, fmt.dollarsCompact(p.b.liquidity))),
    );
  });
  replaceChildren(tbody, trs);
}

/** Every distinct category among the pairs. */
export function pairCategories(pairs) {
  const out = new Set();
  for (const p of pairs) if (p.category) out.add(p.category);
  return out;
}
