// Contents of the detail drawer: market panels (outcomes, books, description, opportunities),
// a pair header, and an opportunity summary. Everything is built from text nodes.

import { ApiHttpError, ApiUnreachable, readMarket } from "./api.js";
import { relationChip } from "./discovery.js";
import { externalLink, h, venueBadge } from "./dom.js";
import * as fmt from "./format.js";
import { crossDetails, isCross } from "./ticket.js";

const BOOK_DEPTH = 5;

function stat(label, value, attrs = {}) {
  return h("div", { class: "stat", ...attrs }, h("dt", {}, label), h("dd", {}, value));
}

function outcomesTable(market) {
  const outcomes = Array.isArray(market.outcomes) ? market.outcomes : [];
  return h(
    "table",
    { class: "mini outcomes" },
    h("caption", {}, "Outcomes"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Outcome"), h("th", { scope: "col", class: "num" }, "Price"), h("th", { scope: "col", class: "num" }, "Best bid"), h("th", { scope: "col", class: "num" }, "Best ask"))),
    h(
      "tbody",
      {},
      outcomes.map((o) => h("tr", {}, h("th", { scope: "row" }, o.name), h("td", { class: "num" }, fmt.cents(o.price)), h("td", { class: "num bid" }, fmt.cents(o.bestBid)), h("td", { class: "num ask" }, fmt.cents(o.bestAsk)))),
    ),
  );
}

function bookTable(outcomeName, book) {
  const bids = (book && Array.isArray(book.bids) ? book.bids : []).slice(0, BOOK_DEPTH);
  const asks = (book && Array.isArray(book.asks) ? book.asks : []).slice(0, BOOK_DEPTH);
  const depth = Math.max(bids.length, asks.length);
  if (depth === 0) return h("p", { class: "muted book-empty" }, `${outcomeName}: no book stored yet.`);
  const rows = [];
  for (let i = 0; i < depth; i++) {
    const b = bids[i];
    const a = asks[i];
    rows.push(
      h(
        "tr",
        {},
        h("td", { class: "num muted" }, b ? fmt.shares(b.size) : ""),
        h("td", { class: "num bid" }, b ? fmt.cents(b.price) : ""),
        h("td", { class: "num ask" }, a ? fmt.cents(a.price) : ""),
        h("td", { class: "num muted" }, a ? fmt.shares(a.size) : ""),
      ),
    );
  }
  return h(
    "table",
    { class: "mini book" },
    h("caption", {}, `${outcomeName} book (top ${BOOK_DEPTH})`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "num" }, "Size"), h("th", { scope: "col", class: "num" }, "Bid"), h("th", { scope: "col", class: "num" }, "Ask"), h("th", { scope: "col", class: "num" }, "Size"))),
    h("tbody", {}, rows),
  );
}

function opportunityList(ops) {
  if (!Array.isArray(ops) || ops.length === 0) return h("p", { class: "muted" }, "No current opportunity on this market.");
  return h(
    "ul",
    { class: "oplist" },
    ops.map((o) => h("li", {}, h("span", { class: `kind kind-${o.kind}` }, fmt.kindLabel(o.kind)), ` edge ${fmt.cents(o.edge)} × ${fmt.shares(o.size)} shares → `, h("strong", {}, fmt.dollars(o.expectedProfit)))),
  );
}

/** A panel for one market document as returned by /v1/market/{id}. */
export function marketPanel(data, label = null) {
  const m = data.market;
  const outcomes = Array.isArray(m.outcomes) ? m.outcomes : [];
  const books = data.books && typeof data.books === "object" ? data.books : {};
  return h(
    "section",
    { class: "market", "aria-label": label ? `${label}: ${m.question}` : m.question, dataset: { marketId: m.id } },
    label ? h("p", { class: "eyebrow" }, label) : null,
    h("h3", { class: "market-q" }, m.question),
    m.eventTitle && m.eventTitle !== m.question ? h("p", { class: "muted event" }, `Event: ${m.eventTitle}`) : null,
    h("p", { class: "links" }, venueBadge(m.venue), " ", externalLink(m.url, `Open on ${fmt.venueLabel(m.venue)}`, { class: "button small" })),
    h(
      "dl",
      { class: "stats" },
      stat("Closes", h("time", { datetime: fmt.isoOrNull(m.closeTime) }, `${fmt.dateTime(m.closeTime)} (${fmt.relative(m.closeTime)})`)),
      stat("Category", m.category ?? "—"),
      stat("Liquidity", fmt.dollars(m.liquidity)),
      stat("Volume", fmt.dollarsCompact(m.volume)),
      m.negRisk
        ? stat(
            "Type",
            m.venue && m.venue !== "polymarket"
              ? "Mutually exclusive event (one winner)"
              : "negRisk (one winner per event)",
          )
        : null,
      stat("Updated", m.updatedAt ? fmt.relative(m.updatedAt) : "—"),
    ),
    outcomesTable(m),
    h("div", { class: "books" }, outcomes.map((o) => bookTable(o.name, books[o.tokenId]))),
    h("h4", {}, "Current opportunities"),
    opportunityList(data.opportunities),
    m.description ? h("details", { class: "description" }, h("summary", {}, "Description and resolution rules"), h("p", { class: "prewrap" }, m.description)) : null,
  );
}

