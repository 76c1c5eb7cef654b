// Tiny DOM helpers. Every piece of text goes in through text nodes, never innerHTML, so market
// questions and descriptions from upstream can never inject markup.

import { venueLabel } from "./format.js";

/**
 * Create an element. `attrs` keys: `class`, `dataset` (object), `on` (event -> handler), `style`
 * (object of CSS properties, custom ones included), any
 * attribute name (null/false skips it, true sets it empty). Children: nodes, strings, numbers,
 * arrays of these; null/undefined/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === "href") el.setAttribute("href", safeUrl(value) ?? "#");
    // Styles through the CSSOM: the page's CSP forbids inline style attributes.
    else if (key === "style") for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, String(v));
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** The URL if it is absolute http(s), else null (refuses `javascript:` and friends). */
export function safeUrl(url) {
  if (typeof url !== "string" || url === "") return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A link opening outside the dashboard, or plain text when the URL is unsafe or missing. */
export function externalLink(url, label, attrs = {}) {
  const href = safeUrl(url);
  if (!href) return h("span", { class: "muted" }, label);
  return h("a", { ...attrs, href, target: "_blank", rel: "noopener noreferrer" }, label, h("span", { class: "visually-hidden" }, " (opens in a new tab)"), externalIcon());
}

/**
 * Event handlers that make a table row open its detail: a click anywhere but on a link inside it,
 * or Enter / Space while the row itself has focus.
 */
export function rowActivation(open) {
  return {
    click: (ev) => {
      if (ev.target.closest("a")) return;
      open(ev);
    },
    keydown: (ev) => {
      if ((ev.key === "Enter" || ev.key === " ") && ev.target === ev.currentTarget) {
        ev.preventDefault();
        open(ev);
      }
    },
  };
}

const SVG = "http://www.w3.org/2000/svg";

/** A small inline "external link" icon (no icon font, no network). */
export function externalIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 12 12");
  svg.setAttribute("width", "11");
  svg.setAttribute("height", "11");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "ext");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M5 2H2v8h8V7M7 1h4v4M11 1 5.5 6.5");
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "1.4");
  svg.appendChild(path);
  return svg;
}

/** A small badge naming a market's venue (class `venue venue-NAME`, for colour). */
export function venueBadge(venue) {
  const key = typeof venue === "string" && venue ? venue : "polymarket";
  const label = venueLabel(key);
  return h("span", { class: `venue venue-${key.replace(/[^a-z0-9-]/g, "")}`, title: `Listed on ${label}` }, label);
}
