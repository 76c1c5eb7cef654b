"""Cross-market opportunities: related pairs and outcome sets priced from their books (pure).

Ids are deterministic, one per portfolio, so a recomputation replaces or removes exactly the
entry it concerns:

    cross_equivalent:{token A}+{token B}     (likewise cross_inverse, cross_subset,
                                               cross_exclusive: the two tokens bought)
    cross_outcome_set:{group A}|{group B}      (negRisk / exclusive event keys)

Every reported opportunity buys sets paying at least `guaranteed_payout` in every world the
relation allows, and `cost + fees + expected_profit = size × guaranteed_payout` holds on the
reported (rounded) figures. A book older than `max_book_age_sec`, or of unknown age when a
maximum is set, is never used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from dashboard_backend.cross.index import Affected
from dashboard_backend.cross.outcome_sets import OutcomeSetPair
from dashboard_backend.cross.pairs import RelatedPair
from dashboard_backend.cross.portfolios import PairPortfolio, pair_portfolios
from dashboard_backend.cross.risks import settlement_risks
from dashboard_backend.cross.walk import PortfolioFill, Source, walk_portfolio
from dashboard_backend.models import (
    Leg,
    MarketDocument,
    Opportunity,
    OpportunityKind,
    OrderBook,
    Outcome,
    Relation,
)
from dashboard_backend.opportunities import CatalogIndex, min_order_size
from dashboard_backend.venues.base import FeeModel

OUTCOME_SET: OpportunityKind = "cross_outcome_set"

# Order sizes are multiples of this per venue (Polymarket: 2 decimals; Kalshi: whole contracts).
VENUE_SIZE_STEPS: dict[str, float] = {"polymarket": 0.01, "kalshi": 1.0}

# A return over less than a day is annualised as if it took a day (no 10,000 % figures).
MIN_HORIZON_DAYS = 1.0

_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Pricing:
    """What every cross computation reads: the catalog, books, fee table and clock."""

    catalog: CatalogIndex
    books: Mapping[str, OrderBook]
    fees: FeeModel  # any venue's (FeeTable knows the venue rounding of each market)
    now: datetime
    max_book_age_sec: float | None = None
    min_profit: float = 0.0
    # When each book was last known current (ms), where that is later than its own timestamp
    # (a live feed vouches for books that did not change); the book's timestamp otherwise.
    book_times: Mapping[str, int] | None = None

    def book_time(self, book: OrderBook) -> int | None:
        """When the book was last known current (ms), None when unknown."""
        if self.book_times is not None:
            known = self.book_times.get(book.token_id)
            if known is not None:
                return known
        return book.timestamp

    def fresh_book(self, token_id: str) -> OrderBook | None:
        """The token's book, if there is one young enough to trade on."""
        book = self.books.get(token_id)
        if book is None or self.max_book_age_sec is None:
            return book
        age = age_sec(self.book_time(book), self.now)
        return book if age is not None and age <= self.max_book_age_sec else None

    def source(self, doc: MarketDocument, outcome: Outcome) -> tuple[Source, OrderBook] | None:
        """Where to buy `outcome` of `doc`: its fresh ask book with the venue's terms."""
        if not doc.accepting_orders:
            return None
        book = self.fresh_book(outcome.token_id)
        if book is None or not book.asks:
            return None
        src = Source(
            asks=book.asks,
            fees=self.fees.schedule_for(doc),
            min_size=min_order_size(doc, book),
            size_step=VENUE_SIZE_STEPS.get(doc.venue, 0.0),
            tick=book.tick_size or doc.tick_size,
        )
        return src, book


def age_sec(stamp_ms: int | None, now: datetime) -> float | None:
    """Seconds since a millisecond timestamp (None when there is none)."""
    if stamp_ms is None:
        return None
    return max(0.0, now.timestamp() - stamp_ms / 1000.0)


def opportunity_id(kind: OpportunityKind, key: str) -> str:
    """The deterministic id of a cross opportunity."""
    return f"{kind}:{key}"


