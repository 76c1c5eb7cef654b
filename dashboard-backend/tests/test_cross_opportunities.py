"""Cross opportunities as reported: fields, fees per venue, freshness, outcome sets, ids, JSON."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from dashboard_backend.cross.index import Affected
from dashboard_backend.cross.opportunities import (
    Pricing,
    cross_ids_for,
    find_cross_opportunities,
    outcome_set_opportunity,
    pair_opportunities,
)
from dashboard_backend.cross.outcome_sets import find_outcome_sets
from dashboard_backend.cross.pairs import RelatedPair
from dashboard_backend.models import MarketDocument, Opportunity, OrderBook, Relation
from dashboard_backend.opportunities import CatalogIndex, find_opportunities
from tests.cross_helpers import FEES, NOW, asks, link, market

CLOSE_A = NOW + timedelta(days=30)
CLOSE_B = NOW + timedelta(days=32)
POLY = market(
    "p1",
    category="politics",
    question="Will the Fed cut rates in March?",
    close_time=CLOSE_A,
    min_order_size=5.0,
)
KALSHI = market(
    "KXFED-26MAR",
    venue="kalshi",
    question="Will the Fed cut rates in March?",
    close_time=CLOSE_B,
)
EQUIV = RelatedPair(
    "KXFED-26MAR", "p1", Relation.EQUIVALENT, (link(KALSHI, "Yes", POLY, "Yes"),), 0.93
)


def _pricing(
    books: dict[str, OrderBook],
    *docs: MarketDocument,
    max_book_age_sec: float | None = None,
    min_profit: float = 0.0,
) -> Pricing:
    return Pricing(CatalogIndex(docs), books, FEES, NOW, max_book_age_sec, min_profit)


def _equivalent_books(**ages: float) -> dict[str, OrderBook]:
    return {
        "KXFED-26MAR-Yes": asks(
            "KXFED-26MAR-Yes", [(0.41, 300), (0.43, 500)], ages.get("k", 0.0), tick_size=0.01
        ),
        "p1-No": asks("p1-No", [(0.55, 200), (0.56, 500)], ages.get("p", 3.0), tick_size=0.01),
        "KXFED-26MAR-No": asks("KXFED-26MAR-No", [(0.60, 100)]),
        "p1-Yes": asks("p1-Yes", [(0.46, 100)]),
    }


def test_kalshi_yes_plus_polymarket_no_as_a_trader_reads_it() -> None:
    found = pair_opportunities(EQUIV, _pricing(_equivalent_books(), POLY, KALSHI))
    assert list(found) == ["cross_equivalent:KXFED-26MAR-Yes+p1-No"]
    (opp,) = found.values()
    assert opp.kind == "cross_equivalent"
    assert opp.venue == "kalshi+polymarket"
    assert (opp.relation, opp.confidence) == (Relation.EQUIVALENT, 0.93)
    k, p = opp.legs
    assert (k.venue, k.outcome, k.side, k.market_id) == ("kalshi", "Yes", "buy", "KXFED-26MAR")
    assert (p.venue, p.outcome, p.side, p.market_id) == ("polymarket", "No", "buy", "p1")
    # Hand-computed in test_cross_walk: 300 sets; Kalshi fee 5.0799 rounded up to 5.08 once for
    # the order, Polymarket fee 2.9656 exact; cost 289, profit 2.9544.
    assert opp.size == 300
    assert (k.size, k.fee, k.limit_price, k.worst_price) == (300, 5.08, 0.41, 0.41)
    assert (p.size, p.fee, p.limit_price, p.best_price) == (300, 2.9656, 0.56, 0.55)
    assert p.avg_price == pytest.approx(166 / 300, abs=1e-6)
    assert (opp.cost, opp.fees, opp.expected_profit) == (289.0, 8.0456, 2.9544)
    assert opp.guaranteed_payout == 1.0
    assert opp.cost + opp.fees + opp.expected_profit == pytest.approx(opp.size * 1.0, abs=0.005)
    assert opp.resolves_by == CLOSE_B  # capital is locked until the later resolution
    # 2.9544 / 297.0456 over 32 days, simple annual rate.
    assert opp.annualized_return == pytest.approx(2.9544 / 297.0456 * 365 / 32, abs=1e-4)
    assert opp.book_age_sec == pytest.approx(3.0)
    assert opp.oldest_book_at == NOW - timedelta(seconds=3)
    assert opp.settlement_risks is not None
    assert any("deadline" in r for r in opp.settlement_risks)
    assert k.url == "https://kalshi.example/KXFED-26MAR"
    assert k.question == KALSHI.question


def test_the_mirror_trade_is_reported_under_its_own_id() -> None:
    books = _equivalent_books()
    books["KXFED-26MAR-Yes"] = asks("KXFED-26MAR-Yes", [(0.60, 100)])
    books["p1-No"] = asks("p1-No", [(0.60, 100)])
    books["KXFED-26MAR-No"] = asks("KXFED-26MAR-No", [(0.45, 100)])
    books["p1-Yes"] = asks("p1-Yes", [(0.45, 100)])
    found = pair_opportunities(EQUIV, _pricing(books, POLY, KALSHI))
    assert list(found) == ["cross_equivalent:KXFED-26MAR-No+p1-Yes"]


def test_a_stale_book_never_produces_an_opportunity() -> None:
    fresh = _pricing(_equivalent_books(p=10.0), POLY, KALSHI, max_book_age_sec=30.0)
    assert pair_opportunities(EQUIV, fresh)
    stale = _pricing(_equivalent_books(p=31.0), POLY, KALSHI, max_book_age_sec=30.0)
    assert pair_opportunities(EQUIV, stale) == {}
    books = _equivalent_books()
    books["p1-No"] = books["p1-No"].model_copy(update={"timestamp": None})
    unknown = _pricing(books, POLY, KALSHI, max_book_age_sec=30.0)
    assert pair_opportunities(EQUIV, unknown) == {}


def test_market_not_accepting_orders_or_missing_book_gives_nothing() -> None:
    closed = POLY.model_copy(update={"accepting_orders": False})
    assert pair_opportunities(EQUIV, _pricing(_equivalent_books(), closed, KALSHI)) == {}
    books = _equivalent_books()
    del books["p1-No"]
    assert pair_opportunities(EQUIV, _pricing(books, POLY, KALSHI)) == {}


def test_edge_only_at_top_of_book_below_minimum_size_is_not_reported() -> None:
    # 4 shares at 0.40 on Polymarket (minimum order 5), then 0.62: only 4 sets pay.
    books = _equivalent_books()
    books["p1-No"] = asks("p1-No", [(0.40, 4), (0.62, 500)])
    assert pair_opportunities(EQUIV, _pricing(books, POLY, KALSHI)) == {}


def test_min_profit_filters() -> None:
    pricing = _pricing(_equivalent_books(), POLY, KALSHI, min_profit=3.0)
    assert pair_opportunities(EQUIV, pricing) == {}


def test_cross_ids_cover_every_produced_id() -> None:
    pricing = _pricing(_equivalent_books(), POLY, KALSHI)
    affected = Affected(pairs=(EQUIV,), outcome_sets=())
    ids = cross_ids_for(affected, pricing.catalog)
    assert ids == {
        "cross_equivalent:KXFED-26MAR-Yes+p1-No",
        "cross_equivalent:KXFED-26MAR-No+p1-Yes",
    }
    assert set(find_cross_opportunities(affected, pricing)) <= ids


def test_intra_market_json_is_unchanged_by_the_cross_fields() -> None:
    doc = market("m1")
    books = {"m1-Yes": asks("m1-Yes", [(0.45, 10)]), "m1-No": asks("m1-No", [(0.50, 10)])}
    (opp,) = find_opportunities([doc], books, FEES, NOW).values()
    data = json.loads(opp.to_json())
    assert list(data) == [
        "id", "kind", "venue", "marketIds", "eventId", "title", "category", "url", "legs",
        "edge", "avgEdge", "size", "cost", "fees", "expectedProfit", "detectedAt",
    ]  # fmt: skip
    assert list(data["legs"][0]) == [
        "marketId", "tokenId", "outcome", "side", "bestPrice", "avgPrice", "worstPrice",
    ]  # fmt: skip
    assert Opportunity.from_json(opp.to_json()) == opp


def test_cross_json_round_trips_and_clock_fields_are_not_terms() -> None:
    (opp,) = pair_opportunities(EQUIV, _pricing(_equivalent_books(), POLY, KALSHI)).values()
    data = json.loads(opp.to_json())
    for key in ("relation", "guaranteedPayout", "resolvesBy", "annualizedReturn", "bookAgeSec"):
        assert key in data
    assert {"venue", "size", "fee", "limitPrice"} <= set(data["legs"][0])
    assert Opportunity.from_json(opp.to_json()) == opp
    refreshed = NOW + timedelta(seconds=9)  # a book fetched again on the same terms
    later = opp.model_copy(
        update={"book_age_sec": 9.0, "annualized_return": 0.1, "oldest_book_at": refreshed}
    )
    assert opp.same_terms(later)
    assert not opp.same_terms(opp.model_copy(update={"size": 299.0}))


# --- outcome sets -------------------------------------------------------------------------


def _event(prefix: str, venue: str, n: int, **fields: Any) -> list[MarketDocument]:
    ids = tuple(f"{prefix}{i}" for i in range(n))
    return [
        market(
            market_id,
            venue=venue,
            neg_risk=True,
            neg_risk_market_id=f"0x{prefix}",
            event_id=f"ev-{prefix}",
            event_title="Who wins the election?",
            event_market_ids=ids,
            close_time=CLOSE_A,
            **fields,
        )
        for market_id in ids
    ]


def _set_pairs(poly: list[MarketDocument], kalshi: list[MarketDocument]) -> list[RelatedPair]:
    return [
        RelatedPair(k.id, p.id, Relation.EQUIVALENT, (link(k, "Yes", p, "Yes"),), 0.9)
        for p, k in zip(poly, kalshi, strict=True)
    ]


def test_outcome_set_buys_every_outcome_where_it_is_cheapest() -> None:
    poly, kalshi = _event("p", "polymarket", 3), _event("K", "kalshi", 3)
    catalog = CatalogIndex(poly + kalshi)
    (oset,) = find_outcome_sets(_set_pairs(poly, kalshi), catalog)
    # YES asks: outcome 0 cheaper on Kalshi, 1 and 2 cheaper on Polymarket; Σ best ≈ 0.90.
    books = {
        "p0-Yes": asks("p0-Yes", [(0.40, 100)]),
        "K0-Yes": asks("K0-Yes", [(0.35, 100)]),
        "p1-Yes": asks("p1-Yes", [(0.30, 100)]),
        "K1-Yes": asks("K1-Yes", [(0.33, 100)]),
        "p2-Yes": asks("p2-Yes", [(0.25, 100)]),
        "K2-Yes": asks("K2-Yes", [(0.28, 100)]),
    }
    opp = outcome_set_opportunity(oset, Pricing(catalog, books, FEES, NOW))
    assert opp is not None
    assert opp.kind == "cross_outcome_set"
    assert opp.id == "cross_outcome_set:0xK|0xp"
    assert [(leg.market_id, leg.venue) for leg in opp.legs] == [
        ("K0", "kalshi"),
        ("p1", "polymarket"),
        ("p2", "polymarket"),
    ]
    assert opp.size == 100
    assert opp.cost + opp.fees + opp.expected_profit == pytest.approx(100, abs=0.005)
    assert opp.expected_profit > 0
    assert set(opp.market_ids) == {"p0", "p1", "p2", "K0", "K1", "K2"}


def test_outcome_set_needs_closed_events_and_a_one_to_one_map() -> None:
    poly, kalshi = _event("p", "polymarket", 3), _event("K", "kalshi", 3)
    pairs = _set_pairs(poly, kalshi)
    assert find_outcome_sets(pairs, CatalogIndex(poly + kalshi))
    # An implicit "Other" outcome on one side.
    augmented = _event("p", "polymarket", 3, neg_risk_augmented=True)
    assert find_outcome_sets(pairs, CatalogIndex(augmented + kalshi)) == []
    # Only two of the three outcomes matched.
    assert find_outcome_sets(pairs[:2], CatalogIndex(poly + kalshi)) == []
    # Many-to-one: two Kalshi markets mapped to one Polymarket market.
    doubled = [
        *pairs[:2],
        RelatedPair("K2", "p1", Relation.EQUIVALENT, (link(kalshi[2], "Yes", poly[1], "Yes"),)),
    ]
    assert find_outcome_sets(doubled, CatalogIndex(poly + kalshi)) == []
    # A member of the event missing from the catalog.
    assert find_outcome_sets(pairs, CatalogIndex(poly[:2] + kalshi)) == []
    # Inverse polarity on one slot is not an equivalent outcome.
    flipped = [
        *pairs[:2],
        RelatedPair("K2", "p2", Relation.EQUIVALENT, (link(kalshi[2], "Yes", poly[2], "No"),)),
    ]
    assert find_outcome_sets(flipped, CatalogIndex(poly + kalshi)) == []
