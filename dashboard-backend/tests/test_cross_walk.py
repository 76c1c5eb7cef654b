"""The joint portfolio walk: venue fees with per-order rounding, minimums, size steps, ticks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.book_walk import walk_books
from dashboard_backend.cross.walk import Source, walk_portfolio
from dashboard_backend.fees import FeeSchedule
from dashboard_backend.models import BookLevel

POLY = FeeSchedule.polymarket(0.04)
KALSHI = FeeSchedule.kalshi()


def lv(*levels: tuple[float, float]) -> tuple[BookLevel, ...]:
    return tuple(BookLevel(price=p, size=s) for p, s in levels)


def src(levels: tuple[BookLevel, ...], fees: FeeSchedule = POLY, **terms: float) -> Source:
    return Source(asks=levels, fees=fees, **terms)


def test_proportional_fees_size_exactly_like_the_intra_market_walk() -> None:
    a = lv((0.40, 50), (0.45, 100), (0.55, 100))
    b = lv((0.50, 80), (0.52, 100))
    fill = walk_portfolio([[src(a)], [src(b)]])
    walk = walk_books((a, b), (0.04, 0.04), "buy")
    assert fill is not None
    assert walk is not None
    assert fill.size == pytest.approx(walk.size)
    assert fill.notional == pytest.approx(walk.notional)
    assert fill.fees == pytest.approx(walk.fees)
    assert fill.profit == pytest.approx(walk.profit)
    assert fill.edge == pytest.approx(walk.edge)


def test_kalshi_and_polymarket_legs_hand_computed() -> None:
    # Kalshi YES 0.41 × 300 (fee/contract 0.07 × 0.41 × 0.59 = 0.016933), Polymarket NO 0.55 × 200
    # then 0.56 (fee 0.04 × p × (1 − p)). Step 1: 0.41 + 0.55 + 0.016933 + 0.0099 = 0.986833
    # → 200 sets. Step 2: 0.41 + 0.56 + 0.016933 + 0.009856 = 0.996789 → 100 more. Step 3
    # (Kalshi 0.43) loses. At 300: Kalshi raw fee 5.0799 → 5.08 charged; Polymarket 2.9656.
    # cost 123 + 166 = 289; profit 300 − 289 − 5.08 − 2.9656 = 2.9544.
    k = src(lv((0.41, 300), (0.43, 500)), KALSHI, min_size=1, size_step=1, tick=0.01)
    p = src(lv((0.55, 200), (0.56, 500)), POLY, min_size=5, size_step=0.01, tick=0.01)
    fill = walk_portfolio([[k], [p]])
    assert fill is not None
    assert fill.size == pytest.approx(300)
    assert [f.fee for f in fill.fills] == pytest.approx([5.08, 2.9656])
    assert fill.notional == pytest.approx(289)
    assert fill.profit == pytest.approx(2.9544)
    assert fill.fills[1].worst_price == 0.56
    assert fill.fills[1].avg_price == pytest.approx(166 / 300)


def test_rounded_fee_trims_shares_that_only_buy_another_cent_of_fee() -> None:
    # One Kalshi leg at 0.50 (raw fee 0.0175/contract) and a fee-free leg at 0.48: the raw
    # marginal edge is 1 − 0.98 − 0.0175 = 0.0025 per set, 4 contracts deep.
    #   size 1: fee 0.02 → profit 0.02 − 0.02 = 0.000  (not reported alone)
    #   size 2: fee 0.04 (0.035 rounded up) → 0.04 − 0.04 = 0
    #   size 3: fee 0.06 (0.0525) → 0.06 − 0.06 = 0
    #   size 4: fee 0.07 → 0.08 − 0.07 = 0.01
    k = src(lv((0.50, 4)), KALSHI, size_step=1)
    free = src(lv((0.48, 100)), FeeSchedule.polymarket(0.0))
    fill = walk_portfolio([[k], [free]])
    assert fill is not None
    assert fill.size == pytest.approx(4)
    assert fill.fees == pytest.approx(0.07)
    assert fill.profit == pytest.approx(0.01)
    # Three contracts only: the rounding eats the whole edge, so nothing is reported.
    assert walk_portfolio([[src(lv((0.50, 3)), KALSHI, size_step=1)], [free]]) is None


def test_rounding_can_make_a_smaller_size_the_best() -> None:
    # Kalshi leg at 0.10 (raw fee 0.0063/contract); free leg at 0.88 for 3, then 0.8937 for 10:
    #   edge 1 − 0.98 − 0.0063 = 0.0137 for 3 sets; then 1 − 0.9937 − 0.0063 = 0 → stop.
    # So S_max = 3: fee 0.0189 → 0.02, profit 3 × 0.02 − 0.02 = 0.04.
    # At 1: fee 0.01, profit 0.01; at 2: 0.0126 → 0.02, profit 0.02. Best is 3.
    k = src(lv((0.10, 50)), KALSHI, size_step=1)
    free = src(lv((0.88, 3), (0.8937, 10)), FeeSchedule.polymarket(0.0))
    fill = walk_portfolio([[k], [free]])
    assert fill is not None
    assert fill.size == pytest.approx(3)
    assert fill.profit == pytest.approx(0.04)
    # With 1.6 shares at 0.88 and a tick-size lot of 1, only 1 set: fee 0.01, profit 0.01.
    thin = src(lv((0.88, 1.6), (0.95, 10)), FeeSchedule.polymarket(0.0))
    fill = walk_portfolio([[k], [thin]])
    assert fill is not None
    assert fill.size == pytest.approx(1)
    assert fill.profit == pytest.approx(0.01)


def test_top_of_book_edge_below_a_legs_minimum_is_not_reported() -> None:
    # 3 shares of edge at the top, then nothing: Polymarket's minimum order is 5 shares.
    a = src(lv((0.40, 3), (0.70, 100)), POLY, min_size=5)
    b = src(lv((0.50, 100)), POLY, min_size=5)
    assert walk_portfolio([[a], [b]]) is None
    # With 6 shares at the top the same trade is reported, at 6.
    a6 = src(lv((0.40, 6), (0.70, 100)), POLY, min_size=5)
    fill = walk_portfolio([[a6], [b]])
    assert fill is not None
    assert fill.size == pytest.approx(6)


def test_size_is_floored_to_the_coarsest_step() -> None:
    a = src(lv((0.40, 7.5)), KALSHI, size_step=1)
    b = src(lv((0.50, 100)), POLY, size_step=0.01)
    fill = walk_portfolio([[a], [b]])
    assert fill is not None
    assert fill.size == pytest.approx(7)


def test_limit_price_is_on_the_tick_grid() -> None:
    # An off-grid level (0.415 on a 0.01 tick) gets a limit of 0.42, never a sub-tick price.
    a = src(lv((0.415, 10)), POLY, tick=0.01)
    b = src(lv((0.50, 10)), POLY, tick=0.001)
    fill = walk_portfolio([[a], [b]])
    assert fill is not None
    assert [f.limit_price for f in fill.fills] == [0.42, 0.5]


def test_several_sources_per_slot_take_the_cheapest_after_fees() -> None:
    # Slot 1 can be bought on Kalshi at 0.30 (fee 0.0147/contract → net 0.3147) or Polymarket
    # at 0.31 (fee 0.04 × 0.2139 = 0.008556 → net 0.318556): Kalshi first, then Polymarket.
    slot1 = [
        src(lv((0.30, 10)), KALSHI, size_step=1),
        src(lv((0.31, 100)), POLY),
    ]
    slot2 = [src(lv((0.60, 15)), POLY)]
    fill = walk_portfolio([slot1, slot2])
    assert fill is not None
    assert fill.size == pytest.approx(15)
    by_source = {(f.slot, f.source): f.shares for f in fill.fills}
    assert by_source == pytest.approx({(0, 0): 10, (0, 1): 5, (1, 0): 15})


def test_a_source_dipped_into_below_its_minimum_is_dropped() -> None:
    # Kalshi is cheapest for 10, Polymarket would supply 2 more, under its minimum of 5:
    # the walk is redone on Kalshi alone (10 sets).
    slot1 = [src(lv((0.30, 10)), KALSHI, size_step=1), src(lv((0.31, 100)), POLY, min_size=5)]
    slot2 = [src(lv((0.60, 12)), POLY)]
    fill = walk_portfolio([slot1, slot2])
    assert fill is not None
    assert {(f.slot, f.source) for f in fill.fills} == {(0, 0), (1, 0)}
    assert fill.size == pytest.approx(10)


def test_a_dropped_source_leaves_the_others_their_places() -> None:
    # Polymarket (listed first) is cheapest for 2 shares, under its minimum of 5: dropped, and
    # the fills still name Kalshi by its place in the slot (source 1), not its place after trimming.
    slot1 = [src(lv((0.29, 2)), POLY, min_size=5), src(lv((0.30, 10)), KALSHI, size_step=1)]
    slot2 = [src(lv((0.60, 12)), POLY)]
    fill = walk_portfolio([slot1, slot2])
    assert fill is not None
    assert {(f.slot, f.source) for f in fill.fills} == {(0, 1), (1, 0)}
    assert fill.size == pytest.approx(10)


def test_a_kalshi_source_in_a_shared_slot_buys_whole_contracts() -> None:
    # Polymarket offers 9.5 shares at 0.30, Kalshi 10 contracts at 0.31: after Polymarket's 9.5
    # Kalshi cannot sell the half contract that would make 10 sets; it comes from Polymarket.
    slot1 = [
        src(lv((0.30, 9.5), (0.33, 50)), POLY, size_step=0.01),
        src(lv((0.31, 10)), KALSHI, size_step=1),
    ]
    slot2 = [src(lv((0.50, 19)), KALSHI, size_step=1)]
    fill = walk_portfolio([slot1, slot2])
    assert fill is not None
    assert fill.size == pytest.approx(19)
    shares = {(f.slot, f.source): f.shares for f in fill.fills}
    assert shares[(0, 1)] == pytest.approx(9)  # whole contracts
    assert shares[(0, 0)] == pytest.approx(10)  # 9.5 at 0.30 and 0.5 at 0.33
    assert shares[(1, 0)] == pytest.approx(19)


def test_no_edge_empty_book_or_empty_portfolio() -> None:
    assert walk_portfolio([[src(lv((0.5, 10)))], [src(lv((0.5, 10)))]]) is None
    assert walk_portfolio([[src(lv((0.4, 10)))], [src(())]]) is None
    assert walk_portfolio([[src(lv((0.4, 10)))], []]) is None
    assert walk_portfolio([]) is None


# --- property: the reported size is the best one, and its last shares pay --------------------

SCHEDULES = st.sampled_from(
    [
        FeeSchedule.polymarket(0.0),
        FeeSchedule.polymarket(0.04),
        FeeSchedule.polymarket(0.07),
        FeeSchedule.kalshi(),
        FeeSchedule.kalshi(0.035),
    ]
)


@st.composite
def portfolio(draw: st.DrawFn) -> list[Source]:
    """2–3 single-source legs with books in whole cents and whole shares, size step 1."""
    legs: list[Source] = []
    for _ in range(draw(st.integers(2, 3))):
        levels = draw(
            st.lists(st.tuples(st.integers(1, 80), st.integers(1, 15)), min_size=1, max_size=4)
        )
        levels.sort()
        legs.append(
            Source(
                asks=tuple(BookLevel(price=c / 100, size=s) for c, s in levels),
                fees=draw(SCHEDULES),
                min_size=draw(st.sampled_from([0.0, 1.0, 5.0])),
                size_step=1.0,
            )
        )
    return legs


def _profit_at(legs: list[Source], size: int) -> float | None:
    """Brute force: buy `size` shares of every leg share by share; None if a book is too thin."""
    total = float(size)
    for leg in legs:
        prices = [lv.price for lv in leg.asks for _ in range(int(lv.size))]
        if len(prices) < size:
            return None
        raw = sum(leg.fees.per_share(p) for p in prices[:size])
        fee = raw if leg.fees.rounding == "proportional" else math.ceil(raw * 100 - 1e-7) / 100
        total -= sum(prices[:size]) + fee
    return total


@settings(max_examples=300, deadline=None)
@given(portfolio())
def test_walk_reports_the_best_size_and_its_last_share_pays(legs: list[Source]) -> None:
    fill = walk_portfolio([[leg] for leg in legs])
    depth = min(int(sum(lv.size for lv in leg.asks)) for leg in legs)
    if fill is None:
        # Nothing reported: no size meeting every minimum makes money while each set pays raw.
        for size in range(1, depth + 1):
            if _last_set_cost(legs, size) >= 1.0 - 1e-9:
                break
            profit = _profit_at(legs, size)
            if profit is not None and size >= max(leg.min_size for leg in legs):
                assert profit <= 1e-9
        return
    size = round(fill.size)
    assert fill.size == pytest.approx(size)
    assert size >= max(leg.min_size for leg in legs)
    brute = _profit_at(legs, size)
    assert brute is not None
    assert fill.profit == pytest.approx(brute, abs=1e-9)
    assert fill.profit > 0
    # No smaller size pays more: the shares past any smaller size pay after the rounded fees.
    for smaller in range(1, size):
        other = _profit_at(legs, smaller)
        assert other is not None
        assert other <= fill.profit + 1e-9
    # The last set pays before rounding too (the walk never buys a losing share).
    assert _last_set_cost(legs, size) < 1.0
    assert size <= depth


def _last_set_cost(legs: list[Source], size: int) -> float:
    """Price plus unrounded fee of the `size`-th share of every leg."""
    total = 0.0
    for leg in legs:
        p = [lv.price for lv in leg.asks for _ in range(int(lv.size))][size - 1]
        total += p + leg.fees.per_share(p)
    return total


@st.composite
def merged_slots(draw: st.DrawFn) -> list[list[Source]]:
    """2–3 slots, each sold by one or two venues (no minimums), whole cents and shares."""
    slots: list[list[Source]] = []
    for _ in range(draw(st.integers(2, 3))):
        slot: list[Source] = []
        for _ in range(draw(st.integers(1, 2))):
            levels = draw(
                st.lists(st.tuples(st.integers(1, 60), st.integers(1, 8)), min_size=1, max_size=3)
            )
            levels.sort()
            slot.append(
                Source(
                    asks=tuple(BookLevel(price=c / 100, size=s) for c, s in levels),
                    fees=draw(SCHEDULES),
                    size_step=1.0,
                )
            )
        slots.append(slot)
    return slots


def _merged_profit(slots: list[list[Source]], size: int) -> float | None:
    """Brute force: each slot's shares taken cheapest-after-fee first, fees rounded per source."""
    total = float(size)
    for slot in slots:
        shares = sorted(
            (lv.price + src.fees.per_share(lv.price), i, lv.price)
            for i, src in enumerate(slot)
            for lv in src.asks
            for _ in range(int(lv.size))
        )
        if len(shares) < size:
            return None
        raw = [0.0] * len(slot)
        for _net, i, p in shares[:size]:
            total -= p
            raw[i] += slot[i].fees.per_share(p)
        for i, src in enumerate(slot):
            total -= src.fees.settle(raw[i])
    return total


@settings(max_examples=200, deadline=None)
@given(merged_slots())
def test_merged_sources_walk_matches_brute_force(slots: list[list[Source]]) -> None:
    fill = walk_portfolio(slots)
    if fill is None:
        return
    size = round(fill.size)
    brute = _merged_profit(slots, size)
    assert brute is not None
    assert fill.profit == pytest.approx(brute, abs=1e-9)
    assert fill.profit > 0
    for smaller in range(1, size):
        other = _merged_profit(slots, smaller)
        assert other is not None
        assert other <= fill.profit + 1e-9
