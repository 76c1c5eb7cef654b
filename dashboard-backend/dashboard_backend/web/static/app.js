// Entry point: holds the page state, wires the filters, tabs, tables, drawer, status bar and the
// live stream together. The URL query string is the source of truth for filters, view, sort and
// the open drawer, so every view can be shared and the back button works.

import { ApiUnreachable, readCrossOpportunities, readHealth, readOpportunities } from "./api.js";
import { loadMarketPanel, opportunityDetails, pairDetails } from "./details.js";
import { flattenPairs, pairCategories, renderPairRows, selectPairs } from "./discovery.js";
import { Drawer } from "./drawer.js";
import { FilterForm } from "./filters.js";
import * as fmt from "./format.js";
import { OpportunityStore, renderOpportunityRows, selectOpportunities } from "./opportunities.js";
import { defaultState, effectiveSort, parseQuery, toQuery, VIEWS } from "./state.js";
import { renderBanner, renderStatus, renderStreamStatus } from "./status.js";
import { LiveStream } from "./stream.js";
import { discoveryEmpty, opportunitiesEmpty, renderEmpty, renderSortHeaders, renderSummary, showing } from "./tables.js";

const HEALTH_EVERY_MS = 30000; // status bar refresh while all is well
const RETRY_EVERY_MS = 5000; // health probe while the API is unreachable
const FALLBACK_REFRESH_MS = 180000; // data refresh while the stream is down
const STREAM_BANNER_DELAY_MS = 2500; // a reconnect shorter than this is not worth a banner
const TYPING_BURST_MS = 1500; // keystrokes closer than this share one history entry
const PAGE_ROWS = 150; // rows drawn at first (and added by "Show more"): the DOM stays light

class App {
  constructor() {
    this.state = parseQuery(window.location.search);
    this.pageId = `${Date.now()}-${Math.random()}`; // marks the history entries this document pushed
    this.ops = new OpportunityStore();
    this.opsError = null;
    this.pairs = [];
    this.pairsLoaded = false;
    this.pairsError = null;
    this.pairsToken = 0;
    this.health = null;
    this.apiDown = false;
    this.streamDown = false;
    this.categories = new Set();
    this.lastTypingCommit = 0;
    this.openerKey = null;
    this.timers = {};
    this.shown = { discovery: PAGE_ROWS, opportunities: PAGE_ROWS };
    // Tables are rebuilt only when what they show changed (a status refresh leaves them alone).
    this.versions = { pairs: 0, ops: 0, clock: 0 };
    this.drawn = { discovery: null, opportunities: null };
    this.filters = new FilterForm(document.getElementById("filters"), {
      onChange: (patch, { typing }) => this.setFilter(patch, { typing }),
      onClear: () => this.clearFilters(),
    });
    this.drawer = new Drawer({ onClose: () => this.closeDetail() });
    this.stream = new LiveStream("/v1/stream", {
      onEvent: (type, data) => this.onStreamEvent(type, data),
      onStatus: (status) => this.onStreamStatus(status),
      onOpen: (reopened) => this.onStreamOpen(reopened),
    });
  }

  start() {
    this.bindControls();
    this.filters.show(this.state, this.categories);
    this.render();
    this.refreshHealth();
    // A shared link may name a drawer: open it once the rows it refers to have loaded.
    Promise.allSettled([this.refreshOps(), this.refreshPairs()]).then(() => this.showDetail());
    this.stream.start();
    setInterval(() => {
      this.versions.clock++; // keeps "x min ago" texts current
      this.render();
    }, 30000);
    setInterval(() => {
      if (!this.stream.live) {
        this.refreshOps();
        this.refreshPairs();
      }
    }, FALLBACK_REFRESH_MS);
  }

  // ----- URL state -------------------------------------------------------------------------

  /** Write the state to the URL: a new history entry, or replace the current one. */
  commit({ replace = false, drawer = false } = {}) {
    const url = `${window.location.pathname}${toQuery(this.state)}`;
    if (url === `${window.location.pathname}${window.location.search}`) return;
    if (replace) window.history.replaceState(window.history.state, "", url);
    else window.history.pushState({ drawer: drawer ? this.pageId : null }, "", url);
  }

  onPopState() {
    const before = this.state;
    this.state = parseQuery(window.location.search);
    const filterKeys = ["q", "category", "minSim", "relation", "minEdge", "kind"];
    if (filterKeys.some((k) => before[k] !== this.state[k])) this.shown = { discovery: PAGE_ROWS, opportunities: PAGE_ROWS };
    this.filters.show(this.state, this.categories);
    this.render();
    if (before.category !== this.state.category || before.minSim !== this.state.minSim) this.refreshPairs();
    if (JSON.stringify(before.detail) !== JSON.stringify(this.state.detail)) this.showDetail();
  }

