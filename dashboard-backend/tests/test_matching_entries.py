"""Match entries: YES price read by name, mid fallback, differences, and the entry fields."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from dashboard_backend.matching.entries import (
    build_entry,
    build_matches,
    features_of,
    refresh_entry,
    yes_best_ask,
    yes_mid,
)
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import match_documents
from dashboard_backend.models import MarketDocument, Outcome
from tests.matching_fixtures import DIGITS_AS_LETTERS

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CLOSE = datetime(2026, 12, 31, tzinfo=UTC)


def market(
    market_id: str,
    outcomes: tuple[Outcome, ...],
    category: str | None = "politics",
    close: datetime | None = CLOSE,
    liquidity: float = 1000.0,
) -> MarketDocument:
    return MarketDocument(
        id=market_id,
        condition_id=f"0x{market_id}",
        question=f"Question {market_id.translate(DIGITS_AS_LETTERS)}?",
        url=f"https://polymarket.com/market/{market_id}",
        outcomes=outcomes,
        category=category,
        close_time=close,
        liquidity=liquidity,
    )


def yes_no(
    yes_bid: float | None, yes_ask: float | None, price: float | None = None
) -> tuple[Outcome, ...]:
    # "No" listed first on purpose: the YES price must be found by name, never by position.
    return (
        Outcome(name="No", token_id="n", best_bid=0.01, best_ask=0.99, price=0.5),
        Outcome(name="Yes", token_id="y", best_bid=yes_bid, best_ask=yes_ask, price=price),
    )


def test_yes_is_found_by_name_not_position() -> None:
    doc = market("1", yes_no(0.40, 0.44))
    assert yes_best_ask(doc) == 0.44
    assert yes_mid(doc) == 0.42


def test_mid_falls_back_to_the_indicative_price() -> None:
    assert yes_mid(market("1", yes_no(None, 0.44, price=0.43))) == 0.43
    assert yes_mid(market("1", yes_no(0.40, None, price=0.41))) == 0.41
    assert yes_mid(market("1", yes_no(None, None))) is None


def test_non_yes_no_markets_use_their_first_outcome() -> None:
    doc = market(
        "1",
        (
            Outcome(name="Lakers", token_id="a", best_bid=0.60, best_ask=0.62),
            Outcome(name="Celtics", token_id="b", best_bid=0.37, best_ask=0.39),
        ),
    )
    assert yes_best_ask(doc) == 0.62
    assert yes_mid(doc) == 0.61
    assert yes_best_ask(market("2", ())) is None


def test_entry_holds_differences_liquidity_urls_and_dates() -> None:
    base = market("base", yes_no(0.40, 0.44), liquidity=500.0)
    other_close = datetime(2027, 1, 2, tzinfo=UTC)
    match = market("m", yes_no(0.50, 0.52), close=other_close, liquidity=900.0)
    entry = build_entry(base, match, 0.91, NOW)
    assert entry.market_id == "m"
    assert entry.question == "Question m?"
    assert entry.similarity == 0.91
    assert entry.yes_ask_diff == 0.08  # match - base, rounded to 1e-6
    assert entry.yes_mid_diff == 0.09
    assert (entry.liquidity, entry.base_liquidity) == (900.0, 500.0)
    assert (entry.url, entry.base_url) == (match.url, base.url)
    assert (entry.close_time, entry.base_close_time) == (other_close, CLOSE)
    assert entry.category == "politics"
    assert entry.matched_at == NOW
    wire = entry.to_dict()
    assert {"marketId", "yesAskDiff", "yesMidDiff", "baseLiquidity", "matchedAt"} <= wire.keys()


def test_missing_price_on_either_side_gives_no_difference() -> None:
    entry = build_entry(market("a", yes_no(0.4, 0.44)), market("b", yes_no(None, None)), 0.9, NOW)
    assert entry.yes_ask_diff is None
    assert entry.yes_mid_diff is None


def test_refresh_takes_current_prices_and_keeps_run_fields() -> None:
    base, match = market("a", yes_no(0.40, 0.44)), market("b", yes_no(0.50, 0.52))
    entry = build_entry(base, match, 0.88, NOW)
    moved = market("b", yes_no(0.60, 0.64), liquidity=5.0)
    fresh = refresh_entry(entry, base, moved)
    assert fresh.yes_ask_diff == 0.2
    assert fresh.liquidity == 5.0
    assert fresh.similarity == 0.88
    assert fresh.matched_at == NOW


def test_features_of_documents() -> None:
    docs = [market("a", yes_no(0.4, 0.5), category="Sports", close=None), market("b", ())]
    feats = features_of(docs, sides=[0, 1])
    assert feats.ids == ("a", "b")
    assert feats.outcome_counts.tolist() == [2, 0]
    assert np.isnan(feats.close_times[0])
    assert feats.close_times[1] == CLOSE.timestamp()
    assert feats.sides is not None
    assert feats.sides.tolist() == [0, 1]


def test_match_documents_builds_lists_only_for_requested_bases() -> None:
    docs = [market(str(i), yes_no(0.4, 0.4 + i / 100)) for i in range(3)]
    vectors = np.array([[1.0, 0.0], [0.99, 0.1], [0.98, 0.15]])
    result = match_documents(docs, vectors, MatchFilters(exclude_same_condition=False), NOW)
    assert list(result.matches) == ["0", "1", "2"]
    assert [e.market_id for e in result.matches["0"]] == ["1", "2"]
    assert result.matches["0"][0].yes_ask_diff == 0.01
    only = build_matches(docs, result.neighbours, NOW, bases=[1])
    assert list(only) == ["1"]
