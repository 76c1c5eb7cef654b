"""negRisk buy-all-YES opportunities: sizing, completeness and the augmented "Other" trap."""

from __future__ import annotations

import pytest

from dashboard_backend.fees import FeeTable
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.opportunities import find_opportunities
from tests.opportunity_helpers import NO_FEES, NOW, book, negrisk_event


def _yes_books(asks: dict[str, list[tuple[float, float]]]) -> dict[str, OrderBook]:
    """YES asks per market id; NO books left empty (they play no part in buy-all)."""
    books: dict[str, OrderBook] = {}
    for market_id, levels in asks.items():
        books[f"{market_id}-Yes"] = book(f"{market_id}-Yes", asks=levels)
        books[f"{market_id}-No"] = book(f"{market_id}-No")
    return books


BOOKS = _yes_books(
    {
        "a": [(0.30, 50), (0.33, 100)],
        "b": [(0.25, 80)],
        "c": [(0.40, 30), (0.41, 200)],
    }
)


def test_buy_all_yes_walks_every_book() -> None:
    markets = negrisk_event(["a", "b", "c"], category="politics")
    # step 1: 0.30+0.25+0.40 = 0.95 → edge 0.05, q = min(50, 80, 30) = 30 (c level 1 used up)
    # step 2: 0.30+0.25+0.41 = 0.96 → edge 0.04, q = min(20, 50, 200) = 20 (a level 1 used up)
    # step 3: 0.33+0.25+0.41 = 0.99 → edge 0.01, q = min(100, 30, 180) = 30 (b used up: end)
    # size 80; cost a 50×0.30 + 30×0.33 = 24.9, b 80×0.25 = 20, c 30×0.40 + 50×0.41 = 32.5
    # total 77.4; profit 80 − 77.4 = 2.6 (= 30×0.05 + 20×0.04 + 30×0.01)
    found = find_opportunities(markets, BOOKS, NO_FEES, NOW)
    assert set(found) == {"negrisk_buy_all:0xneg"}
    opp = found["negrisk_buy_all:0xneg"]
    assert opp.kind == "negrisk_buy_all"
    assert opp.market_ids == ("a", "b", "c")
    assert opp.event_id == "ev1"
    assert opp.title == "Who will win?"
    assert opp.category == "politics"
    assert (opp.size, opp.cost, opp.fees) == (80.0, 77.4, 0.0)
    assert opp.expected_profit == pytest.approx(2.6, abs=1e-9)
    assert opp.edge == pytest.approx(0.05, abs=1e-9)
    assert opp.avg_edge == pytest.approx(2.6 / 80, abs=1e-6)
    assert [(leg.market_id, leg.token_id, leg.outcome, leg.side) for leg in opp.legs] == [
        ("a", "a-Yes", "Yes", "buy"),
        ("b", "b-Yes", "Yes", "buy"),
        ("c", "c-Yes", "Yes", "buy"),
    ]
    assert [(leg.best_price, leg.worst_price) for leg in opp.legs] == [
        (0.30, 0.33),
        (0.25, 0.25),
        (0.40, 0.41),
    ]
    assert opp.legs[0].avg_price == pytest.approx(24.9 / 80, abs=1e-6)


def test_per_market_fee_rates() -> None:
    # a and b 0 %, c 7 %: fee/share at 0.40 = 0.07×0.24 = 0.0168, at 0.41 = 0.07×0.2419 = 0.016933
    # step 1: edge 0.05 − 0.0168 = 0.0332, q = 30
    # step 2: edge 0.04 − 0.016933 = 0.023067, q = 20
    # step 3: edge 0.01 − 0.016933 < 0: stop. size 50
    # cost 50×0.30 + 50×0.25 + 30×0.40 + 20×0.41 = 15 + 12.5 + 12 + 8.2 = 47.7
    # fees 30×0.0168 + 20×0.016933 = 0.504 + 0.33866 = 0.84266; profit 50 − 47.7 − 0.84266 = 1.45734
    markets = negrisk_event(["a", "b"], listed=["a", "b", "c"], fee_rate=0.0)
    markets += negrisk_event(["c"], listed=["a", "b", "c"], fee_rate=0.07)
    opp = find_opportunities(markets, BOOKS, NO_FEES, NOW)["negrisk_buy_all:0xneg"]
    assert opp.size == 50.0
    assert opp.cost == pytest.approx(47.7, abs=1e-9)
    assert opp.fees == pytest.approx(0.84266, abs=1e-9)
    assert opp.expected_profit == pytest.approx(1.45734, abs=1e-9)
    assert opp.edge == pytest.approx(0.0332, abs=1e-9)


def test_augmented_event_is_never_reported() -> None:
    # Σ ask_yes = 0.95 looks like a 5 % edge, but the implicit "Other" outcome may win.
    markets = negrisk_event(["a", "b", "c"], neg_risk_augmented=True)
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}
    # one augmented member is enough to taint the group
    markets = negrisk_event(["a", "b", "c"])
    markets[1] = markets[1].model_copy(update={"neg_risk_augmented": True})
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}