def cross_ids_for(affected: Affected, catalog: CatalogIndex) -> set[str]:
    """Every id these pairs and outcome sets could produce, so a partial recomputation can diff."""
    ids: set[str] = set()
    for pair in affected.pairs:
        portfolios = affected.portfolios.get(pair.key)
        if portfolios is None:
            a, b = catalog.by_id.get(pair.a_id), catalog.by_id.get(pair.b_id)
            if a is None or b is None:
                continue
            portfolios = tuple(pair_portfolios(a, b, pair.relation, pair.links))
        ids.update(opportunity_id(p.kind, _pair_key(p)) for p in portfolios)
    ids.update(opportunity_id(OUTCOME_SET, _set_key(s)) for s in affected.outcome_sets)
    return ids


def _pair_key(portfolio: PairPortfolio) -> str:
    return f"{portfolio.a_outcome.token_id}+{portfolio.b_outcome.token_id}"


def _set_key(oset: OutcomeSetPair) -> str:
    return f"{oset.a_group}|{oset.b_group}"


def find_cross_opportunities(affected: Affected, pricing: Pricing) -> dict[str, Opportunity]:
    """Every cross opportunity of these pairs and outcome sets, keyed by id."""
    found: dict[str, Opportunity] = {}
    for pair in affected.pairs:
        found.update(pair_opportunities(pair, pricing, affected.portfolios.get(pair.key)))
    for oset in affected.outcome_sets:
        opp = outcome_set_opportunity(oset, pricing)
        if opp is not None:
            found[opp.id] = opp
    return found


def pair_opportunities(
    pair: RelatedPair,
    pricing: Pricing,
    portfolios: Sequence[PairPortfolio] | None = None,
) -> dict[str, Opportunity]:
    """The opportunities of one related pair: each guaranteed portfolio that pays now.

    `portfolios` are the pair's `pair_portfolios`, when the caller has them already.
    """
    a = pricing.catalog.by_id.get(pair.a_id)
    b = pricing.catalog.by_id.get(pair.b_id)
    if a is None or b is None:
        return {}
    if portfolios is None:
        portfolios = pair_portfolios(a, b, pair.relation, pair.links)
    found: dict[str, Opportunity] = {}
    for portfolio in portfolios:
        leg_a = pricing.source(a, portfolio.a_outcome)
        leg_b = pricing.source(b, portfolio.b_outcome)
        if leg_a is None or leg_b is None:
            continue
        fill = walk_portfolio([[leg_a[0]], [leg_b[0]]], portfolio.payout)
        if fill is None:
            continue
        opp = _opportunity(
            kind=portfolio.kind,
            key=_pair_key(portfolio),
            fill=fill,
            orders=[[(a, portfolio.a_outcome, leg_a[1])], [(b, portfolio.b_outcome, leg_b[1])]],
            docs=(a, b),
            title=a.question if a.question == b.question else f"{a.question} / {b.question}",
            relation=pair.relation,
            confidence=pair.confidence,
            pricing=pricing,
        )
        if opp is not None:
            found[opp.id] = opp
    return found


def outcome_set_opportunity(oset: OutcomeSetPair, pricing: Pricing) -> Opportunity | None:
    """Buy YES on every outcome of two equivalent exhaustive events, each where it is cheapest."""
    slots: list[list[Source]] = []
    orders: list[list[tuple[MarketDocument, Outcome, OrderBook]]] = []
    docs: list[MarketDocument] = []
    for a_id, b_id in oset.slots:
        sources: list[Source] = []
        slot_orders: list[tuple[MarketDocument, Outcome, OrderBook]] = []
        for market_id in (a_id, b_id):
            doc = pricing.catalog.by_id.get(market_id)
            yes = doc.yes_outcome() if doc is not None else None
            if doc is None or yes is None:
                return None
            docs.append(doc)
            priced = pricing.source(doc, yes)
            if priced is not None:
                sources.append(priced[0])
                slot_orders.append((doc, yes, priced[1]))
        if not sources:
            return None
        slots.append(sources)
        orders.append(slot_orders)
    fill = walk_portfolio(slots, 1.0)
    if fill is None:
        return None
    head = pricing.catalog.by_id[oset.slots[0][0]]
    other = pricing.catalog.by_id[oset.slots[0][1]]
    return _opportunity(
        kind=OUTCOME_SET,
        key=_set_key(oset),
        fill=fill,
        orders=orders,
        docs=(head, other),
        title=head.event_title or head.question,
        relation=Relation.EQUIVALENT,
        confidence=oset.confidence,
        pricing=pricing,
        all_docs=docs,
    )


