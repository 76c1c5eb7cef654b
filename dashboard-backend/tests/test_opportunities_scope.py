"""Opportunity ids and scopes: what a partial recomputation must cover to diff exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.fees import FeeTable
from dashboard_backend.models import MarketDocument, OrderBook, Outcome
from dashboard_backend.opportunities import (
    CatalogIndex,
    affected_markets,
    find_opportunities,
    negrisk_group_key,
    opportunity_ids_for,
)
from tests.opportunity_helpers import NO_FEES, NOW, binary, book, negrisk_event


def test_ids_for_binary_nonbinary_and_negrisk() -> None:
    three_way = MarketDocument(
        id="t",
        condition_id="0xt",
        question="?",
        outcomes=tuple(Outcome(name=n, token_id=f"t-{n}") for n in "ABC"),
    )
    markets = [binary("m1"), three_way, *negrisk_event(["a", "b"])]
    assert opportunity_ids_for(markets) == {
        "binary_buy_both:m1",
        "binary_split_sell:m1",
        "binary_buy_both:a",
        "binary_split_sell:a",
        "binary_buy_both:b",
        "binary_split_sell:b",
        "negrisk_buy_all:0xneg",
    }
    assert opportunity_ids_for([]) == set()


def test_found_ids_are_within_the_declared_ids() -> None:
    markets = [binary("m1"), *negrisk_event(["a", "b"])]
    books = {
        "m1-Yes": book("m1-Yes", asks=[(0.4, 10)], bids=[(0.7, 10)]),
        "m1-No": book("m1-No", asks=[(0.4, 10)], bids=[(0.7, 10)]),
        "a-Yes": book("a-Yes", asks=[(0.4, 10)]),
        "b-Yes": book("b-Yes", asks=[(0.4, 10)]),
    }
    found = find_opportunities(markets, books, NO_FEES, NOW)
    assert set(found) == {
        "binary_buy_both:m1",
        "binary_split_sell:m1",
        "negrisk_buy_all:0xneg",
    }
    assert set(found) <= opportunity_ids_for(markets)


def test_group_key() -> None:
    assert negrisk_group_key(binary("m1")) is None
    assert negrisk_group_key(binary("m1", neg_risk=True, event_id="e")) == "e"
    doc = binary("m1", neg_risk=True, neg_risk_market_id="0xg", event_id="e")
    assert negrisk_group_key(doc) == "0xg"


def test_affected_markets_expand_to_the_whole_group() -> None:
    catalog = {m.id: m for m in [binary("m1"), binary("m2"), *negrisk_event(["a", "b", "c"])]}
    index = CatalogIndex(catalog.values())
    for source in (catalog, index):
        assert {m.id for m in affected_markets(["b"], source)} == {"a", "b", "c"}
        assert {m.id for m in affected_markets(["m1"], source)} == {"m1"}
        assert {m.id for m in affected_markets(["m2", "c", "gone"], source)} == {
            "m2",
            "a",
            "b",
            "c",
        }
        assert affected_markets([], source) == []


def test_affected_markets_include_members_nobody_lists() -> None:
    # d shares the group key but is missing from the listings: it must still be recomputed with
    # the group, or the subset would judge the group complete while the full catalog does not.
    members = negrisk_event(["a", "b", "c"]) + negrisk_event(["d"], listed=["a", "b", "c"])
    catalog = {m.id: m for m in members}
    assert {m.id for m in affected_markets(["a"], catalog)} == {"a", "b", "c", "d"}


# --- property: recomputing affected markets equals recomputing the whole catalog ------------


@st.composite
def catalog_case(
    draw: st.DrawFn,
) -> tuple[dict[str, MarketDocument], dict[str, OrderBook], list[str], FeeTable]:
    """A few binaries and negRisk groups (some incomplete or augmented) with random books."""
    markets: list[MarketDocument] = []
    for i in range(draw(st.integers(0, 3))):
        markets.append(binary(f"s{i}", min_order_size=draw(st.sampled_from([None, 1.0, 5.0]))))
    for g in range(draw(st.integers(0, 3))):
        ids = [f"g{g}m{j}" for j in range(draw(st.integers(1, 4)))]
        listed = ids + (["missing"] if draw(st.booleans()) and draw(st.booleans()) else [])
        augmented = draw(st.integers(0, 4)) == 0
        markets += negrisk_event(
            ids,
            group=f"0xg{g}",
            event_id=f"e{g}",
            listed=listed,
            neg_risk_augmented=augmented,
            category=draw(st.sampled_from(["crypto", "sports", None])),
        )
    level = st.tuples(st.integers(1, 99).map(lambda c: c / 100), st.integers(0, 20).map(float))
    cheap = st.tuples(st.integers(1, 45).map(lambda c: c / 100), st.integers(0, 20).map(float))
    books: dict[str, OrderBook] = {}
    for m in markets:
        for o in m.outcomes:
            bids = sorted(draw(st.lists(level, max_size=3)), reverse=True)
            # cheap YES asks in negRisk groups, so complete sets under $1 actually occur
            asks = sorted(draw(st.lists(cheap if m.neg_risk else level, max_size=3)))
            books[o.token_id] = book(o.token_id, bids=bids, asks=asks)
    ids_all = [m.id for m in markets]
    changed = draw(st.lists(st.sampled_from(ids_all), max_size=3)) if ids_all else []
    fees = FeeTable({"crypto": 0.07, "sports": 0.03}, default=draw(st.sampled_from([0.0, 0.05])))
    return {m.id: m for m in markets}, books, changed, fees


@settings(max_examples=150, deadline=None)
@given(catalog_case())
def test_partial_recompute_matches_full(
    case: tuple[dict[str, MarketDocument], dict[str, OrderBook], list[str], FeeTable],
) -> None:
    catalog, books, changed, fees = case
    full = find_opportunities(catalog.values(), books, fees, NOW)
    scope_markets = affected_markets(changed, catalog)
    scope = opportunity_ids_for(scope_markets)
    partial = find_opportunities(scope_markets, books, fees, NOW)
    assert set(partial) <= scope
    assert partial == {k: v for k, v in full.items() if k in scope}
    for opp in full.values():
        assert opp.expected_profit > 0
        assert opp.edge > 0
        assert opp.size > 0
        assert opp.cost > 0
        assert opp.fees >= 0
        assert not (opp.kind == "negrisk_buy_all" and catalog[opp.market_ids[0]].neg_risk_augmented)
        for market_id in opp.market_ids:
            assert opp.size >= (catalog[market_id].min_order_size or 0.0)