  // ----- controls --------------------------------------------------------------------------

  bindControls() {
    window.addEventListener("popstate", () => this.onPopState());
    this.filters.bind();
    for (const view of VIEWS) {
      document.getElementById(`more-${view}`).addEventListener("click", () => {
        this.shown[view] += PAGE_ROWS;
        this.render();
      });
    }
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", (ev) => {
        if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return; // let new-tab clicks through
        ev.preventDefault();
        this.setView(tab.dataset.view);
      });
    }
    for (const button of document.querySelectorAll("button.sort")) {
      button.addEventListener("click", () => this.setSort(button.dataset.sort));
    }
  }

  debounce(name, ms, fn) {
    clearTimeout(this.timers[name]);
    this.timers[name] = setTimeout(fn, ms);
  }

  setFilter(patch, { typing = false } = {}) {
    const before = this.state;
    this.state = { ...this.state, ...patch };
    this.shown = { discovery: PAGE_ROWS, opportunities: PAGE_ROWS };
    const now = Date.now();
    // A burst of typing makes one history entry, not one per keystroke.
    this.commit({ replace: typing && now - this.lastTypingCommit < TYPING_BURST_MS });
    this.lastTypingCommit = typing ? now : 0;
    this.render();
    if (before.category !== this.state.category || before.minSim !== this.state.minSim) this.refreshPairs();
  }

  clearFilters() {
    const d = defaultState();
    this.state = { ...this.state, q: d.q, category: d.category, minSim: d.minSim, relation: d.relation, minEdge: d.minEdge, kind: d.kind };
    this.shown = { discovery: PAGE_ROWS, opportunities: PAGE_ROWS };
    this.filters.show(this.state, this.categories);
    this.commit();
    this.render();
    this.refreshPairs();
  }

  setView(view) {
    if (!VIEWS.includes(view) || view === this.state.view) return;
    this.state = { ...this.state, view, sort: null, dir: "desc" };
    this.commit();
    this.render();
  }

  setSort(key) {
    const [current, dir] = effectiveSort(this.state);
    const nextDir = key === current && dir === "desc" ? "asc" : "desc";
    this.state = { ...this.state, sort: key, dir: nextDir };
    this.commit();
    this.render();
  }

  // ----- data ------------------------------------------------------------------------------

  async refreshHealth() {
    clearTimeout(this.timers.health);
    try {
      this.health = await readHealth();
      this.setApiDown(false);
    } catch (err) {
      if (err instanceof ApiUnreachable) this.setApiDown(true);
      else this.health = { ok: false, error: err.message };
    }
    this.timers.health = setTimeout(() => this.refreshHealth(), this.apiDown ? RETRY_EVERY_MS : HEALTH_EVERY_MS);
    this.render();
  }

  setApiDown(down) {
    const recovered = this.apiDown && !down;
    this.apiDown = down;
    if (recovered) {
      this.stream.reconnectNow();
      this.refreshOps();
      this.refreshPairs();
    }
  }

  async refreshOps() {
    const startedAt = performance.now();
    try {
      const list = await readOpportunities();
      this.ops.applySnapshot(Array.isArray(list) ? list : [], startedAt);
      this.versions.ops++;
      this.opsError = null;
      for (const c of this.ops.categories()) this.categories.add(c);
    } catch (err) {
      this.opsError = err;
      if (err instanceof ApiUnreachable) this.onApiUnreachable();
    }
    this.render();
  }

  async refreshPairs() {
    const token = ++this.pairsToken;
    try {
      const groups = await readCrossOpportunities({ category: this.state.category, minSim: this.state.minSim });
      if (token !== this.pairsToken) return; // a newer request (filters changed) wins
      this.pairs = flattenPairs(groups);
      this.versions.pairs++;
      this.pairsLoaded = true;
      this.pairsError = null;
      for (const c of pairCategories(this.pairs)) this.categories.add(c);
    } catch (err) {
      if (token !== this.pairsToken) return;
      this.pairsError = err;
      if (err instanceof ApiUnreachable) this.onApiUnreachable();
    }
    this.render();
  }

  onApiUnreachable() {
    if (this.apiDown) return;
    this.apiDown = true;
    this.refreshHealth(); // confirms, and starts the fast retry loop
  }

  // ----- stream ----------------------------------------------------------------------------

  onStreamEvent(type, data) {
    if (type === "opportunity") {
      if (this.ops.applyEvent(data)) {
        this.versions.ops++;
        for (const c of this.ops.categories()) this.categories.add(c);
        this.debounce("render", 50, () => this.render());
      }
    } else if (type === "match") {
      this.debounce("pairs", 1000, () => this.refreshPairs());
      this.debounce("health", 1000, () => this.refreshHealth());
    } else if (type === "poll") {
      this.debounce("health", 500, () => this.refreshHealth());
    } else if (type === "reset") {
      // Events missed while disconnected are no longer in the history: reload what they changed.
      this.debounce("ops", 100, () => this.refreshOps());
    }
  }

  onStreamStatus(status) {
    renderStreamStatus(status);
    if (status === "live") {
      clearTimeout(this.timers.streamBanner);
      this.timers.streamBanner = null;
      this.streamDown = false;
      this.renderBanner();
      return;
    }
    if (status === "reconnecting") {
      this.refreshHealth(); // a dropped stream often means the API itself went away
      if (!this.timers.streamBanner) {
        this.timers.streamBanner = setTimeout(() => {
          this.timers.streamBanner = null;
          if (!this.stream.live) {
            this.streamDown = true;
            this.renderBanner();
          }
        }, STREAM_BANNER_DELAY_MS);
      }
    }
  }

  onStreamOpen(reopened) {
    // Events may have been missed before (or while not) connected: resync from the API.
    this.refreshOps();
    if (reopened) {
      this.refreshPairs();
      this.refreshHealth();
    }
  }

  // ----- drawer ----------------------------------------------------------------------------

  openPair(pair, row) {
    this.openerKey = { view: "discovery", key: pair.key };
    this.state = { ...this.state, detail: { type: "pair", ids: [pair.a.id, pair.b.id] } };
    this.commit({ drawer: true });
    this.showDetail(row);
  }

  openOpportunity(op, row) {
    this.openerKey = { view: "opportunities", key: op.id };
    this.state = { ...this.state, detail: { type: "op", ids: [op.id] } };
    this.commit({ drawer: true });
    this.showDetail(row);
  }

  /** Open or close the drawer to match `state.detail`. */
  showDetail(opener = null) {
    const detail = this.state.detail;
    if (!detail) {
      const wasOpen = this.drawer.isOpen;
      if (!this.drawer.close() && wasOpen) this.restoreFocus();
      this.openerKey = null;
      return;
    }
    if (detail.type === "pair") {
      const pair = this.pairs.find((p) => (p.a.id === detail.ids[0] && p.b.id === detail.ids[1]) || (p.a.id === detail.ids[1] && p.b.id === detail.ids[0]));
      const ids = pair ? [pair.a.id, pair.b.id] : detail.ids;
      this.drawer.open("Compare markets", () => pairDetails(ids, pair ?? null), { opener, wide: true });
    } else if (detail.type === "op") {
      const op = this.ops.byId.get(detail.ids[0]);
      this.drawer.open(op ? op.title : "Opportunity", () => opportunityDetails(op ?? null), { opener, wide: (op?.marketIds?.length ?? 0) > 1 });
    } else {
      this.drawer.open("Market", () => loadMarketPanel(detail.ids[0]), { opener });
    }
  }

  closeDetail() {
    if (!this.state.detail) return this.drawer.close();
    // Opened here (not by a shared link or before a reload): going back restores the URL it
    // had before, in this same document.
    if (window.history.state && window.history.state.drawer === this.pageId) {
      window.history.back(); // popstate closes the drawer
      return;
    }
    this.state = { ...this.state, detail: null };
    this.commit({ replace: true });
    this.showDetail();
  }

  /** Rows are rebuilt on updates: the opener row was replaced, so focus its successor. */
  restoreFocus() {
    const key = this.openerKey;
    const selector = !key ? null : key.view === "discovery" ? `tr[data-key="${CSS.escape(key.key)}"]` : `tr[data-id="${CSS.escape(key.key)}"]`;
    // Fall back to the results region if the row is gone (or the drawer came from a shared link).
    ((selector && document.querySelector(`#view-${key.view} ${selector}`)) || document.getElementById("main")).focus();
  }

  // ----- rendering -------------------------------------------------------------------------

  render() {
    this.filters.showCategories(this.categories, this.state.category);
    this.renderTabs();
    this.renderDiscovery();
    this.renderOpportunities();
    renderStatus(this.apiDown ? null : this.health);
    this.renderBanner();
    document.body.dataset.view = this.state.view;
  }

  renderBanner() {
    renderBanner({
      apiDown: this.apiDown,
      redisError: !this.apiDown && this.health && this.health.redis === false ? this.health.error ?? "Redis is unavailable." : null,
      health: !this.apiDown && this.health && Array.isArray(this.health.problems) ? this.health.problems : [],
      streamDown: this.streamDown,
      retrySec: RETRY_EVERY_MS / 1000,
    });
  }

  renderTabs() {
    for (const view of VIEWS) {
      const tab = document.getElementById(`tab-${view}`);
      const active = view === this.state.view;
      if (active) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
      tab.setAttribute("href", toQuery({ ...this.state, view, sort: null, detail: null }) || "?");
      document.getElementById(`view-${view}`).hidden = !active;
    }
    this.filters.showFor(this.state.view);
  }

  /** Focus survives a re-render: remember the focused row's key and focus its replacement. */
  withFocusKept(tbody, attr, renderFn) {
    const active = document.activeElement;
    const key = active && tbody.contains(active) && active.matches("tr") ? active.getAttribute(attr) : null;
    renderFn();
    if (key !== null) {
      const row = tbody.querySelector(`tr[${attr}="${CSS.escape(key)}"]`);
      if (row) {
        row.focus({ preventScroll: true });
        this.drawer.retarget(row);
      }
    }
  }

  filtersActive() {
    return Boolean(this.state.q || this.state.category || this.state.minSim !== null || (this.state.view === "discovery" && this.state.relation) || (this.state.view === "opportunities" && (this.state.minEdge !== null || this.state.kind)));
  }

  renderDiscovery() {
    const table = document.getElementById("table-discovery");
    const tbody = table.querySelector("tbody");
    const sort = effectiveSort({ ...this.state, view: "discovery" });
    const rows = selectPairs(this.pairs, this.state, sort);
    document.getElementById("count-discovery").textContent = this.pairsLoaded ? fmt.count(rows.length) : "";
    if (this.state.view !== "discovery") return; // hidden: only the tab count is kept current
    renderSortHeaders(table, sort);
    const visible = rows.slice(0, this.shown.discovery);
    const drawn = JSON.stringify([this.versions.pairs, this.state.q, this.state.category, this.state.minSim, this.state.relation, sort, visible.length]);
    if (drawn !== this.drawn.discovery) {
      this.drawn.discovery = drawn;
      this.withFocusKept(tbody, "data-key", () => renderPairRows(tbody, visible, (pair, row) => this.openPair(pair, row)));
    }
    const filtered = rows.length !== this.pairs.length ? ` (of ${fmt.count(this.pairs.length)} loaded)` : "";
    const summary = this.pairsLoaded ? `${fmt.count(rows.length)} pair${rows.length === 1 ? "" : "s"}${filtered}${showing(visible.length, rows.length)}` : "";
    renderSummary("discovery", summary, visible.length, rows.length, PAGE_ROWS);
    const ctx = { loaded: this.pairsLoaded, error: this.pairsError, anyRows: this.pairs.length > 0 };
    renderEmpty("discovery", table, rows.length, discoveryEmpty({ ...ctx, ...this.emptyContext() }), () => this.clearFilters());
  }

  emptyContext() {
    return { apiDown: this.apiDown, health: this.health, filtersActive: this.filtersActive() };
  }

  renderOpportunities() {
    const table = document.getElementById("table-opportunities");
    const tbody = table.querySelector("tbody");
    const sort = effectiveSort({ ...this.state, view: "opportunities" });
    const rows = selectOpportunities(this.ops.byId.values(), this.state, sort);
    document.getElementById("count-opportunities").textContent = this.ops.loaded ? fmt.count(rows.length) : "";
    if (this.state.view !== "opportunities") {
      this.ops.flash.clear(); // a highlight is only worth showing as it happens
      return;
    }
    renderSortHeaders(table, sort);
    const visible = rows.slice(0, this.shown.opportunities);
    const drawn = JSON.stringify([this.versions.ops, this.versions.clock, this.state.q, this.state.category, this.state.minEdge, this.state.kind, sort, visible.length]);
    if (drawn !== this.drawn.opportunities) {
      this.drawn.opportunities = drawn;
      this.withFocusKept(tbody, "data-id", () => renderOpportunityRows(tbody, visible, this.ops, (op, row) => this.openOpportunity(op, row)));
    }
    const total = this.ops.byId.size;
    const profit = rows.reduce((s, o) => s + (Number.isFinite(o.expectedProfit) ? o.expectedProfit : 0), 0);
    const summary = this.ops.loaded
      ? `${fmt.count(rows.length)} opportunit${rows.length === 1 ? "y" : "ies"}${rows.length !== total ? ` (of ${fmt.count(total)})` : ""} · ${fmt.dollars(profit)} expected profit in total${showing(visible.length, rows.length)}`
      : "";
    renderSummary("opportunities", summary, visible.length, rows.length, PAGE_ROWS);
    const ctx = { loaded: this.ops.loaded, error: this.opsError, anyRows: this.ops.byId.size > 0 };
    renderEmpty("opportunities", table, rows.length, opportunitiesEmpty({ ...ctx, ...this.emptyContext() }), () => this.clearFilters());
  }
}

new App().start();