def _annualized(
    profit: float, outlay: float, resolves_by: datetime | None, now: datetime
) -> float | None:
    """Simple annual return on the money laid out until the later resolution."""
    if resolves_by is None or outlay <= 0.0:
        return None
    days = max((resolves_by - now).total_seconds() / 86_400.0, MIN_HORIZON_DAYS)
    return round(profit / outlay * 365.0 / days, 4)


def _risks(docs: Sequence[MarketDocument]) -> tuple[str, ...]:
    """Settlement risks of each traded pair of markets (docs in A, B order), once each."""
    found: dict[str, None] = {}
    for i in range(0, len(docs) - 1, 2):
        found.update(dict.fromkeys(settlement_risks(docs[i], docs[i + 1])))
    return tuple(found)


def _opportunity(
    *,
    kind: OpportunityKind,
    key: str,
    fill: PortfolioFill,
    orders: Sequence[Sequence[tuple[MarketDocument, Outcome, OrderBook]]],
    docs: tuple[MarketDocument, MarketDocument],
    title: str,
    relation: Relation,
    confidence: float | None,
    pricing: Pricing,
    all_docs: Sequence[MarketDocument] | None = None,
) -> Opportunity | None:
    """The Opportunity for a walked portfolio, or None when it rounds to no profit."""
    size = round(fill.size, _DIGITS)
    cost = round(fill.notional, _DIGITS)
    fees = round(fill.fees, _DIGITS)
    payout = fill.payout
    # From the rounded figures, so cost + fees + profit = size × payout holds as reported.
    profit = round(size * payout - cost - fees, _DIGITS)
    edge = round(fill.edge, _DIGITS)
    if profit <= 0.0 or edge <= 0.0 or profit < pricing.min_profit:
        return None
    legs: list[Leg] = []
    used_books: list[OrderBook] = []
    for f in fill.fills:
        doc, outcome, book = orders[f.slot][f.source]
        used_books.append(book)
        legs.append(
            Leg(
                market_id=doc.id,
                token_id=outcome.token_id,
                outcome=outcome.name,
                side="buy",
                best_price=round(f.best_price, _DIGITS),
                avg_price=round(f.avg_price, _DIGITS),
                worst_price=round(f.worst_price, _DIGITS),
                venue=doc.venue,
                size=round(f.shares, _DIGITS),
                fee=round(f.fee, _DIGITS),
                limit_price=f.limit_price,
                url=doc.url or None,
                question=doc.question,
            )
        )
    every = list(all_docs) if all_docs is not None else list(docs)
    closes = [d.close_time for d in every]
    resolves_by = None if any(c is None for c in closes) else max(c for c in closes if c)
    stamps = [t for b in used_books if (t := pricing.book_time(b)) is not None]
    oldest = (
        datetime.fromtimestamp(min(stamps) / 1000.0, tz=UTC)
        if len(stamps) == len(used_books)
        else None
    )
    a, b = docs
    return Opportunity(
        id=opportunity_id(kind, key),
        kind=kind,
        venue="+".join(sorted({leg.venue or "" for leg in legs})),
        market_ids=tuple(dict.fromkeys(d.id for d in every)),
        event_id=a.event_id,
        title=title,
        category=a.category or b.category,
        url=a.url,
        legs=tuple(legs),
        edge=edge,
        avg_edge=round(profit / size, _DIGITS),
        size=size,
        cost=cost,
        fees=fees,
        expected_profit=profit,
        detected_at=pricing.now,
        relation=relation,
        confidence=confidence,
        guaranteed_payout=payout,
        resolves_by=resolves_by,
        annualized_return=_annualized(profit, cost + fees, resolves_by, pricing.now),
        book_age_sec=(
            round(max(0.0, pricing.now.timestamp() - oldest.timestamp()), 3) if oldest else None
        ),
        oldest_book_at=oldest,
        settlement_risks=_risks(every),
    )
