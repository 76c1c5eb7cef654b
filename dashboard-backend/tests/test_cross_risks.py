"""Settlement risks read from two markets' rules, in plain words."""

from __future__ import annotations

from datetime import timedelta

from dashboard_backend.cross.risks import settlement_risks
from tests.cross_helpers import NOW, market


def test_identical_rules_have_no_risk() -> None:
    rules = "Resolves Yes if the BTC price on Coinbase is above $100,000 at the close on March 31."
    a = market("a", description=rules, close_time=NOW)
    b = market("b", venue="kalshi", description=rules, close_time=NOW + timedelta(minutes=5))
    assert settlement_risks(a, b) == ()


def test_each_difference_is_named_in_plain_words() -> None:
    a = market(
        "a",
        question="Will Bitcoin reach $100k in March?",
        description=(
            "Resolves Yes if any Binance 1-minute candle for BTC/USDT has a high above $100,000 "
            "at any time between March 1 and March 31, 2026 (https://www.binance.com)."
        ),
        close_time=NOW,
    )
    b = market(
        "b",
        venue="kalshi",
        question="Bitcoin at or above $100k on March 31?",
        description=(
            "If the CF Benchmarks Bitcoin Real-Time Index is at or above 100000 at the close "
            "on March 31, 2026, the market resolves to Yes. If the data is unavailable the "
            "market may resolve 50-50."
        ),
        close_time=NOW + timedelta(days=2),
    )
    risks = settlement_risks(a, b)
    text = " ".join(risks)
    assert (
        "Different resolution sources: Polymarket names Binance, binance.com; Kalshi names CF Benchmarks."
        in risks
    )
    assert "Different deadlines" in text
    assert "The rules name different dates: Polymarket Mar 1, Mar 31; Kalshi Mar 31." in risks
    assert any(
        r.startswith("Threshold wording differs: Polymarket needs the value strictly past")
        for r in risks
    )
    assert any(
        r.startswith("Polymarket settles on the level being reached at any time; Kalshi reads it")
        for r in risks
    )
    assert (
        "Kalshi can resolve 50-50 or to an unlisted outcome, where a share pays less than $1."
        in risks
    )


def test_one_silent_source_and_one_missing_close_time() -> None:
    a = market("a", description="The resolution source is the NOAA daily summary.", close_time=NOW)
    b = market("b", description="Resolves Yes if it snows.")
    risks = settlement_risks(a, b)
    assert risks == (
        "Only the first market names its resolution source (NOAA); the second market's rules do "
        "not say which it uses.",
        "Only one market states a close time (the first market).",
    )
