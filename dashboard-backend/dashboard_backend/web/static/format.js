// Number and time formatting. Prices are USD per share in [0, 1]; shown in cents.

const nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const nf2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const usd0 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const usdCompact = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 1 });

const DASH = "—";

function isNum(x) {
  return typeof x === "number" && Number.isFinite(x);
}

/** 0.534 -> "53.4¢"; below one cent two decimals are kept ("0.25¢"). */
export function cents(price) {
  if (!isNum(price)) return DASH;
  const c = price * 100;
  return `${Math.abs(c) > 0 && Math.abs(c) < 1 ? c.toFixed(2) : c.toFixed(1)}¢`;
}

/** A signed price difference in cents: "+3.0¢", "−1.25¢". */
export function signedCents(diff) {
  if (!isNum(diff)) return DASH;
  const text = cents(Math.abs(diff));
  if (diff > 0) return `+${text}`;
  if (diff < 0) return `−${text}`;
  return text;
}

/** Dollars with cents: "$1,234.56". */
export function dollars(x) {
  return isNum(x) ? usd.format(x) : DASH;
}

/** Dollars, compact: "$12.4K", "$721". */
export function dollarsCompact(x) {
  if (!isNum(x)) return DASH;
  return Math.abs(x) < 1000 ? usd0.format(x) : usdCompact.format(x);
}

/** Share counts: "1,234". */
export function shares(x) {
  return isNum(x) ? nf0.format(x) : DASH;
}

/** A similarity in [0, 1] with two decimals... three when close to 1, where it matters. */
export function similarity(x) {
  if (!isNum(x)) return DASH;
  return x >= 0.9 ? x.toFixed(3) : nf2.format(x);
}

/** Integer count with separators. */
export function count(x) {
  return isNum(x) ? nf0.format(x) : DASH;
}

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

// Formatters are built once: toLocale*String builds a new one on every call, which is slow.
const dateFmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });
const dateTimeFmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });

/** "12 Mar 2026" (local time). */
export function date(value) {
  const d = toDate(value);
  return d ? dateFmt.format(d) : DASH;
}

/** "12 Mar 2026, 14:05" (local time). */
export function dateTime(value) {
  const d = toDate(value);
  return d ? dateTimeFmt.format(d) : DASH;
}

/**
 * The close times of a pair as shown side by side: dates alone, or with the hour when both close on
 * the same day (two BTC windows of one day must not look alike).
 */
export function closeTimes(a, b) {
  const da = toDate(a);
  const db = toDate(b);
  const sameDay = da !== null && db !== null && dateFmt.format(da) === dateFmt.format(db);
  return sameDay ? [dateTime(a), dateTime(b)] : [date(a), date(b)];
}

/** ISO string for a <time datetime> attribute, or null. */
export function isoOrNull(value) {
  const d = toDate(value);
  return d ? d.toISOString() : null;
}

/** "just now", "5 min ago", "3 h ago", "in 2 days". */
export function relative(value, now = Date.now()) {
  const d = toDate(value);
  if (!d) return DASH;
  const sec = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(sec);
  let text;
  if (abs < 45) return "just now";
  if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.round(abs / 3600)} h`;
  else text = `${Math.round(abs / 86400)} days`;
  return sec < 0 ? `${text} ago` : `in ${text}`;
}

const KIND_LABELS = {
  binary_buy_both: "Buy YES + NO",
  binary_split_sell: "Split & sell",
  negrisk_buy_all: "Buy all YES",
  event_buy_all: "Buy all YES",
  cross_equivalent: "Same bet, both sides",
  cross_inverse: "Inverse bets, both sides",
  cross_subset: "Implied bet hedged",
  cross_exclusive: "NO on both exclusive bets",
  cross_outcome_set: "Every outcome, cheapest venue",
};

/** Human label of an opportunity kind. */
export function kindLabel(kind) {
  return KIND_LABELS[kind] ?? String(kind ?? DASH);
}

// The relation engine's verdicts (A = the pair's first market, B = its second).
const RELATION_LABELS = {
  equivalent: "Same bet",
  inverse: "Inverse",
  subset_a_in_b: "A implies B",
  subset_b_in_a: "B implies A",
  mutually_exclusive: "Exclusive",
  related_not_equivalent: "Related",
};

/** Human label of a relation; null (a pair judged before relations existed) is "Unjudged". */
export function relationLabel(relation) {
  if (relation === null || relation === undefined) return "Unjudged";
  return RELATION_LABELS[relation] ?? String(relation);
}

// How an outcome of A stands to the linked outcome of B, by relation (see OutcomeLink).
const LINK_WORDS = {
  equivalent: "wins with",
  inverse: "wins with",
  subset_a_in_b: "implies",
  subset_b_in_a: "is implied by",
  mutually_exclusive: "never with",
};

/** The words between a linked pair of outcomes ("implies", "wins with"). */
export function linkWords(relation) {
  return LINK_WORDS[relation] ?? "linked to";
}

const VENUE_LABELS = { polymarket: "Polymarket", kalshi: "Kalshi" };

/** A venue's display name ("kalshi" -> "Kalshi"; unknown venues as given). */
export function venueLabel(venue) {
  const key = typeof venue === "string" && venue ? venue : "polymarket";
  return VENUE_LABELS[key] ?? key;
}
