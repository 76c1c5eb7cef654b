// The detail drawer: a modal side panel. Focus moves into it when it opens, Tab stays inside,
// Esc closes it, and focus returns to the row that opened it.

import { h, replaceChildren } from "./dom.js";

const FOCUSABLE = 'a[href], button:not([disabled]), input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';

export class Drawer {
  /** @param {{onClose: () => void}} handlers  called when the user closes it (Esc, ×, scrim). */
  constructor(handlers) {
    this.el = document.getElementById("drawer");
    this.scrim = document.getElementById("scrim");
    this.title = document.getElementById("drawer-title");
    this.body = document.getElementById("drawer-body");
    this.handlers = handlers;
    this.opener = null;
    this.token = 0;
    document.getElementById("drawer-close").addEventListener("click", () => this.handlers.onClose());
    this.scrim.addEventListener("click", () => this.handlers.onClose());
    this.el.addEventListener("keydown", (ev) => this.onKeydown(ev));
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && this.isOpen) {
        ev.preventDefault();
        this.handlers.onClose();
      }
    });
  }

  get isOpen() {
    return !this.el.hidden;
  }

  /**
   * Show the drawer with a title and a loading line, then fill it with `render()` (async, returns
   * nodes). Returns a token; a later open() makes earlier renders stale so they are dropped.
   */
  async open(title, render, { opener = null, wide = false } = {}) {
    const token = ++this.token;
    if (!this.isOpen) this.opener = opener ?? (document.activeElement instanceof HTMLElement ? document.activeElement : null);
    this.title.textContent = title;
    this.el.classList.toggle("wide", wide);
    replaceChildren(this.body, h("p", { class: "loading", role: "status" }, "Loading…"));
    this.el.hidden = false;
    this.scrim.hidden = false;
    document.body.classList.add("drawer-open");
    this.title.focus();
    let nodes;
    try {
      nodes = await render();
    } catch (err) {
      nodes = h("p", { class: "error", role: "alert" }, `Could not load details: ${err.message}`);
    }
    if (token !== this.token || !this.isOpen) return;
    replaceChildren(this.body, nodes);
  }

  /**
   * Hide the drawer and give focus back to whatever opened it. Returns false when that element
   * no longer exists (the caller then picks its successor).
   */
  close() {
    if (!this.isOpen) return true;
    this.token++;
    this.el.hidden = true;
    this.scrim.hidden = true;
    document.body.classList.remove("drawer-open");
    replaceChildren(this.body);
    const opener = this.opener;
    this.opener = null;
    if (opener && opener.isConnected && opener !== document.body) {
      opener.focus();
      return true;
    }
    return false;
  }

  /** Keep Tab inside the drawer while it is open. */
  onKeydown(ev) {
    if (ev.key !== "Tab") return;
    const items = [...this.el.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (ev.shiftKey && (document.activeElement === first || document.activeElement === this.title)) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  }

  /** Re-focus a new opener after the table re-rendered (rows are rebuilt on every update). */
  retarget(opener) {
    if (this.isOpen && opener) this.opener = opener;
  }
}
