"""Taker fee formula and the per-market fee rate table."""

from __future__ import annotations

import pytest

from dashboard_backend.fees import FeeSchedule, FeeTable, ceil_to_cent, taker_fee
from dashboard_backend.models import MarketDocument, Outcome
from dashboard_backend.settings import Settings


def _doc(category: str | None = None, fee_rate: float | None = None) -> MarketDocument:
    return MarketDocument(
        id="m1",
        condition_id="0xc",
        question="Q?",
        outcomes=(Outcome(name="Yes", token_id="y"), Outcome(name="No", token_id="n")),
        category=category,
        fee_rate=fee_rate,
    )


@pytest.mark.parametrize(
    ("shares", "price", "rate", "expected"),
    [
        (100.0, 0.5, 0.04, 1.0),  # 100 × 0.04 × 0.5 × 0.5
        (10.0, 0.2, 0.07, 0.112),  # 10 × 0.07 × 0.2 × 0.8
        (250.0, 0.9, 0.03, 0.675),  # 250 × 0.03 × 0.9 × 0.1
        (100.0, 0.0, 0.07, 0.0),  # no fee at the price bounds
        (100.0, 1.0, 0.07, 0.0),
        (100.0, 0.5, 0.0, 0.0),  # zero-fee category
    ],
)
def test_taker_fee_formula(shares: float, price: float, rate: float, expected: float) -> None:
    assert taker_fee(shares, price, rate) == pytest.approx(expected, abs=1e-12)


def test_taker_fee_is_symmetric_around_half() -> None:
    assert taker_fee(7.0, 0.3, 0.05) == pytest.approx(taker_fee(7.0, 0.7, 0.05), abs=1e-15)


def test_market_rate_wins_over_category() -> None:
    table = FeeTable({"crypto": 0.07}, default=0.05)
    assert table.rate_for(_doc(category="crypto", fee_rate=0.01)) == 0.01


def test_zero_market_rate_is_respected_not_treated_as_missing() -> None:
    table = FeeTable({"crypto": 0.07}, default=0.05)
    assert table.rate_for(_doc(category="crypto", fee_rate=0.0)) == 0.0


def test_category_rate_case_insensitive() -> None:
    table = FeeTable({"Crypto": 0.07, "sports": 0.03}, default=0.05)
    assert table.rate_for(_doc(category="crypto")) == 0.07
    assert table.rate_for(_doc(category=" SPORTS ")) == 0.03


def test_unknown_or_missing_category_uses_default() -> None:
    table = FeeTable({"crypto": 0.07}, default=0.05)
    assert table.rate_for(_doc(category="astrology")) == 0.05
    assert table.rate_for(_doc(category=None)) == 0.05


def test_from_settings_uses_configured_table() -> None:
    settings = Settings(fee_rates={"politics": 0.04, "geopolitics": 0.0}, fee_rate_default=0.02)
    table = FeeTable.from_settings(settings)
    assert table.rate_for(_doc(category="politics")) == 0.04
    assert table.rate_for(_doc(category="geopolitics")) == 0.0
    assert table.rate_for(_doc(category="crypto")) == 0.02  # not in this table


def test_from_default_settings_matches_settings_lookup() -> None:
    settings = Settings()
    table = FeeTable.from_settings(settings)
    for category in ["crypto", "sports", "politics", "weather", "nope", None]:
        assert table.rate_for(_doc(category=category)) == settings.fee_rate_for_category(category)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0.0, 0.0),
        (-1.0, 0.0),
        (0.0001, 0.01),
        (0.01, 0.01),
        (0.07, 0.07),  # 0.07 × 100 = 7.000000000000001 in floats: still 7 cents
        (0.070001, 0.08),
        (1.2345, 1.24),
    ],
)
def test_ceil_to_cent(amount: float, expected: float) -> None:
    assert ceil_to_cent(amount) == pytest.approx(expected, abs=1e-12)


