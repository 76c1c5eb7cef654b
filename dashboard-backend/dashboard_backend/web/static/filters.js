// The filter form: reads user input into state patches and shows a state's filters. The URL is
// the source of truth; this form only mirrors it.

import { h, replaceChildren } from "./dom.js";

const TYPING_MS = { q: 200, minSim: 350, minEdge: 350 }; // wait for a pause before filtering

export class FilterForm {
  /**
   * @param {HTMLFormElement} form
   * @param {{onChange: (patch: object, opts: {typing: boolean}) => void, onClear: () => void}} handlers
   */
  constructor(form, handlers) {
    this.form = form;
    this.handlers = handlers;
    this.timers = {};
  }

  field(name) {
    return this.form.elements.namedItem(name);
  }

  bind() {
    this.form.addEventListener("submit", (ev) => ev.preventDefault());
    for (const name of Object.keys(TYPING_MS)) {
      const input = this.field(name);
      input.addEventListener("input", () => {
        clearTimeout(this.timers[name]);
        this.timers[name] = setTimeout(() => this.handlers.onChange({ [name]: this.read(name) }, { typing: true }), TYPING_MS[name]);
      });
    }
    for (const name of ["category", "relation", "kind"]) {
      const select = this.field(name);
      select.addEventListener("change", () => this.handlers.onChange({ [name]: select.value }, { typing: false }));
    }
    document.getElementById("f-clear").addEventListener("click", () => this.handlers.onClear());
    // "/" jumps to the search box, as on many sites; not while typing or in the drawer.
    document.addEventListener("keydown", (ev) => {
      const typing = ev.target instanceof HTMLElement && ev.target.closest("input, select, textarea, [role=dialog]");
      if (ev.key === "/" && !typing) {
        ev.preventDefault();
        this.field("q").focus();
      }
    });
  }

  /** The typed value of an input: trimmed text, or a number (null when blank or invalid). */
  read(name) {
    const raw = this.field(name).value.trim();
    if (name === "q") return raw;
    return raw === "" || !Number.isFinite(Number(raw)) ? null : Number(raw);
  }

  /** Show a state's filters (on load and after back/forward). */
  show(state, categories) {
    this.field("q").value = state.q;
    this.field("minSim").value = state.minSim ?? "";
    this.field("minEdge").value = state.minEdge ?? "";
    this.field("kind").value = state.kind;
    this.field("relation").value = state.relation;
    this.showCategories(categories, state.category);
    this.field("category").value = state.category;
  }

  /** Offer every known category (plus the selected one, even if no row has it now). */
  showCategories(categories, selected) {
    const select = this.field("category");
    const names = new Set(categories);
    if (selected) names.add(selected);
    const sorted = [...names].sort((a, b) => a.localeCompare(b));
    const existing = [...select.options].slice(1).map((o) => o.value);
    if (existing.join("\u0000") === sorted.join("\u0000")) return;
    const value = select.value;
    replaceChildren(select, h("option", { value: "" }, "All categories"), sorted.map((c) => h("option", { value: c }, c)));
    select.value = names.has(value) ? value : selected;
  }

  /** Only the filters that apply to the view are shown. */
  showFor(view) {
    for (const label of this.form.querySelectorAll("[data-for]")) label.hidden = label.dataset.for !== view;
  }
}
