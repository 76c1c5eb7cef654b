"""Taker fee formula and the per-market fee rate table."""

from __future__ import annotations

import pytest

from dashboard_backend.fees import FeeTable, taker_fee
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