/** Fetch a market and render its panel; a failure renders as a message in its place. */
export async function loadMarketPanel(id, label = null) {
  try {
    return marketPanel(await readMarket(id), label);
  } catch (err) {
    let text = `Could not load market ${id}: ${err.message}`;
    if (err instanceof ApiHttpError && err.status === 404) text = `Market ${id} is no longer in the catalog.`;
    if (err instanceof ApiUnreachable) text = `Could not load market ${id}: the API is unreachable.`;
    return h("section", { class: "market", dataset: { marketId: id } }, label ? h("p", { class: "eyebrow" }, label) : null, h("p", { class: "error", role: "alert" }, text));
  }
}

/** Which outcome of A goes with which outcome of B, in the words of the pair's relation. */
function outcomeMapTable(pair) {
  if (pair.outcomeMap.length === 0) {
    const none = pair.relation === null ? "This pair was judged before relations existed." : "No outcome of one market decides an outcome of the other.";
    return h("p", { class: "muted outcome-map-none" }, none);
  }
  const words = fmt.linkWords(pair.relation);
  return h(
    "table",
    { class: "mini outcome-map" },
    h("caption", {}, "Aligned outcomes"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Market A outcome"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Link")), h("th", { scope: "col" }, "Market B outcome"))),
    h("tbody", {}, pair.outcomeMap.map((l) => h("tr", {}, h("td", { title: l.aToken }, l.aOutcome || l.aToken), h("td", { class: "muted link-words" }, words), h("td", { title: l.bToken }, l.bOutcome || l.bToken)))),
  );
}

/** The relation section of a pair drawer: verdict, confidence, aligned outcomes and why. */
function relationSection(pair) {
  return h(
    "section",
    { class: "relation-detail", "aria-label": "Relation" },
    h(
      "dl",
      { class: "stats pair-stats" },
      stat("Relation", relationChip(pair)),
      stat("Confidence", pair.confidence === null ? "—" : `${Math.round(pair.confidence * 100)}%`),
      stat("Similarity", fmt.similarity(pair.similarity)),
      stat("YES Δ (B−A)", fmt.signedCents(pair.yesAskDiff ?? pair.yesMidDiff)),
      stat("Mid Δ", fmt.signedCents(pair.yesMidDiff)),
      stat("Category", pair.category ?? "—"),
    ),
    outcomeMapTable(pair),
    pair.reasons.length ? h("div", { class: "reasons" }, h("h4", {}, "Why"), h("ul", {}, pair.reasons.map((r) => h("li", {}, r)))) : null,
  );
}

/** The drawer content for a pair: its relation, then both markets side by side. */
export async function pairDetails(ids, pair) {
  const panels = await Promise.all([loadMarketPanel(ids[0], "Market A"), loadMarketPanel(ids[1], "Market B")]);
  return [pair ? relationSection(pair) : null, h("div", { class: "side-by-side" }, panels)];
}

/** The drawer content for an opportunity: its terms and legs, then its market(s). */
export async function opportunityDetails(op) {
  if (!op) return h("p", { class: "muted" }, "This opportunity is no longer current.");
  const ids = Array.isArray(op.marketIds) ? op.marketIds : [];
  const panels = await Promise.all(ids.slice(0, 12).map((id) => loadMarketPanel(id)));
  if (isCross(op)) return crossDetails(op, panels);
  const legs = Array.isArray(op.legs) ? op.legs : [];
  // On a multi-market opportunity every leg is "Yes": name each by its market instead.
  const questions = new Map(panels.map((p) => [p.dataset.marketId, p.querySelector(".market-q")?.textContent ?? ""]));
  const multi = ids.length > 1;
  const legName = (l) => {
    if (!multi) return l.outcome;
    const market = questions.get(l.marketId) || l.marketId;
    return String(l.outcome).toLowerCase() === "yes" ? market : `${market} (${l.outcome})`;
  };
  return [
    h("p", { class: "links" }, venueBadge(op.venue), " ", externalLink(op.url, `Open on ${fmt.venueLabel(op.venue)}`, { class: "button small" })),
    h(
      "dl",
      { class: "stats" },
      stat("Kind", fmt.kindLabel(op.kind)),
      stat("Edge (top of book)", fmt.cents(op.edge)),
      stat("Average edge", fmt.cents(op.avgEdge)),
      stat("Executable size", `${fmt.shares(op.size)} shares`),
      stat("Cost", fmt.dollars(op.cost)),
      stat("Fees", fmt.dollars(op.fees)),
      stat("Expected profit", fmt.dollars(op.expectedProfit), { class: "stat profit" }),
      stat("Detected", fmt.dateTime(op.detectedAt)),
    ),
    h(
      "table",
      { class: "mini legs" },
      h("caption", {}, "Legs"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, multi ? "Market (buying Yes)" : "Outcome"), h("th", { scope: "col" }, "Side"), h("th", { scope: "col", class: "num" }, "Best"), h("th", { scope: "col", class: "num" }, "Average"), h("th", { scope: "col", class: "num" }, "Worst"))),
      h("tbody", {}, legs.map((l) => h("tr", {}, h("th", { scope: "row" }, legName(l)), h("td", {}, l.side), h("td", { class: "num" }, fmt.cents(l.bestPrice)), h("td", { class: "num" }, fmt.cents(l.avgPrice)), h("td", { class: "num" }, fmt.cents(l.worstPrice))))),
    ),
    ids.length > 12 ? h("p", { class: "muted" }, `Showing 12 of ${ids.length} markets.`) : null,
    panels.length === 1
      ? panels[0]
      : panels.map((panel, i) => h("details", { class: "market-fold", open: i === 0 }, h("summary", {}, panel.querySelector(".market-q")?.textContent ?? ids[i]), panel)),
  ];
}
