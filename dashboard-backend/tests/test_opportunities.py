"""Binary opportunities: buy-both at the asks and split-and-sell at the bids."""

from __future__ import annotations

import pytest

from dashboard_backend.fees import FeeTable
from dashboard_backend.models import Leg, MarketDocument, Opportunity, OrderBook, Outcome
from dashboard_backend.opportunities import find_opportunities
from tests.opportunity_helpers import NO_FEES, NOW, binary, book


def test_buy_both_full_opportunity() -> None:
    doc = binary("m1", category="politics", event_id="e1")
    books = {
        "m1-Yes": book("m1-Yes", bids=[(0.40, 10)], asks=[(0.45, 100), (0.47, 100)]),
        "m1-No": book("m1-No", bids=[(0.50, 10)], asks=[(0.50, 150), (0.55, 500)]),
    }
    fees = FeeTable({"politics": 0.04}, default=0.05)
    # fee/share at 0.45: 0.04×0.45×0.55 = 0.0099; at 0.47: 0.04×0.47×0.53 = 0.009964;
    # at 0.50: 0.01; at 0.55: 0.0099.
    # step 1: 0.45+0.50, edge 1 − 0.95 − 0.0199 = 0.0301, q = 100
    # step 2: 0.47+0.50, edge 1 − 0.97 − 0.019964 = 0.010036, q = 50 (No level 1 used up)
    # step 3: 0.47+0.55 = 1.02: stop.
    # size 150; cost 100×0.45 + 50×0.47 + 150×0.50 = 45 + 23.5 + 75 = 143.5
    # fees 100×0.0099 + 50×0.009964 + 150×0.01 = 0.99 + 0.4982 + 1.5 = 2.9882
    # profit 150 − 143.5 − 2.9882 = 3.5118 (= 100×0.0301 + 50×0.010036)
    found = find_opportunities([doc], books, fees, NOW)
    assert set(found) == {"binary_buy_both:m1"}
    opp = found["binary_buy_both:m1"]
    assert opp == Opportunity(
        id="binary_buy_both:m1",
        kind="binary_buy_both",
        market_ids=("m1",),
        event_id="e1",
        title="Question m1?",
        category="politics",
        url="https://polymarket.com/event/m1",
        legs=(
            Leg(
                market_id="m1",
                token_id="m1-Yes",
                outcome="Yes",
                side="buy",
                best_price=0.45,
                avg_price=round(68.5 / 150, 6),
                worst_price=0.47,
            ),
            Leg(
                market_id="m1",
                token_id="m1-No",
                outcome="No",
                side="buy",
                best_price=0.50,
                avg_price=0.50,
                worst_price=0.50,
            ),
        ),
        edge=0.0301,
        avg_edge=round(3.5118 / 150, 6),
        size=150.0,
        cost=143.5,
        fees=2.9882,
        expected_profit=3.5118,
        detected_at=NOW,
    )
    # and it survives the JSON stored in Redis unchanged
    assert Opportunity.from_json(opp.to_json()) == opp


def test_outcomes_in_reversed_order_give_the_same_trade() -> None:
    yes_first = binary("m1", names=("Yes", "No"))
    no_first = binary("m1", names=("No", "Yes"))
    books = {
        "m1-Yes": book("m1-Yes", asks=[(0.30, 40)]),
        "m1-No": book("m1-No", asks=[(0.60, 25)]),
    }
    # 0.30 + 0.60 = 0.90 → edge 0.10 × 25 sets = 2.5; cost 25 × 0.9 = 22.5
    a = find_opportunities([yes_first], books, NO_FEES, NOW)["binary_buy_both:m1"]
    b = find_opportunities([no_first], books, NO_FEES, NOW)["binary_buy_both:m1"]
    for opp in (a, b):
        assert (opp.size, opp.cost, opp.expected_profit, opp.edge) == (25.0, 22.5, 2.5, 0.1)
    assert [leg.outcome for leg in b.legs] == ["No", "Yes"]
    assert {leg.token_id: leg.best_price for leg in b.legs} == {"m1-No": 0.60, "m1-Yes": 0.30}


