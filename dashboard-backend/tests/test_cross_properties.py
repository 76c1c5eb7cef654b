"""Properties of what the cross path reports, beyond one link of one pair (see
test_cross_portfolios.py and test_cross_walk.py for those): equivalent outcome sets bought across
venues, and pairs as the matching worker writes them (both links, listed from either side)
priced through the index the live worker uses. For random books, fees, minimums and venues:

- every reported opportunity pays at least its cost in every world consistent with the
  relations, and at least `size × guaranteedPayout`;
- cost + fees + expectedProfit = size × guaranteedPayout on the reported figures, profit > 0,
  and the legs' own sizes, prices and fees add up to the reported cost and fees.

That the size is the most profitable executable one (the walk never reports a size whose last
shares lose money) is checked against brute force in test_cross_walk.py, merged sources included.
"""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.cross.index import PairIndex
from dashboard_backend.cross.opportunities import Pricing, find_cross_opportunities
from dashboard_backend.cross.outcome_sets import find_outcome_sets
from dashboard_backend.cross.pairs import RelatedPair
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import (
    MarketDocument,
    MatchEntry,
    Opportunity,
    OrderBook,
    OutcomeLink,
    Relation,
)
from dashboard_backend.opportunities import CatalogIndex
from tests.cross_helpers import NOW, allowed, asks, link, market

FEE_TABLES = st.sampled_from(
    [
        FeeTable({}, 0.0),
        FeeTable({"politics": 0.04}, 0.05),
        FeeTable({"politics": 0.07}, 0.07),
    ]
)


def _event(prefix: str, venue: str, n: int) -> list[MarketDocument]:
    ids = tuple(f"{prefix}{i}" for i in range(n))
    return [
        market(
            market_id,
            venue=venue,
            category="politics",
            neg_risk=True,
            neg_risk_market_id=f"0x{prefix}",
            event_market_ids=ids,
        )
        for market_id in ids
    ]


def _ladder(draw: st.DrawFn, token: str, step: float) -> OrderBook:
    levels = draw(
        st.lists(st.tuples(st.integers(5, 60), st.integers(1, 40)), min_size=1, max_size=4)
    )
    levels.sort()
    sizes = [
        (c / 100, float(s) if step >= 1 else s + draw(st.sampled_from([0.0, 0.5])))
        for c, s in levels
    ]
    return asks(token, sizes, min_order_size=draw(st.sampled_from([None, 1.0, 5.0])))


@st.composite
def outcome_set_case(draw: st.DrawFn) -> tuple[CatalogIndex, list[RelatedPair], Pricing]:
    n = draw(st.integers(2, 3))
    poly, kalshi = _event("p", "polymarket", n), _event("K", "kalshi", n)
    pairs = [
        RelatedPair(k.id, p.id, Relation.EQUIVALENT, (link(k, "Yes", p, "Yes"),), 0.9)
        for p, k in zip(poly, kalshi, strict=True)
    ]
    books: dict[str, OrderBook] = {}
    for doc in poly + kalshi:
        token = f"{doc.id}-Yes"
        books[token] = _ladder(draw, token, 1.0 if doc.venue == "kalshi" else 0.01)
    catalog = CatalogIndex(poly + kalshi)
    return catalog, pairs, Pricing(catalog, books, draw(FEE_TABLES), NOW)


def _check_terms(opp: Opportunity) -> None:
    assert opp.expected_profit > 0
    assert opp.guaranteed_payout is not None
    assert opp.guaranteed_payout >= 1
    assert opp.cost + opp.fees + opp.expected_profit == pytest.approx(
        opp.size * opp.guaranteed_payout, abs=1e-5
    )
    legs_cost = sum((leg.size or 0.0) * leg.avg_price for leg in opp.legs)
    # Average prices are reported to 6 decimals: a millionth of a dollar per share of slack.
    slack = 1e-6 * (1.0 + sum(leg.size or 0.0 for leg in opp.legs))
    assert legs_cost == pytest.approx(opp.cost, abs=slack)
    assert sum(leg.fee or 0.0 for leg in opp.legs) == pytest.approx(opp.fees, abs=1e-5)


