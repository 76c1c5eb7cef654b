// The opportunities view: a live store of current opportunities (snapshot + stream events) and
// the table that shows them.

import { externalLink, h, replaceChildren, rowActivation, venueBadge } from "./dom.js";
import * as fmt from "./format.js";
import { matchesSearch, searchWords } from "./state.js";
import { annualized, isCross, venueBadges, venuesOf } from "./ticket.js";

// Links inside a row are for the mouse; keyboard users get one stop per row (Enter opens the
// drawer, which has the same links).
const ROW_LINK = { class: "out", tabindex: "-1" };

/** Current opportunities by id, kept in step with `opportunity` stream events. */
export class OpportunityStore {
  constructor() {
    this.byId = new Map();
    this.touchedAt = new Map(); // id -> performance.now() of the last stream event about it
    this.flash = new Map(); // id -> "appeared" | "changed", for a short highlight
    this.loaded = false;
  }

  /**
   * Replace the contents with a snapshot fetched since `startedAt` (performance.now()). Rows a
   * stream event touched after the fetch started keep the event's (newer) state.
   */
  applySnapshot(list, startedAt) {
    const next = new Map();
    for (const op of list) if (op && typeof op.id === "string") next.set(op.id, op);
    for (const [id, at] of this.touchedAt) {
      if (at < startedAt) continue;
      if (this.byId.has(id)) next.set(id, this.byId.get(id));
      else next.delete(id);
    }
    this.byId = next;
    this.loaded = true;
  }

  /** Apply one `opportunity` event; returns true when the store changed. */
  applyEvent(msg) {
    if (!msg || typeof msg.id !== "string") return false;
    this.touchedAt.set(msg.id, performance.now());
    if (msg.action === "disappeared") {
      this.flash.delete(msg.id);
      return this.byId.delete(msg.id);
    }
    if ((msg.action === "appeared" || msg.action === "changed") && msg.opportunity) {
      this.flash.set(msg.id, this.byId.has(msg.id) ? "changed" : "appeared");
      this.byId.set(msg.id, msg.opportunity);
      return true;
    }
    return false;
  }

  /** Every distinct category. */
  categories() {
    const out = new Set();
    for (const op of this.byId.values()) if (op.category) out.add(op.category);
    return out;
  }
}

const SORT_VALUE = {
  expectedProfit: (o) => o.expectedProfit,
  edge: (o) => o.edge,
  size: (o) => o.size,
  cost: (o) => o.cost,
};

/** Rows passing the filters, sorted (ties broken by id so the order is stable). */
export function selectOpportunities(ops, state, [sortKey, dir]) {
  const words = searchWords(state.q);
  const category = state.category.toLowerCase();
  const minEdge = state.minEdge === null ? null : state.minEdge / 100; // the input is in cents
  const rows = [];
  for (const o of ops) {
    if (category && (o.category ?? "").toLowerCase() !== category) continue;
    if (state.kind && o.kind !== state.kind) continue;
    if (minEdge !== null && !(o.edge >= minEdge - 1e-12)) continue;
    if (!matchesSearch(words, o.title)) continue;
    rows.push(o);
  }
  const value = SORT_VALUE[sortKey] ?? SORT_VALUE.expectedProfit;
  const sign = dir === "asc" ? 1 : -1;
  rows.sort((a, b) => sign * ((value(a) ?? 0) - (value(b) ?? 0)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return rows;
}

/** Render the rows into the table body; `onOpen(op, row)` opens the drawer. */
export function renderOpportunityRows(tbody, rows, store, onOpen) {
  const now = Date.now();
  const trs = rows.map((o) => {
    const flash = store.flash.get(o.id);
    const open = (ev) => onOpen(o, ev.currentTarget);
    const legs = Array.isArray(o.marketIds) ? o.marketIds.length : 1;
    return h(
      "tr",
      {
        class: `row${flash ? ` flash-${flash}` : ""}`,
        tabindex: "0",
        dataset: { id: o.id },
        "aria-label": `${o.title} — ${fmt.kindLabel(o.kind)}, expected profit ${fmt.dollars(o.expectedProfit)}`,
        on: rowActivation(open),
      },
      h(
        "td",
        { class: "q", dataset: { label: "Market" } },
        h("div", { class: "question" }, o.title),
        h(
          "div",
          { class: "sub" },
          isCross(o) ? venueBadges(o) : venueBadge(o.venue),
          o.category ? h("span", { class: "chip" }, o.category) : null,
          legs > 1 ? h("span", { class: "chip" }, `${legs} markets`) : null,
          annualized(o) ? h("span", { class: "chip annualized", title: "annualised return on cost + fees" }, annualized(o)) : null,
        ),
      ),
      h("td", { class: "kind-cell", dataset: { label: "Kind" } }, h("span", { class: `kind kind-${o.kind}` }, fmt.kindLabel(o.kind))),
      h("td", { class: "num strong edge", dataset: { label: "Edge" } }, fmt.cents(o.edge)),
      h("td", { class: "num", dataset: { label: "Size" } }, fmt.shares(o.size)),
      h("td", { class: "num", dataset: { label: "Cost" } }, fmt.dollars(o.cost)),
      h("td", { class: "num strong profit", dataset: { label: "Profit" } }, fmt.dollars(o.expectedProfit)),
      h("td", { class: "muted nowrap", dataset: { label: "Seen" } }, h("time", { datetime: fmt.isoOrNull(o.detectedAt), title: fmt.dateTime(o.detectedAt) }, fmt.relative(o.detectedAt, now))),
      h("td", { class: "nowrap link-cell" }, externalLink(o.url, fmt.venueLabel(venuesOf(o)[0]), ROW_LINK)),
    );
  });
  replaceChildren(tbody, trs);
  // The highlight plays once; later renders show the row plainly.
  store.flash.clear();
}
