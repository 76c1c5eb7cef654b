"""Alert text (pure): what to buy where, how much, for what profit, until when, and the link.

Plain text, one fact per line, so it reads the same in Telegram, Slack, Discord, e-mail or a
webhook's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dashboard_backend.models import MarketDocument, MatchEntry, Opportunity, Relation

KIND_ACTIONS = {
    "binary_buy_both": "Buy YES + NO",
    "binary_split_sell": "Split $1 into YES + NO and sell both",
    "negrisk_buy_all": "Buy YES on every outcome",
    "event_buy_all": "Buy YES on every outcome",
    "cross_equivalent": "Cross-market: opposite sides of one bet listed twice",
    "cross_inverse": "Cross-market: the same side of two mirrored markets",
    "cross_subset": "Cross-market hedge: one market implies the other",
    "cross_exclusive": "Cross-market hedge: the two never both win",
    "cross_outcome_set": "Cross-market: every outcome of one event",
}
RELATION_PHRASES = {
    Relation.EQUIVALENT: "A and B are the same bet",
    Relation.INVERSE: "A's YES is B's NO",
    Relation.SUBSET_A_IN_B: "A winning implies B wins",
    Relation.SUBSET_B_IN_A: "B winning implies A wins",
    Relation.MUTUALLY_EXCLUSIVE: "A and B never both win",
    Relation.RELATED: "same subject, a different bet",
    Relation.UNRELATED: "unrelated",
}


@dataclass(frozen=True)
class Alert:
    """One message: a short title and a plain-text body."""

    key: str  # what the message is about (opportunity id, or pair), for de-duplication
    title: str
    body: str


def venue_name(venue: str) -> str:
    """Display name of a venue id (`kalshi+polymarket` -> `Kalshi + Polymarket`)."""
    names = {"polymarket": "Polymarket", "kalshi": "Kalshi"}
    return " + ".join(names.get(v, v) for v in venue.split("+"))


def usd(x: float) -> str:
    """$1,234.56"""
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def cents(price: float) -> str:
    """0.452 -> 45.2¢"""
    return f"{price * 100:.1f}¢"


def expiry_text(expiry: datetime | None, now: datetime) -> str:
    """`31 Dec 2026 18:00 UTC (in 3 days)`, or unknown."""
    if expiry is None:
        return "unknown"
    when = expiry.astimezone(UTC)
    seconds = (when - now).total_seconds()
    if seconds >= 2 * 86400:
        left = f"in {int(seconds // 86400)} days"
    elif seconds >= 3600:
        left = f"in {int(seconds // 3600)} h"
    elif seconds > 0:
        left = f"in {max(1, round(seconds / 60))} min"
    else:
        left = "past"
    return f"{when:%d %b %Y %H:%M} UTC ({left})"


def opportunity_alert(
    op: Opportunity, action: str, expiry: datetime | None, now: datetime
) -> Alert:
    """The message for an opportunity that appeared or changed."""
    what = KIND_ACTIONS.get(op.kind, op.kind.replace("_", " "))
    venue = venue_name(op.venue)
    lead = "Changed" if action == "changed" else "New"
    lines = [f"{what} on {venue}: {op.title}"]
    for leg in op.legs:
        where = f" on {venue_name(leg.venue)}" if leg.venue else ""
        lines.append(
            f"- {leg.side.upper()} {leg.size or op.size:,.0f} x {leg.outcome}{where} at up to "
            f"{cents(leg.worst_price)} (best {cents(leg.best_price)}, "
            f"avg {cents(leg.avg_price)}; market {leg.market_id})"
        )
    lines.append(
        f"Size {op.size:,.0f} shares, cost {usd(op.cost)}, fees {usd(op.fees)}, "
        f"expected profit {usd(op.expected_profit)} (edge {cents(op.edge)}/share)"
    )
    if op.annualized_return is not None:
        lines.append(f"Annualised return {op.annualized_return * 100:.1f}%")
    lines.append(f"Expires: {expiry_text(expiry, now)}")
    if op.url:
        lines.append(f"Link: {op.url}")
    title = f"{lead} arbitrage {usd(op.expected_profit)}: {op.title}"
    return Alert(key=op.id, title=title, body="\n".join(lines))


def _yes_ask(doc: MarketDocument) -> str:
    yes = doc.yes_outcome() or (doc.outcomes[0] if doc.outcomes else None)
    if yes is None or yes.best_ask is None:
        return "no ask"
    return f"{yes.name} ask {cents(yes.best_ask)}"


def pair_key(a: str, b: str) -> str:
    """The de-duplication key of an unordered pair."""
    lo, hi = sorted((a, b))
    return f"pair:{lo}:{hi}"


def relation_alert(
    entry: MatchEntry, base: MarketDocument, match: MarketDocument, now: datetime
) -> Alert:
    """The message for a pair the relation engine tied together."""
    relation = entry.relation or Relation.RELATED
    confidence = f"{entry.confidence:.2f}" if entry.confidence is not None else "unknown"
    lines = [
        f"A: {base.question} ({venue_name(base.venue)}, {_yes_ask(base)})",
        f"B: {match.question} ({venue_name(match.venue)}, {_yes_ask(match)})",
        f"Relation: {RELATION_PHRASES[relation]} (confidence {confidence}, "
        f"similarity {entry.similarity:.3f})",
    ]
    for link in entry.outcome_map:
        lines.append(f"- A {link.a_outcome} <-> B {link.b_outcome}")
    if entry.yes_ask_diff is not None:
        sign = "+" if entry.yes_ask_diff >= 0 else "-"
        lines.append(f"YES ask difference (B - A): {sign}{cents(abs(entry.yes_ask_diff))}")
    if entry.reasons:
        lines.append("Why: " + "; ".join(entry.reasons))
    lines.append(
        f"Closes: A {expiry_text(base.close_time, now)}, B {expiry_text(match.close_time, now)}"
    )
    lines.extend(f"Link: {url}" for url in (base.url, match.url) if url)
    title = f"Related markets ({relation.value}): {base.question}"
    return Alert(key=pair_key(base.id, match.id), title=title, body="\n".join(lines))