def test_named_team_outcomes() -> None:
    doc = binary("g1", names=("Lakers", "Celtics"), category="sports")
    books = {
        "g1-Lakers": book("g1-Lakers", bids=[(0.52, 30)]),
        "g1-Celtics": book("g1-Celtics", bids=[(0.50, 20)]),
    }
    fees = FeeTable({"sports": 0.03}, default=0.05)
    # split-sell: 0.52 + 0.50 = 1.02; fees 0.03 × (0.52×0.48 + 0.25) = 0.03 × 0.4996 = 0.014988
    # edge 0.005012 × 20 sets = 0.10024; proceeds 20.4, collateral 20, fees 0.29976
    opp = find_opportunities([doc], books, fees, NOW)["binary_split_sell:g1"]
    assert opp.kind == "binary_split_sell"
    assert [leg.outcome for leg in opp.legs] == ["Lakers", "Celtics"]
    assert all(leg.side == "sell" for leg in opp.legs)
    assert opp.size == 20.0
    assert opp.cost == 20.0  # collateral locked by the split
    assert opp.fees == pytest.approx(0.29976, abs=1e-9)
    assert opp.expected_profit == pytest.approx(0.10024, abs=1e-9)
    assert opp.edge == pytest.approx(0.005012, abs=1e-9)


def test_split_sell_multi_level() -> None:
    doc = binary("m2")
    books = {
        "m2-Yes": book("m2-Yes", bids=[(0.62, 10), (0.58, 50), (0.40, 100)], asks=[(0.64, 10)]),
        "m2-No": book("m2-No", bids=[(0.45, 30), (0.43, 100)], asks=[(0.47, 10)]),
    }
    # buy-both: 0.64 + 0.47 = 1.11 → none.
    # sell: step 1 0.62+0.45 = 1.07 q=10; step 2 0.58+0.45 = 1.03 q=20 (No level 1 used up);
    # step 3 0.58+0.43 = 1.01 q=30 (Yes level 2 used up); step 4 0.40+0.43 = 0.83 stop.
    # size 60; proceeds Yes 10×0.62 + 50×0.58 = 35.2, No 30×0.45 + 30×0.43 = 26.4 → 61.6
    # profit 61.6 − 60 = 1.6 (= 10×0.07 + 20×0.03 + 30×0.01)
    found = find_opportunities([doc], books, NO_FEES, NOW)
    assert set(found) == {"binary_split_sell:m2"}
    opp = found["binary_split_sell:m2"]
    assert (opp.size, opp.cost, opp.fees) == (60.0, 60.0, 0.0)
    assert opp.expected_profit == pytest.approx(1.6, abs=1e-9)
    assert opp.edge == pytest.approx(0.07, abs=1e-9)
    yes, no = opp.legs
    assert (yes.best_price, yes.worst_price) == (0.62, 0.58)
    assert yes.avg_price == pytest.approx(35.2 / 60, abs=1e-6)
    assert (no.best_price, no.worst_price) == (0.45, 0.43)
    assert no.avg_price == pytest.approx(0.44, abs=1e-6)


def test_fees_turn_the_raw_edge_negative() -> None:
    doc = binary("m1", category="crypto")
    books = {
        "m1-Yes": book("m1-Yes", asks=[(0.48, 100)]),
        "m1-No": book("m1-No", asks=[(0.50, 100)]),
    }
    # raw edge 0.02 but crypto fees 0.07 × 0.4996 = 0.034972 per set
    assert find_opportunities([doc], books, FeeTable({"crypto": 0.07}, 0.05), NOW) == {}
    assert "binary_buy_both:m1" in find_opportunities([doc], books, NO_FEES, NOW)
    # a market's own stated rate overrides its category's
    own = binary("m1", category="crypto", fee_rate=0.0)
    assert find_opportunities([own], books, FeeTable({"crypto": 0.07}, 0.05), NOW)


def test_half_and_half_is_not_an_opportunity() -> None:
    doc = binary("m1")
    books = {
        "m1-Yes": book("m1-Yes", bids=[(0.5, 1000)], asks=[(0.5, 1000)]),
        "m1-No": book("m1-No", bids=[(0.5, 1000)], asks=[(0.5, 1000)]),
    }
    assert find_opportunities([doc], books, NO_FEES, NOW) == {}