@settings(max_examples=250, deadline=None)
@given(outcome_set_case())
def test_an_outcome_set_pays_its_cost_whichever_outcome_wins(
    case: tuple[CatalogIndex, list[RelatedPair], Pricing],
) -> None:
    catalog, pairs, pricing = case
    (oset,) = find_outcome_sets(pairs, catalog)
    found = find_cross_opportunities(PairIndex(pairs, catalog).everything(), pricing)
    for opp in (o for o in found.values() if o.kind == "cross_outcome_set"):
        _check_terms(opp)
        for k_id, p_id in oset.slots:
            # This outcome wins on both venues (the markets are the same proposition).
            winners = {f"{k_id}-Yes", f"{p_id}-Yes"}
            bought = sum(leg.size or 0.0 for leg in opp.legs if leg.token_id in winners)
            assert bought == pytest.approx(opp.size, abs=1e-6)  # one share per set, per outcome
            assert bought + 1e-6 >= opp.cost + opp.fees
        for leg in opp.legs:
            # Each order respects its venue: whole Kalshi contracts, limits on the tick grid.
            if leg.venue == "kalshi":
                assert leg.size == pytest.approx(round(leg.size or 0.0))
            assert leg.limit_price is not None
            assert leg.limit_price >= leg.worst_price - 1e-9


@st.composite
def matched_pair(draw: st.DrawFn) -> tuple[dict[str, list[MatchEntry]], CatalogIndex, Pricing]:
    """Two markets as the relation engine relates them: both links where it writes both,
    listed under either market, the outcomes in any order."""
    names_a = draw(st.sampled_from([("Yes", "No"), ("No", "Yes")]))
    names_b = draw(st.sampled_from([("Yes", "No"), ("No", "Yes"), ("Heat", "Bulls")]))
    a = market("a", venue="kalshi", names=names_a, category="politics")
    b = market("b", venue="polymarket", names=names_b, category="politics")
    relation = draw(
        st.sampled_from(
            [
                Relation.EQUIVALENT,
                Relation.INVERSE,
                Relation.SUBSET_A_IN_B,
                Relation.SUBSET_B_IN_A,
                Relation.MUTUALLY_EXCLUSIVE,
            ]
        )
    )
    yes_b = names_b[0] if names_b[0] != "No" else "Yes"
    no_b = next(n for n in names_b if n != yes_b)
    links: tuple[OutcomeLink, ...]
    if relation is Relation.EQUIVALENT:
        links = (link(a, "Yes", b, yes_b), link(a, "No", b, no_b))
    elif relation is Relation.INVERSE:
        links = (link(a, "Yes", b, no_b), link(a, "No", b, yes_b))
    else:
        links = (link(a, "Yes", b, yes_b),)
    entry = MatchEntry(
        market_id=b.id, question="b", similarity=0.9, relation=relation, outcome_map=links
    )
    matches = {a.id: [entry]}
    books = {
        o.token_id: _ladder(draw, o.token_id, 1.0 if doc.venue == "kalshi" else 0.01)
        for doc in (a, b)
        for o in doc.outcomes
    }
    catalog = CatalogIndex([a, b])
    return matches, catalog, Pricing(catalog, books, draw(FEE_TABLES), NOW)


@settings(max_examples=300, deadline=None)
@given(matched_pair())
def test_pairs_as_the_matching_worker_writes_them_pay_in_every_allowed_world(
    case: tuple[dict[str, list[MatchEntry]], CatalogIndex, Pricing],
) -> None:
    matches, catalog, pricing = case
    entry = matches["a"][0]
    assert entry.relation is not None
    index = PairIndex.build(matches, catalog)
    found = find_cross_opportunities(index.everything(), pricing)
    a, b = catalog.by_id["a"], catalog.by_id["b"]
    ln = entry.outcome_map[0]  # A's YES and the B outcome the engine links to it
    for opp in found.values():
        _check_terms(opp)
        for oa, ob in product(a.outcomes, b.outcomes):
            if not allowed(entry.relation, ln, oa.token_id, ob.token_id):
                continue
            paid = sum(
                leg.size or 0.0 for leg in opp.legs if leg.token_id in (oa.token_id, ob.token_id)
            )
            assert paid + 1e-6 >= opp.cost + opp.fees, (oa.name, ob.name, opp.id)
            assert paid + 1e-6 >= opp.size * (opp.guaranteed_payout or 0.0)
