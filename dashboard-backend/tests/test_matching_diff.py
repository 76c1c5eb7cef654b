"""Diffing two matching runs into new / dropped / re-priced events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from dashboard_backend.matching.diff import REPRICE_EPSILON, diff_matches, keep_first_matched
from dashboard_backend.models import MatchEntry

T1 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
T2 = T1 + timedelta(minutes=15)


def entry(
    match_id: str, ask: float | None = 0.05, mid: float | None = 0.04, at: datetime = T1
) -> MatchEntry:
    return MatchEntry(
        market_id=match_id,
        question=f"Q {match_id}",
        similarity=0.9,
        yes_ask_diff=ask,
        yes_mid_diff=mid,
        matched_at=at,
    )


def test_new_dropped_and_unchanged_pairs() -> None:
    old = {"a": [entry("b"), entry("c")]}
    new = {"a": [entry("b"), entry("d")], "x": [entry("y")]}
    changes = diff_matches(old, new, T2)
    assert [(c.action, c.market_id, c.match_id) for c in changes] == [
        ("dropped", "a", "c"),
        ("new", "a", "d"),
        ("new", "x", "y"),
    ]


def test_repriced_only_beyond_epsilon_and_on_appearing_prices() -> None:
    old = {"a": [entry("b", ask=0.05), entry("c", mid=0.04), entry("d", ask=None)]}
    new = {
        "a": [
            entry("b", ask=0.05 + REPRICE_EPSILON / 2),  # noise: not a re-price
            entry("c", mid=0.04 + 0.01),  # mid moved a cent
            entry("d", ask=0.02),  # a price appeared
        ]
    }
    changes = diff_matches(old, new, T2)
    assert [(c.action, c.match_id) for c in changes] == [("repriced", "c"), ("repriced", "d")]
    assert changes[0].yes_mid_diff == 0.05


def test_event_wire_format() -> None:
    (change,) = diff_matches({}, {"a": [entry("b")]}, T2)
    assert json.loads(change.to_json()) == {
        "type": "match",
        "action": "new",
        "marketId": "a",
        "matchId": "b",
        "similarity": 0.9,
        "yesAskDiff": 0.05,
        "yesMidDiff": 0.04,
        "relation": None,
        "confidence": None,
        "ts": "2026-11-24T12:15:00Z",
    }


def test_dropped_events_carry_the_last_known_values() -> None:
    (change,) = diff_matches({"a": [entry("b", ask=0.07)]}, {}, T2)
    assert change.action == "dropped"
    assert change.yes_ask_diff == 0.07


def test_first_matched_time_survives_later_runs() -> None:
    old = {"a": [entry("b", at=T1)]}
    new = {"a": [entry("b", at=T2), entry("c", at=T2)]}
    kept = keep_first_matched(old, new)
    assert [e.matched_at for e in kept["a"]] == [T1, T2]
