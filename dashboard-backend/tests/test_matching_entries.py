"""Match entries: YES price read by name, mid fallback, differences, and the entry fields."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from dashboard_backend.matching.entries import (
    build_entry,
    features_of,
    refresh_entry,
    yes_best_ask,
    yes_mid,
)
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import CardCache, match_documents
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, Outcome, OutcomeLink, Relation
from tests.matching_fixtures import DIGITS_AS_LETTERS, doc

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


def test_with_cards_the_window_compares_the_days_markets_are_about() -> None:
    game = doc("1", "Will Spain win on 2026-06-15?", close=datetime(2026, 6, 29, tzinfo=UTC))
    contest = doc("2", "Will the Fed cut rates in 2026?")
    month = doc("3", "Will XRP reach $3 in May 2026?")
    deadline = doc("4", "Will Anna Novak announce a run by June 30, 2026?")
    kalshi = doc("kalshi:KXXRPMAXMON-XRP-26MAY31-300", "Will XRP reach $3 by May 31, 2026?")
    docs = [game, contest, month, deadline, kalshi]
    cache = CardCache()
    feats = features_of(docs, cards=[cache.card(d) for d in docs])
    days = [datetime(2026, 6, 15), None, datetime(2026, 5, 31), datetime(2026, 6, 30)]
    days.append(datetime(2026, 5, 31))
    assert feats.close_times[0] == datetime(2026, 6, 15, tzinfo=UTC).timestamp()  # not the close
    assert np.isnan(feats.close_times[1])  # undated: compared with undated markets only
    # A month or a deadline counts as the day it ends, where the other venue's ticker date meets.
    for got, day in zip(feats.close_times[2:], days[2:], strict=True):
        assert day is not None
        assert got == day.replace(tzinfo=UTC).timestamp()


def link(a: Outcome, b: Outcome) -> OutcomeLink:
    return OutcomeLink(a_token=a.token_id, a_outcome=a.name, b_token=b.token_id, b_outcome=b.name)


def test_an_inverse_pair_compares_yes_with_no() -> None:
    base = market("a", yes_no(0.40, 0.44))
    match = market("b", yes_no(0.50, 0.52))
    no_b, yes_b = match.outcomes
    no_a, yes_a = base.outcomes
    verdict = Verdict(
        Relation.INVERSE, 0.9, ("over / under 2.5",), (link(yes_a, no_b), link(no_a, yes_b))
    )
    entry = build_entry(base, match, 0.8, NOW, verdict)
    assert entry.yes_ask_diff == round(0.99 - 0.44, 6)  # the match's NO ask against the base's YES
    assert entry.relation == Relation.INVERSE
    assert entry.reasons == ("over / under 2.5",)


def test_a_team_market_is_compared_through_the_linked_outcome() -> None:
    base = market(
        "pm",
        (
            Outcome(name="Spurs", token_id="s", best_bid=0.40, best_ask=0.42),
            Outcome(name="Timberwolves", token_id="t", best_bid=0.57, best_ask=0.59),
        ),
    )
    kalshi = market("k", yes_no(0.55, 0.57))
    no_k, yes_k = kalshi.outcomes
    # The Kalshi market is "Minnesota wins": its YES is the Timberwolves outcome, not outcome 0.
    verdict = Verdict(
        Relation.EQUIVALENT,
        0.95,
        ("same game",),
        (link(base.outcomes[1], yes_k), link(base.outcomes[0], no_k)),
    )
    entry = build_entry(base, kalshi, 0.7, NOW, verdict)
    # The base's reference outcome is its first (Spurs), linked to the Kalshi NO.
    assert entry.yes_ask_diff == round(0.99 - 0.42, 6)


def test_related_pairs_without_a_link_give_no_price_difference() -> None:
    verdict = Verdict(Relation.RELATED, 0.8, ("different bets",))
    entry = build_entry(
        market("a", yes_no(0.4, 0.44)), market("b", yes_no(0.5, 0.52)), 0.9, NOW, verdict
    )
    assert entry.yes_ask_diff is None
    assert entry.relation == Relation.RELATED


def test_match_documents_keeps_related_pairs_only_for_requested_bases() -> None:
    docs = [
        doc("1", "Will Spain win on 2026-06-15?", event_title="Spain vs. Cape Verde"),
        doc(
            "k",
            "Spain vs Cape Verde Winner?",
            venue="kalshi",
            event_id="KXWCGAME-26JUN15ESPCPV",
            group_item="Spain",
        ),
        doc("2", "Will Cape Verde win on 2026-06-15?", event_title="Spain vs. Cape Verde"),
    ]
    vectors = np.array([[1.0, 0.0], [0.99, 0.1], [0.98, 0.15]])
    result = match_documents(docs, vectors, MatchFilters(), NOW)
    assert [(e.market_id, e.relation) for e in result.matches["1"]] == [
        ("k", Relation.EQUIVALENT),
        ("2", Relation.MUTUALLY_EXCLUSIVE),  # the other side of a game that can be drawn
    ]
    assert result.relations == {"equivalent": 1, "mutually_exclusive": 2}
    only = match_documents(docs, vectors, MatchFilters(), NOW, bases=[1])
    assert list(only.matches) == ["k"]
