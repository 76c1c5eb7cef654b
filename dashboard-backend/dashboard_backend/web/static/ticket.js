// Cross-market opportunities: what a trader acts on. The legs by venue with links, an execution
// ticket (one order per leg: venue, side, outcome, limit price, size), the return per year and
// the settlement risks in plain words. Everything is built from text nodes.

import { externalLink, h, venueBadge } from "./dom.js";
import * as fmt from "./format.js";

/** Whether an opportunity spans related markets (kind `cross_*`). */
export function isCross(op) {
  return typeof op?.kind === "string" && op.kind.startsWith("cross_");
}

/** Every venue an opportunity trades on, in leg order ("kalshi+polymarket" split, legs first). */
export function venuesOf(op) {
  const out = [];
  for (const leg of Array.isArray(op?.legs) ? op.legs : []) if (leg.venue && !out.includes(leg.venue)) out.push(leg.venue);
  for (const v of String(op?.venue ?? "").split("+")) if (v && !out.includes(v)) out.push(v);
  return out.length ? out : ["polymarket"];
}

/** One badge per venue. */
export function venueBadges(op) {
  return venuesOf(op).map((v) => venueBadge(v));
}

/** "14.2 %/yr"; null when the opportunity states no annualised return. */
export function annualized(op) {
  const r = op?.annualizedReturn;
  return typeof r === "number" && Number.isFinite(r) ? `${(r * 100).toFixed(1)} %/yr` : null;
}

function stat(label, value, attrs = {}) {
  return h("div", { class: "stat", ...attrs }, h("dt", {}, label), h("dd", {}, value));
}

/** Shares on Polymarket, contracts on Kalshi. */
function unitOf(venue) {
  return venue === "kalshi" ? "contracts" : "shares";
}

function ageText(sec) {
  if (typeof sec !== "number" || !Number.isFinite(sec)) return "—";
  return sec < 60 ? `${sec.toFixed(1)} s` : `${(sec / 60).toFixed(1)} min`;
}

/** The terms: relation, payout, size, cost, fees, profit, return per year, resolution, book age. */
export function crossSummary(op) {
  const confidence = typeof op.confidence === "number" ? ` (${Math.round(op.confidence * 100)} % sure)` : "";
  return h(
    "dl",
    { class: "stats cross-stats" },
    stat("Kind", fmt.kindLabel(op.kind)),
    stat("Relation", `${fmt.relationLabel(op.relation)}${confidence}`),
    stat("Pays per set", fmt.dollars(op.guaranteedPayout), { title: "paid in every outcome the relation allows" }),
    stat("Sets", fmt.shares(op.size)),
    stat("Cost", fmt.dollars(op.cost)),
    stat("Fees", fmt.dollars(op.fees)),
    stat("Expected profit", fmt.dollars(op.expectedProfit), { class: "stat profit" }),
    stat("Annualised", annualized(op) ?? "—", { class: "stat annualized" }),
    stat("Capital locked until", op.resolvesBy ? fmt.dateTime(op.resolvesBy) : "—"),
    stat("Oldest book", ageText(op.bookAgeSec)),
  );
}

/** The execution ticket: one order per leg, grouped by venue. */
export function executionTicket(op) {
  const legs = Array.isArray(op.legs) ? [...op.legs] : [];
  const order = venuesOf(op);
  legs.sort((a, b) => order.indexOf(a.venue) - order.indexOf(b.venue));
  return h(
    "table",
    { class: "mini ticket" },
    h("caption", {}, "Execution ticket — one order per leg"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Venue"),
        h("th", { scope: "col" }, "Side"),
        h("th", { scope: "col" }, "Outcome"),
        h("th", { scope: "col", class: "num" }, "Limit price"),
        h("th", { scope: "col", class: "num" }, "Size"),
        h("th", { scope: "col", class: "num" }, "Fee"),
      ),
    ),
    h(
      "tbody",
      {},
      legs.map((leg) =>
        h(
          "tr",
          { dataset: { venue: leg.venue ?? "", tokenId: leg.tokenId ?? "" } },
          h("td", { class: "venue-cell" }, venueBadge(leg.venue), " ", externalLink(leg.url, `Open on ${fmt.venueLabel(leg.venue)}`, { class: "out" })),
          h("td", { class: "side" }, leg.side === "sell" ? "Sell" : "Buy"),
          h("th", { scope: "row", class: "outcome" }, h("span", { class: "leg-outcome" }, leg.outcome), h("span", { class: "muted leg-market" }, leg.question ?? leg.marketId)),
          h("td", { class: "num limit" }, `≤ ${fmt.cents(leg.limitPrice ?? leg.worstPrice)}`),
          h("td", { class: "num size" }, `${fmt.shares(leg.size ?? op.size)} ${unitOf(leg.venue)}`),
          h("td", { class: "num" }, fmt.dollars(leg.fee)),
        ),
      ),
    ),
  );
}

/** Where the two markets' rules differ, in words (shown, never hidden). */
export function settlementRisks(op) {
  const risks = Array.isArray(op.settlementRisks) ? op.settlementRisks : [];
  return h(
    "section",
    { class: "risks", "aria-label": "Settlement risks" },
    h("h4", {}, "Settlement risks"),
    risks.length
      ? h("ul", { class: "risk-list" }, risks.map((r) => h("li", {}, r)))
      : h("p", { class: "muted" }, "No difference found between the markets' rules."),
  );
}

/** The drawer content of a cross opportunity; `panels` are its markets' panels, in order. */
export function crossDetails(op, panels) {
  const links = venuesOf(op).map((venue) => {
    const leg = (op.legs ?? []).find((l) => l.venue === venue && l.url);
    return h("span", { class: "venue-link" }, venueBadge(venue), " ", leg ? externalLink(leg.url, `Open on ${fmt.venueLabel(venue)}`, { class: "button small" }) : null);
  });
  return [
    h("p", { class: "links" }, links),
    crossSummary(op),
    executionTicket(op),
    settlementRisks(op),
    panels.map((panel, i) => h("details", { class: "market-fold", open: i === 0 }, h("summary", {}, panel.querySelector(".market-q")?.textContent ?? ""), panel)),
  ];
}