def test_min_order_size_from_catalog_and_book() -> None:
    books = {
        "m1-Yes": book("m1-Yes", asks=[(0.40, 4)]),
        "m1-No": book("m1-No", asks=[(0.50, 100)]),
    }
    # only 4 sets executable
    assert find_opportunities([binary("m1", min_order_size=5.0)], books, NO_FEES, NOW) == {}
    opp = find_opportunities([binary("m1", min_order_size=4.0)], books, NO_FEES, NOW)
    assert opp["binary_buy_both:m1"].size == 4.0
    # the book's own minimum counts too, on either leg
    strict_no = dict(books, **{"m1-No": book("m1-No", asks=[(0.50, 100)], min_order_size=5.0)})
    assert find_opportunities([binary("m1")], strict_no, NO_FEES, NOW) == {}


@pytest.mark.parametrize(
    "books",
    [
        {"m1-Yes": book("m1-Yes", asks=[(0.40, 10)]), "m1-No": book("m1-No")},
        {"m1-Yes": book("m1-Yes"), "m1-No": book("m1-No", asks=[(0.40, 10)])},
        {"m1-Yes": book("m1-Yes", asks=[(0.40, 10)])},  # no book at all for No
        {},
    ],
)
def test_empty_or_missing_books(books: dict[str, OrderBook]) -> None:
    assert find_opportunities([binary("m1")], books, NO_FEES, NOW) == {}


def test_market_not_accepting_orders_is_skipped() -> None:
    books = {
        "m1-Yes": book("m1-Yes", asks=[(0.40, 10)]),
        "m1-No": book("m1-No", asks=[(0.40, 10)]),
    }
    assert find_opportunities([binary("m1", accepting_orders=False)], books, NO_FEES, NOW) == {}
    assert find_opportunities([binary("m1")], books, NO_FEES, NOW)


def test_non_binary_market_has_no_binary_kinds() -> None:
    doc = MarketDocument(
        id="m3",
        condition_id="0x3",
        question="Three ways?",
        outcomes=tuple(Outcome(name=n, token_id=f"m3-{n}") for n in ("A", "B", "C")),
    )
    books = {f"m3-{n}": book(f"m3-{n}", asks=[(0.2, 10)]) for n in ("A", "B", "C")}
    assert find_opportunities([doc], books, NO_FEES, NOW) == {}


def test_min_profit_filter() -> None:
    books = {
        "m1-Yes": book("m1-Yes", asks=[(0.45, 10)]),
        "m1-No": book("m1-No", asks=[(0.50, 10)]),
    }
    # profit 10 × 0.05 = 0.5
    doc = binary("m1")
    assert find_opportunities([doc], books, NO_FEES, NOW, min_profit=0.5)
    assert find_opportunities([doc], books, NO_FEES, NOW, min_profit=0.51) == {}


def test_both_kinds_on_one_crossed_market() -> None:
    # A crossed/stale state where both trades lock a profit at once.
    books = {
        "m1-Yes": book("m1-Yes", bids=[(0.60, 10)], asks=[(0.40, 10)]),
        "m1-No": book("m1-No", bids=[(0.50, 10)], asks=[(0.50, 10)]),
    }
    found = find_opportunities([binary("m1")], books, NO_FEES, NOW)
    assert found["binary_buy_both:m1"].expected_profit == pytest.approx(1.0)
    assert found["binary_split_sell:m1"].expected_profit == pytest.approx(1.0)


def test_detected_at_and_duplicates() -> None:
    books = {
        "m1-Yes": book("m1-Yes", asks=[(0.45, 10)]),
        "m1-No": book("m1-No", asks=[(0.50, 10)]),
    }
    doc = binary("m1")
    found = find_opportunities([doc, doc], books, NO_FEES, NOW)
    assert list(found) == ["binary_buy_both:m1"]
    assert found["binary_buy_both:m1"].detected_at == NOW