def test_kalshi_fee_is_rounded_up_once_per_order_not_per_contract() -> None:
    kalshi = FeeSchedule.kalshi()
    # One contract at 0.50: 0.07 × 0.25 = 0.0175 → 2 cents.
    assert kalshi.order_fee([(0.5, 1.0)]) == pytest.approx(0.02)
    # 100 contracts at 0.50: 1.75 exactly, not 100 × 2 cents.
    assert kalshi.order_fee([(0.5, 100.0)]) == pytest.approx(1.75)
    # 10 at 0.41 and 5 at 0.42 in one order: 0.07 × (10×0.2419 + 5×0.2436) = 0.25459 → 0.26.
    assert kalshi.order_fee([(0.41, 10.0), (0.42, 5.0)]) == pytest.approx(0.26)
    # Cheap contracts: 0.07 × (0.05×0.95 + 0.06×0.94) = 0.0072730 → one cent for the order,
    # where rounding each fill would charge two.
    assert kalshi.order_fee([(0.05, 1.0), (0.06, 1.0)]) == pytest.approx(0.01)
    assert kalshi.order_fee([(0.05, 1.0)]) + kalshi.order_fee([(0.06, 1.0)]) == pytest.approx(0.02)
    assert FeeSchedule.kalshi(0.035).order_fee([(0.5, 100.0)]) == pytest.approx(0.875 + 0.005)


def test_polymarket_schedule_is_the_exact_formula() -> None:
    poly = FeeSchedule.polymarket(0.04)
    fills = [(0.41, 10.0), (0.42, 5.0)]
    assert poly.order_fee(fills) == pytest.approx(
        taker_fee(10.0, 0.41, 0.04) + taker_fee(5.0, 0.42, 0.04), abs=1e-15
    )
    assert poly.per_share(0.3) == pytest.approx(taker_fee(1.0, 0.3, 0.04), abs=1e-15)
    assert poly.settle(0.123456) == 0.123456


def test_schedule_for_follows_the_venue() -> None:
    table = FeeTable({"crypto": 0.07, "politics": 0.04}, default=0.05)
    poly = _doc(category="politics")
    assert table.schedule_for(poly) == FeeSchedule(0.04, "proportional")
    kalshi = _doc(category="politics").model_copy(update={"venue": "kalshi"})
    # Kalshi's rate is its own (0.07), never the Polymarket category table's.
    assert table.schedule_for(kalshi) == FeeSchedule(0.07, "order_cent_up")
    index_series = kalshi.model_copy(update={"fee_rate": 0.035})
    assert table.schedule_for(index_series) == FeeSchedule(0.035, "order_cent_up")
    unknown_venue = _doc(category="crypto").model_copy(update={"venue": "elsewhere"})
    assert table.schedule_for(unknown_venue) == FeeSchedule(0.07, "proportional")


def test_the_configured_table_knows_kalshi_series_rates() -> None:
    table = FeeTable.from_settings(Settings(kalshi_fee_rates={"KXNEWSERIES": 0.02}))
    kalshi = _doc(category="finance").model_copy(update={"venue": "kalshi"})
    index = kalshi.model_copy(update={"series_ticker": "KXINXU"})
    extended = kalshi.model_copy(update={"series_ticker": "KXNEWSERIES"})
    plain = kalshi.model_copy(update={"series_ticker": "KXNBAGAME"})
    # The S&P 500 range series pays half the usual rate, and cross-venue maths sees it too.
    assert table.rate_for(index) == 0.035
    assert table.schedule_for(index) == FeeSchedule(0.035, "order_cent_up")
    assert table.rate_for(extended) == 0.02
    assert table.rate_for(plain) == 0.07
    assert table.rate_for(index.model_copy(update={"fee_rate": 0.01})) == 0.01
    # Polymarket markets keep the category table.
    assert table.rate_for(_doc(category="finance")) == Settings().fee_rate_for_category("finance")
