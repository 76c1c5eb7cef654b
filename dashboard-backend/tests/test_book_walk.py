"""Walking N order books: hand-computed walks and a brute-force property check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.book_walk import EDGE_EPSILON, Side, marginal_edge, walk_books
from dashboard_backend.fees import taker_fee
from dashboard_backend.models import BookLevel


def lv(*levels: tuple[float, float]) -> tuple[BookLevel, ...]:
    """Levels from (price, size) pairs, in the order given (best first)."""
    return tuple(BookLevel(price=p, size=s) for p, s in levels)


def test_single_level_buy() -> None:
    # 0.45 + 0.50 = 0.95 → edge 0.05/set; size = min(100, 60) = 60;
    # cost = 60 × 0.95 = 57; profit = 60 − 57 = 3.
    walk = walk_books((lv((0.45, 100)), lv((0.50, 60))), (0.0, 0.0), "buy")
    assert walk is not None
    assert walk.size == pytest.approx(60)
    assert walk.edge == pytest.approx(0.05)
    assert walk.notional == pytest.approx(57)
    assert walk.fees == 0
    assert walk.profit == pytest.approx(3)
    assert walk.steps == 1
    assert [leg.avg_price for leg in walk.legs] == pytest.approx([0.45, 0.50])


def test_multi_level_walk_stops_when_edge_dies_mid_book() -> None:
    a = lv((0.40, 50), (0.45, 100), (0.55, 100))
    b = lv((0.50, 80), (0.52, 100))
    # step 1: 0.40+0.50 → edge 0.10, q = min(50, 80) = 50   (A level 1 used up, B 30 left)
    # step 2: 0.45+0.50 → edge 0.05, q = min(100, 30) = 30  (B level 1 used up, A 70 left)
    # step 3: 0.45+0.52 → edge 0.03, q = min(70, 100) = 70  (A level 2 used up)
    # step 4: 0.55+0.52 = 1.07 → edge −0.07: stop.
    # size 150; A pays 50×0.40 + 100×0.45 = 65; B pays 80×0.50 + 70×0.52 = 76.4
    # profit = 150 − 141.4 = 8.6 = 50×0.10 + 30×0.05 + 70×0.03
    walk = walk_books((a, b), (0.0, 0.0), "buy")
    assert walk is not None
    assert walk.size == pytest.approx(150)
    assert walk.steps == 3
    assert walk.edge == pytest.approx(0.10)
    assert walk.notional == pytest.approx(141.4)
    assert walk.profit == pytest.approx(8.6)
    leg_a, leg_b = walk.legs
    assert (leg_a.best_price, leg_a.worst_price) == (0.40, 0.45)
    assert (leg_b.best_price, leg_b.worst_price) == (0.50, 0.52)
    assert leg_a.notional == pytest.approx(65)
    assert leg_b.notional == pytest.approx(76.4)
    assert leg_a.avg_price == pytest.approx(65 / 150)
    assert leg_b.avg_price == pytest.approx(76.4 / 150)


def test_fees_turn_a_raw_edge_negative() -> None:
    # raw 1 − 0.48 − 0.50 = 0.02; fees 0.07 × (0.48×0.52 + 0.5×0.5) = 0.07 × 0.4996 = 0.034972
    # → edge −0.014972: nothing to do.
    books = (lv((0.48, 100)), lv((0.50, 100)))
    assert walk_books(books, (0.07, 0.07), "buy") is None
    # At 3 %: fees 0.03 × 0.4996 = 0.014988/set → edge 0.005012; 100 sets:
    # fees 1.4988, profit 100 − 98 − 1.4988 = 0.5012.
    walk = walk_books(books, (0.03, 0.03), "buy")
    assert walk is not None
    assert walk.size == pytest.approx(100)
    assert walk.edge == pytest.approx(0.005012)
    assert walk.fees == pytest.approx(1.4988)
    assert walk.profit == pytest.approx(0.5012)
    assert [leg.fees for leg in walk.legs] == pytest.approx([100 * 0.03 * 0.48 * 0.52, 0.75])


def test_fees_stop_the_walk_before_the_raw_edge_does() -> None:
    a = lv((0.45, 10), (0.49, 10))
    b = lv((0.50, 20))
    # step 1: raw 0.05, fees 0.04 × (0.45×0.55 + 0.25) = 0.04 × 0.4975 = 0.0199 → 0.0301 ✓, q=10
    # step 2: raw 0.01, fees 0.04 × (0.49×0.51 + 0.25) = 0.04 × 0.4999 = 0.019996 → −0.009996 ✗
    # size 10, cost 9.5, fees 0.199, profit 0.301
    walk = walk_books((a, b), (0.04, 0.04), "buy")
    assert walk is not None
    assert walk.size == pytest.approx(10)
    assert walk.notional == pytest.approx(9.5)
    assert walk.fees == pytest.approx(0.199)
    assert walk.profit == pytest.approx(0.301)
    assert walk.legs[0].worst_price == 0.45


def test_sell_walk_stops_at_exactly_one_dollar() -> None:
    a = lv((0.55, 40), (0.50, 100))
    b = lv((0.50, 100), (0.48, 100))
    # step 1: 0.55 + 0.50 = 1.05 → edge 0.05, q = 40; step 2: 0.50 + 0.50 = 1.00 → stop.
    # proceeds 40 × 1.05 = 42, collateral 40, profit 2.
    walk = walk_books((a, b), (0.0, 0.0), "sell")
    assert walk is not None
    assert walk.side == "sell"
    assert walk.size == pytest.approx(40)
    assert walk.notional == pytest.approx(42)
    assert walk.profit == pytest.approx(2)
    assert walk.steps == 1


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_half_and_half_is_not_an_opportunity(side: Side) -> None:
    books = (lv((0.5, 1000)), lv((0.5, 1000)))
    assert walk_books(books, (0.0, 0.0), side) is None


def test_float_noise_is_not_an_edge() -> None:
    # In floats 1 − (0.06 + 0.57 + 0.37) = 1.1e-16 > 0 and 0.33 + 0.56 + 0.11 − 1 = 2.2e-16 > 0.
    zero = (0.0, 0.0, 0.0)
    assert marginal_edge((0.06, 0.57, 0.37), zero, "buy") > 0
    books = (lv((0.06, 10)), lv((0.57, 10)), lv((0.37, 10)))
    assert walk_books(books, zero, "buy") is None
    assert marginal_edge((0.33, 0.56, 0.11), zero, "sell") > 0
    books = (lv((0.33, 10)), lv((0.56, 10)), lv((0.11, 10)))
    assert walk_books(books, zero, "sell") is None


def test_empty_side_or_missing_leg_gives_nothing() -> None:
    assert walk_books((lv((0.4, 10)), ()), (0.0, 0.0), "buy") is None
    assert walk_books(((), lv((0.4, 10))), (0.0, 0.0), "buy") is None
    assert walk_books((), (), "buy") is None
    assert walk_books((lv((0.4, 10)), lv((0.4, 10))), (0.0,), "buy") is None


def test_zero_size_levels_are_skipped() -> None:
    # The 0.30 level holds nothing, so the walk starts at 0.45: 0.45 + 0.50 → 0.05 × 10 = 0.5.
    a = lv((0.30, 0), (0.45, 10))
    b = lv((0.50, 10))
    walk = walk_books((a, b), (0.0, 0.0), "buy")
    assert walk is not None
    assert walk.legs[0].best_price == 0.45
    assert walk.profit == pytest.approx(0.5)
    assert walk_books((lv((0.30, 0)), b), (0.0, 0.0), "buy") is None


def test_walk_ends_when_a_book_runs_out() -> None:
    # A has only 5 shares; B is deep. Still profitable after A is exhausted, but nothing to pair.
    walk = walk_books((lv((0.10, 5)), lv((0.20, 1000))), (0.0, 0.0), "buy")
    assert walk is not None
    assert walk.size == pytest.approx(5)
    assert walk.profit == pytest.approx(5 * 0.70)


def test_three_legs_with_per_leg_rates() -> None:
    a = lv((0.30, 20), (0.32, 50))
    b = lv((0.30, 30))
    c = lv((0.30, 100))
    rates = (0.0, 0.04, 0.07)
    # step 1 at 0.30/0.30/0.30: fee/set = 0.04×0.21 + 0.07×0.21 = 0.0231 → edge 0.0769, q = 20
    # step 2 at 0.32/0.30/0.30: edge 1 − 0.92 − 0.0231 = 0.0569, q = min(50, 10, 80) = 10
    # then B runs out. size 30; cost 20×0.9 + 10×0.92 = 27.2; fees 30 × 0.0231 = 0.693
    # profit 30 − 27.2 − 0.693 = 2.107
    walk = walk_books((a, b, c), rates, "buy")
    assert walk is not None
    assert walk.size == pytest.approx(30)
    assert walk.notional == pytest.approx(27.2)
    assert walk.fees == pytest.approx(0.693)
    assert walk.profit == pytest.approx(2.107)
    assert walk.legs[0].fees == 0
    assert walk.legs[0].avg_price == pytest.approx((20 * 0.30 + 10 * 0.32) / 30)


# --- property: the walk equals a share-by-share brute force ---------------------------------

RATES = st.sampled_from([0.0, 0.02, 0.03, 0.05, 0.07, 0.25])


@st.composite
def walk_case(draw: st.DrawFn) -> tuple[Side, list[list[tuple[int, int]]], list[float]]:
    """Books in whole cents and whole shares, sorted best-first for the side."""
    side: Side = draw(st.sampled_from(["buy", "sell"]))
    n_legs = draw(st.integers(2, 4))
    books: list[list[tuple[int, int]]] = []
    for _ in range(n_legs):
        levels = draw(
            st.lists(st.tuples(st.integers(1, 99), st.integers(0, 12)), min_size=0, max_size=5)
        )
        # asks ascending, bids descending (duplicate prices allowed, as a parser might leave)
        levels.sort(key=lambda lv: lv[0], reverse=side == "sell")
        books.append(levels)
    rates = [draw(RATES) for _ in range(n_legs)]
    return side, books, rates


def _brute_force(
    side: Side, books: list[list[tuple[int, int]]], rates: list[float]
) -> tuple[int, float, list[float]]:
    """Expand every book to one price per share and take sets while each set is profitable."""
    shares = [[cents / 100 for cents, size in book for _ in range(size)] for book in books]
    size = 0
    profit = 0.0
    edges: list[float] = []
    for k in range(min(len(s) for s in shares)):
        prices = [s[k] for s in shares]
        fee = sum(taker_fee(1.0, p, r) for p, r in zip(prices, rates, strict=True))
        edge = (1.0 - sum(prices) - fee) if side == "buy" else (sum(prices) - fee - 1.0)
        if edge <= EDGE_EPSILON:
            break
        size += 1
        profit += edge
        edges.append(edge)
    return size, profit, edges


@settings(max_examples=400, deadline=None)
@given(walk_case())
def test_walk_matches_brute_force(
    case: tuple[Side, list[list[tuple[int, int]]], list[float]],
) -> None:
    side, books, rates = case
    levels = [lv(*((c / 100, float(s)) for c, s in book)) for book in books]
    walk = walk_books(levels, rates, side)
    size, profit, edges = _brute_force(side, books, rates)
    if size == 0:
        assert walk is None
        return
    assert walk is not None
    assert walk.size == pytest.approx(size)
    assert walk.profit == pytest.approx(profit, abs=1e-9)
    assert walk.profit > 0
    assert walk.edge == pytest.approx(edges[0], abs=1e-12)
    # every step taken had a positive marginal edge: the last set (at the worst prices) did
    worst = [leg.worst_price for leg in walk.legs]
    assert marginal_edge(worst, rates, side) > EDGE_EPSILON
    # the walk's totals are consistent with its legs
    assert walk.notional == pytest.approx(sum(leg.notional for leg in walk.legs))
    assert walk.fees == pytest.approx(sum(leg.fees for leg in walk.legs))
    for leg in walk.legs:
        lo, hi = sorted((leg.best_price, leg.worst_price))
        assert lo - 1e-12 <= leg.avg_price <= hi + 1e-12