def test_group_with_other_placeholder_is_skipped() -> None:
    markets = negrisk_event(["a", "b", "c"])
    markets[2] = markets[2].model_copy(update={"neg_risk_other": True})
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}


def test_incomplete_membership_is_skipped() -> None:
    # The event lists a fourth open market we do not have: buying three YES does not lock $1.
    markets = negrisk_event(["a", "b", "c"], listed=["a", "b", "c", "d"])
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}
    # Only part of the group handed in (e.g. a subset recomputed without affected_markets).
    assert find_opportunities(negrisk_event(["a", "b", "c"])[:2], BOOKS, NO_FEES, NOW) == {}


def test_unknown_membership_is_skipped() -> None:
    markets = negrisk_event(["a", "b", "c"], listed=[])
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}
    markets = negrisk_event(["a", "b", "c"])
    markets[0] = markets[0].model_copy(update={"event_market_ids": ()})
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}


def test_member_outside_the_listed_set_is_skipped() -> None:
    # d claims the group but nobody lists it (stale listing): the set is not provably complete.
    markets = negrisk_event(["a", "b", "c"]) + negrisk_event(["d"], listed=["a", "b", "c"])
    books = dict(BOOKS, **_yes_books({"d": [(0.01, 100)]}))
    assert "negrisk_buy_all:0xneg" not in find_opportunities(markets, books, NO_FEES, NOW)


def test_single_market_group_is_not_an_opportunity() -> None:
    markets = negrisk_event(["a"])
    books = _yes_books({"a": [(0.50, 100)]})
    assert find_opportunities(markets, books, NO_FEES, NOW) == {}


def test_member_with_empty_yes_asks_or_closed_is_skipped() -> None:
    books = dict(BOOKS, **_yes_books({"c": []}))
    assert find_opportunities(negrisk_event(["a", "b", "c"]), books, NO_FEES, NOW) == {}
    markets = negrisk_event(["a", "b", "c"])
    markets[0] = markets[0].model_copy(update={"accepting_orders": False})
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}


def test_yes_leg_found_by_name_not_position() -> None:
    markets = negrisk_event(["a", "b", "c"])
    flipped = markets[1].model_copy(update={"outcomes": tuple(reversed(markets[1].outcomes))})
    markets[1] = flipped
    opp = find_opportunities(markets, BOOKS, NO_FEES, NOW)["negrisk_buy_all:0xneg"]
    assert [leg.token_id for leg in opp.legs] == ["a-Yes", "b-Yes", "c-Yes"]
    assert opp.expected_profit == pytest.approx(2.6, abs=1e-9)


def test_sum_of_one_is_not_an_opportunity() -> None:
    books = _yes_books({"a": [(0.5, 100)], "b": [(0.3, 100)], "c": [(0.2, 100)]})
    assert find_opportunities(negrisk_event(["a", "b", "c"]), books, NO_FEES, NOW) == {}


def test_group_key_falls_back_to_event_id() -> None:
    markets = negrisk_event(["a", "b", "c"], group="", event_id="ev9")
    markets = [m.model_copy(update={"neg_risk_market_id": None}) for m in markets]
    assert set(find_opportunities(markets, BOOKS, NO_FEES, NOW)) == {"negrisk_buy_all:ev9"}


def test_two_events_are_judged_separately() -> None:
    first = negrisk_event(["a", "b", "c"])
    second = negrisk_event(["x", "y"], group="0xother", event_id="ev2")
    books = dict(BOOKS, **_yes_books({"x": [(0.6, 10)], "y": [(0.5, 10)]}))
    # the second event sums to 1.10: nothing there
    assert set(find_opportunities(first + second, books, NO_FEES, NOW)) == {"negrisk_buy_all:0xneg"}


def test_min_order_size_applies_to_every_leg() -> None:
    markets = negrisk_event(["a", "b"], listed=["a", "b", "c"])
    markets += negrisk_event(["c"], listed=["a", "b", "c"], min_order_size=100.0)
    # 80 sets executable, c demands 100
    assert find_opportunities(markets, BOOKS, NO_FEES, NOW) == {}


def test_binary_kinds_still_apply_to_negrisk_members() -> None:
    markets: list[MarketDocument] = negrisk_event(["a", "b"], neg_risk_augmented=True)
    books = {
        "a-Yes": book("a-Yes", asks=[(0.40, 10)]),
        "a-No": book("a-No", asks=[(0.55, 10)]),
        "b-Yes": book("b-Yes", asks=[(0.70, 10)]),
        "b-No": book("b-No", asks=[(0.40, 10)]),
    }
    found = find_opportunities(markets, books, FeeTable({}, 0.0), NOW)
    assert set(found) == {"binary_buy_both:a"}
