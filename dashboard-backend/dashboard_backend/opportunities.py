"""Intra-market opportunities on any venue: binary buy-both, binary split-sell, buy-all.

Pure functions over catalog documents and order books (no I/O). Opportunity ids are
deterministic, one per kind and market (or negRisk group), so a recomputation replaces or
removes exactly the entry it concerns:

    binary_buy_both:{market_id}      buy one of each outcome of a binary market at the asks
    binary_split_sell:{market_id}    split $1 into both outcomes, sell both at the bids
    negrisk_buy_all:{group_key}      buy YES on every market of a Polymarket negRisk event
    event_buy_all:{group_key}        the same on another venue's mutually exclusive, exhaustive
                                     event (Kalshi: `event_buy_all:kalshi:EVENT`)

where `group_key` is the market's `neg_risk_market_id`, or its `event_id` when that is missing.
"negRisk" is Polymarket's name for its mechanism; the kind says which one a buy-all rests on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from dashboard_backend.book_walk import Side, WalkResult, walk_books
from dashboard_backend.models import (
    BookLevel,
    Leg,
    MarketDocument,
    Opportunity,
    OpportunityKind,
    OrderBook,
)
from dashboard_backend.venues.base import POLYMARKET, FeeModel, venue_of

BUY_BOTH: OpportunityKind = "binary_buy_both"
SPLIT_SELL: OpportunityKind = "binary_split_sell"
NEGRISK_BUY_ALL: OpportunityKind = "negrisk_buy_all"
EVENT_BUY_ALL: OpportunityKind = "event_buy_all"

# Outputs are rounded: money and sizes to a millionth of a dollar / share.
_DIGITS = 6


def opportunity_id(kind: OpportunityKind, key: str) -> str:
    """The deterministic id of an opportunity of `kind` on a market id or negRisk group key."""
    return f"{kind}:{key}"


def group_kind(key: str) -> OpportunityKind:
    """The buy-all kind of a group key: negRisk on Polymarket, an exclusive event elsewhere."""
    return NEGRISK_BUY_ALL if venue_of(key) == POLYMARKET else EVENT_BUY_ALL


def group_opportunity_id(key: str) -> str:
    """The id of the buy-all opportunity of a group."""
    return opportunity_id(group_kind(key), key)


def negrisk_group_key(doc: MarketDocument) -> str | None:
    """The key grouping a negRisk market with the rest of its event (None if not negRisk)."""
    if not doc.neg_risk:
        return None
    return doc.neg_risk_market_id or doc.event_id


def opportunity_ids_for(markets: Iterable[MarketDocument]) -> set[str]:
    """Every id these markets could produce, so a partial recomputation can diff its scope."""
    ids: set[str] = set()
    for doc in markets:
        if doc.is_binary:
            ids.add(opportunity_id(BUY_BOTH, doc.id))
            ids.add(opportunity_id(SPLIT_SELL, doc.id))
        key = negrisk_group_key(doc)
        if key is not None:
            ids.add(group_opportunity_id(key))
    return ids


class CatalogIndex:
    """Markets by id and by negRisk group; build once per catalog change for hot paths."""

    __slots__ = ("by_id", "groups")

    def __init__(self, markets: Iterable[MarketDocument]):
        self.by_id: dict[str, MarketDocument] = {}
        for doc in markets:
            self.by_id[doc.id] = doc
        groups: dict[str, list[MarketDocument]] = {}
        for doc in self.by_id.values():
            key = negrisk_group_key(doc)
            if key is not None:
                groups.setdefault(key, []).append(doc)
        self.groups: dict[str, tuple[MarketDocument, ...]] = {
            k: tuple(v) for k, v in groups.items()
        }


def affected_markets(
    changed_market_ids: Iterable[str],
    catalog: Mapping[str, MarketDocument] | CatalogIndex,
) -> list[MarketDocument]:
    """The changed markets plus every market of their negRisk groups (unknown ids ignored).

    Recomputing exactly this list gives the same opportunities, for the ids of
    `opportunity_ids_for(result)`, as recomputing the whole catalog.
    """
    index = catalog if isinstance(catalog, CatalogIndex) else CatalogIndex(catalog.values())
    out: dict[str, MarketDocument] = {}
    for market_id in changed_market_ids:
        doc = index.by_id.get(market_id)
        if doc is None:
            continue
        out[doc.id] = doc
        key = negrisk_group_key(doc)
        if key is not None:
            for member in index.groups.get(key, ()):
                out[member.id] = member
    return list(out.values())


def find_opportunities(
    markets: Iterable[MarketDocument],
    books: Mapping[str, OrderBook],
    fees: FeeModel,
    now: datetime,
    min_profit: float = 0.0,
) -> dict[str, Opportunity]:
    """Every opportunity over these markets, keyed by id, with profit ≥ `min_profit`.

    `books` maps token id to its order book. A negRisk group is only judged when all of its
    markets are among `markets` (see `affected_markets`).
    """
    found: dict[str, Opportunity] = {}
    groups: dict[str, list[MarketDocument]] | None = None
    seen: set[str] = set()
    for doc in markets:
        if doc.id in seen:
            continue
        seen.add(doc.id)
        if doc.is_binary:
            for opp in (
                binary_buy_both(doc, books, fees, now),
                binary_split_sell(doc, books, fees, now),
            ):
                if opp is not None and opp.expected_profit >= min_profit:
                    found[opp.id] = opp
        key = negrisk_group_key(doc)
        if key is not None:
            if groups is None:
                groups = {}
            groups.setdefault(key, []).append(doc)
    for key, members in (groups or {}).items():
        opp = negrisk_buy_all(key, members, books, fees, now)
        if opp is not None and opp.expected_profit >= min_profit:
            found[opp.id] = opp
    return found


def binary_buy_both(
    doc: MarketDocument, books: Mapping[str, OrderBook], fees: FeeModel, now: datetime
) -> Opportunity | None:
    """Buy one share of each outcome of a binary market at the asks, for less than $1."""
    return _binary(doc, books, fees, now, "buy")


def binary_split_sell(
    doc: MarketDocument, books: Mapping[str, OrderBook], fees: FeeModel, now: datetime
) -> Opportunity | None:
    """Split $1 into both outcomes of a binary market and sell both at the bids, for more."""
    return _binary(doc, books, fees, now, "sell")


def _binary(
    doc: MarketDocument,
    books: Mapping[str, OrderBook],
    fees: FeeModel,
    now: datetime,
    side: Side,
) -> Opportunity | None:
    if not doc.accepting_orders or len(doc.outcomes) != 2:
        return None
    first, second = doc.outcomes
    book_a = books.get(first.token_id)
    book_b = books.get(second.token_id)
    if book_a is None or book_b is None:
        return None
    rate = fees.rate_for(doc)
    if side == "buy":
        walk = walk_books((book_a.asks, book_b.asks), (rate, rate), "buy")
    else:
        walk = walk_books((book_a.bids, book_b.bids), (rate, rate), "sell")
    if walk is None:
        return None
    min_size = max(min_order_size(doc, book_a), min_order_size(doc, book_b))
    kind = BUY_BOTH if side == "buy" else SPLIT_SELL
    return _opportunity(
        fees=fees,
        kind=kind,
        key=doc.id,
        walk=walk,
        min_size=min_size,
        docs=(doc, doc),
        tokens=((first.token_id, first.name), (second.token_id, second.name)),
        title=doc.question,
        url=doc.url,
        category=doc.category,
        event_id=doc.event_id,
        now=now,
    )


def negrisk_buy_all(
    key: str,
    members: Sequence[MarketDocument],
    books: Mapping[str, OrderBook],
    fees: FeeModel,
    now: datetime,
) -> Opportunity | None:
    """Buy YES on every market of a negRisk group for less than $1 (exactly one pays $1).

    Judged only when the group is provably complete and closed (`is_closed_group`).
    """
    if not is_closed_group(members):
        return None
    ordered = sorted(members, key=lambda d: d.id)
    asks: list[tuple[BookLevel, ...]] = []
    rates: list[float] = []
    tokens: list[tuple[str, str]] = []
    min_size = 0.0
    for doc in ordered:
        yes = doc.yes_outcome()
        if yes is None:
            return None
        book = books.get(yes.token_id)
        if book is None or not book.asks:
            return None
        asks.append(book.asks)
        rates.append(fees.rate_for(doc))
        tokens.append((yes.token_id, yes.name))
        min_size = max(min_size, min_order_size(doc, book))
    walk = walk_books(asks, rates, "buy")
    if walk is None:
        return None
    head = ordered[0]
    return _opportunity(
        fees=fees,
        kind=group_kind(key),
        key=key,
        walk=walk,
        min_size=min_size,
        docs=tuple(ordered),
        tokens=tuple(tokens),
        title=head.event_title or head.question,
        url=head.url,
        category=head.category,
        event_id=head.event_id,
        now=now,
    )


def is_closed_group(members: Sequence[MarketDocument]) -> bool:
    """Exactly one of these markets resolves YES: the whole, explicit set of a negRisk event.

    Every member lists the event's open markets (`event_market_ids`), all of them are present,
    none is augmented with an implicit "Other" outcome or is its placeholder, and all accept
    orders.
    """
    if len(members) < 2:
        return False
    listed: set[str] = set()
    for doc in members:
        if (
            doc.neg_risk_augmented
            or doc.neg_risk_other
            or not doc.accepting_orders
            or not doc.event_market_ids
        ):
            return False
        listed.update(doc.event_market_ids)
    present = {doc.id for doc in members}
    return present == listed and len(present) == len(members)


def min_order_size(doc: MarketDocument, book: OrderBook) -> float:
    """The larger of the catalog's and the book's minimum order size (0 when unknown)."""
    return max(doc.min_order_size or 0.0, book.min_order_size or 0.0)


def _opportunity(
    *,
    fees: FeeModel,
    kind: OpportunityKind,
    key: str,
    walk: WalkResult,
    min_size: float,
    docs: Sequence[MarketDocument],
    tokens: Sequence[tuple[str, str]],
    title: str,
    url: str,
    category: str | None,
    event_id: str | None,
    now: datetime,
) -> Opportunity | None:
    """The Opportunity for a walk, or None when it is below the minimum order size or rounds to 0."""
    # Every leg is one order of `size` shares, so the largest minimum among legs binds.
    if walk.size < min_size - 1e-9:
        return None
    # Each leg is one order, charged by its venue's rounding rule (Kalshi: up to the cent).
    charged = sum(
        fees.schedule_for(doc).settle(fill.fees) for doc, fill in zip(docs, walk.legs, strict=True)
    )
    exact_profit = walk.profit + walk.fees - charged
    profit = round(exact_profit, _DIGITS)
    edge = round(walk.edge, _DIGITS)
    if profit <= 0.0 or edge <= 0.0:
        return None  # sub-micro-dollar "edges" are rounding noise, not opportunities
    side = walk.side
    legs = tuple(
        Leg(
            market_id=doc.id,
            token_id=token_id,
            outcome=name,
            side=side,
            best_price=round(fill.best_price, _DIGITS),
            avg_price=round(fill.avg_price, _DIGITS),
            worst_price=round(fill.worst_price, _DIGITS),
        )
        for doc, (token_id, name), fill in zip(docs, tokens, walk.legs, strict=True)
    )
    market_ids = tuple(dict.fromkeys(doc.id for doc in docs))
    # A split locks $1 of collateral per set; a buy pays the asks.
    cost = walk.notional if side == "buy" else walk.size
    return Opportunity(
        id=opportunity_id(kind, key),
        kind=kind,
        venue=docs[0].venue,
        market_ids=market_ids,
        event_id=event_id,
        title=title,
        category=category,
        url=url,
        legs=legs,
        edge=edge,
        avg_edge=round(exact_profit / walk.size, _DIGITS),
        size=round(walk.size, _DIGITS),
        cost=round(cost, _DIGITS),
        fees=round(charged, _DIGITS),
        expected_profit=profit,
        detected_at=now,
    )
