"""Alert thresholds and repeat rules, on typed values (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard_backend.alerts.messages import expiry_text, opportunity_alert
from dashboard_backend.alerts.rules import (
    AlertRules,
    OpportunityTerms,
    comma_set,
    materially_changed,
    opportunity_refusal,
)
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import Leg, Opportunity
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.settings import Settings
from tests.api_fixtures import binary_market

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def ten_dollar_opportunity(category: str = "politics") -> Opportunity:
    doc, books = binary_market("1", "Will A win?", category, 0.40, 0.50)
    [op] = find_opportunities(
        [doc], {b.token_id: b for b in books}, FeeTable({}, 0.0), NOW
    ).values()
    return op


def test_thresholds_each_refuse_with_their_reason() -> None:
    op = ten_dollar_opportunity()
    assert opportunity_refusal(op, AlertRules(min_profit_usd=10.0)) is None
    assert "PROFIT" in (opportunity_refusal(op, AlertRules(min_profit_usd=10.01)) or "")
    assert "KINDS" in (
        opportunity_refusal(op, AlertRules(kinds=comma_set("negrisk_buy_all"))) or ""
    )
    assert opportunity_refusal(op, AlertRules(kinds=comma_set(" Binary_Buy_Both ,x"))) is None
    assert "VENUES" in (opportunity_refusal(op, AlertRules(venues=comma_set("kalshi"))) or "")
    assert "CATEGORIES" in (
        opportunity_refusal(op, AlertRules(categories=comma_set("crypto"))) or ""
    )
    assert opportunity_refusal(op, AlertRules(categories=comma_set("crypto,POLITICS"))) is None


def test_annualised_return_threshold_needs_a_stated_return() -> None:
    op = ten_dollar_opportunity()
    rules = AlertRules(min_profit_usd=0, min_annualized_return=0.5)
    assert opportunity_refusal(op, rules) is not None  # states none
    stated = op.model_copy(update={"annualized_return": 0.8})
    assert opportunity_refusal(stated, rules) is None
    low = op.model_copy(update={"annualized_return": 0.2})
    assert "ANNUALIZED" in (opportunity_refusal(low, rules) or "")


def test_material_change_is_relative_to_what_was_sent() -> None:
    sent = OpportunityTerms(expected_profit=10.0, edge=0.10)
    assert materially_changed(None, sent, 0.2)
    assert not materially_changed(sent, OpportunityTerms(11.9, 0.11), 0.2)
    assert materially_changed(sent, OpportunityTerms(12.0, 0.10), 0.2)
    assert materially_changed(sent, OpportunityTerms(10.0, 0.079), 0.2)
    assert OpportunityTerms.from_dict({"expected_profit": 1, "edge": "x"}) is None


def test_rules_from_settings() -> None:
    rules = AlertRules.from_settings(
        Settings(alert_kinds="binary_buy_both", alert_relations="", alert_min_profit_usd=3)
    )
    assert rules.kinds == {"binary_buy_both"}
    assert rules.relations == frozenset()
    assert rules.min_profit_usd == 3
    assert "equivalent" in AlertRules.from_settings(Settings()).relations


def test_expiry_text_counts_whole_days_hours_and_minutes() -> None:
    assert expiry_text(NOW + timedelta(days=2, hours=23), NOW).endswith("(in 2 days)")
    assert expiry_text(NOW + timedelta(hours=5, minutes=59), NOW).endswith("(in 5 h)")
    assert expiry_text(NOW + timedelta(minutes=7), NOW) == "24 Nov 2026 12:07 UTC (in 7 min)"
    assert expiry_text(NOW - timedelta(minutes=1), NOW).endswith("(past)")
    assert expiry_text(None, NOW) == "unknown"


def cross_leg(market_id: str, outcome: str, best: float, venue: str) -> Leg:
    """A buy leg on its own venue, a cent worse on average and two at worst."""
    return Leg(
        market_id=market_id,
        token_id=f"{market_id}-{outcome}",
        outcome=outcome,
        side="buy",
        best_price=best,
        avg_price=best + 0.01,
        worst_price=best + 0.02,
        venue=venue,
    )


def cross_opportunity() -> Opportunity:
    """A cross-venue opportunity as the cross-market maths states one."""
    return Opportunity(
        id="cross_equivalent:k1+p1",
        kind="cross_equivalent",
        venue="kalshi+polymarket",
        market_ids=("kalshi:K1", "polymarket:1"),
        title="Fed cuts in December?",
        legs=(
            cross_leg("kalshi:K1", "Yes", 0.40, "kalshi"),
            cross_leg("polymarket:1", "No", 0.50, "polymarket"),
        ),
        edge=0.06,
        avg_edge=0.05,
        size=200,
        cost=186.0,
        fees=4.0,
        expected_profit=10.0,
        detected_at=NOW,
        resolves_by=NOW + timedelta(days=10),
        annualized_return=1.92,
    )


def test_a_cross_venue_opportunity_needs_every_venue_listed_and_says_where_to_buy() -> None:
    op = cross_opportunity()
    assert opportunity_refusal(op, AlertRules(venues=comma_set("polymarket"))) is not None
    assert opportunity_refusal(op, AlertRules(venues=comma_set("polymarket,kalshi"))) is None
    assert opportunity_refusal(op, AlertRules(min_annualized_return=2.0)) is not None
    assert opportunity_refusal(op, AlertRules(min_annualized_return=1.5)) is None
    alert = opportunity_alert(op, "appeared", op.resolves_by, NOW)
    assert "on Kalshi + Polymarket: Fed cuts in December?" in alert.body
    assert "- BUY 200 x Yes on Kalshi at up to 42.0¢" in alert.body
    assert "- BUY 200 x No on Polymarket at up to 52.0¢" in alert.body
    assert "Annualised return 192.0%" in alert.body
    assert "(in 10 days)" in alert.body
