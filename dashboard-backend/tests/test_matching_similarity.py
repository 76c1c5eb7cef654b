"""Each filter, the threshold and the top-K rule, pinned on small hand-made vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dashboard_backend.matching.filters import MarketFeatures, MatchFilters, category_key
from dashboard_backend.matching.similarity import (
    Blocks,
    normalize,
    pair_scores,
    score_slack,
    top_matches,
)
from dashboard_backend.settings import Settings

DAY = 86_400.0
T0 = 1_790_000_000.0
OFF = MatchFilters(
    threshold=0.5,
    top_k=10,
    same_outcome_count=False,
    exclude_same_condition=False,
    same_category=False,
    close_window_days=None,
    require_same_numbers=False,
    require_same_entities=False,
)


def angle(deg: float) -> list[float]:
    """A 2-D unit vector at this angle: cos(difference) is the similarity."""
    return [math.cos(math.radians(deg)), math.sin(math.radians(deg))]


def features(
    n: int,
    outcomes: list[int] | None = None,
    categories: list[str | None] | None = None,
    close: list[float | None] | None = None,
    conditions: list[str] | None = None,
    ids: list[str] | None = None,
    sides: list[int] | None = None,
) -> MarketFeatures:
    return MarketFeatures.build(
        ids or [f"m{i}" for i in range(n)],
        outcomes or [2] * n,
        categories or ["sports"] * n,
        close or [T0] * n,
        conditions or [f"c{i}" for i in range(n)],
        sides,
    )


def run(
    vectors: list[list[float]], feats: MarketFeatures, filters: MatchFilters
) -> list[list[str]]:
    result = top_matches(normalize(np.array(vectors)), feats, filters)
    return [[feats.ids[j] for j, _ in result.row(i)] for i in range(len(feats))]


def test_threshold_is_inclusive_and_excludes_below() -> None:
    vectors = [angle(0), angle(60), angle(61)]
    unit = normalize(np.array(vectors))
    exact = float(pair_scores(unit, np.array([0]), np.array([1]))[0])
    filters = MatchFilters(**{**OFF.__dict__, "threshold": exact})
    got = run(vectors, features(3), filters)
    assert got[0] == ["m1"]  # exactly at the threshold: kept
    assert "m2" not in got[0]  # below: dropped


def test_market_never_matches_itself_even_when_threshold_allows_everything() -> None:
    vectors = [angle(0), angle(0), angle(180)]
    got = run(vectors, features(3), MatchFilters(**{**OFF.__dict__, "threshold": -1.0}))
    assert got == [["m1", "m2"], ["m0", "m2"], ["m0", "m1"]]


def test_top_k_keeps_the_most_similar_in_order() -> None:
    vectors = [angle(0), angle(30), angle(5), angle(20), angle(10)]
    got = run(vectors, features(5), MatchFilters(**{**OFF.__dict__, "top_k": 3}))
    assert got[0] == ["m2", "m4", "m3"]


def test_ties_are_broken_by_market_id() -> None:
    vectors = [angle(0), angle(10), angle(10), angle(10)]
    feats = features(4, ids=["base", "zeta", "alpha", "mid"])
    got = run(vectors, feats, MatchFilters(**{**OFF.__dict__, "top_k": 2}))
    assert got[0] == ["alpha", "mid"]


def test_same_outcome_count_filter() -> None:
    vectors = [angle(0), angle(1), angle(2)]
    feats = features(3, outcomes=[2, 3, 2])
    on = MatchFilters(**{**OFF.__dict__, "same_outcome_count": True})
    assert run(vectors, feats, on)[0] == ["m2"]
    assert run(vectors, feats, OFF)[0] == ["m1", "m2"]
    # One condition on two venues (Predict.fun lists Polymarket's) is a pair to find.
    venues = features(3, conditions=["0xa", "0xa", "0xb"], sides=[0, 1, 1])
    assert run(vectors, venues, on)[0] == ["m1", "m2"]


def test_same_condition_filter() -> None:
    vectors = [angle(0), angle(1), angle(2)]
    feats = features(3, conditions=["0xa", "0xa", "0xb"])
    on = MatchFilters(**{**OFF.__dict__, "exclude_same_condition": True})
    assert run(vectors, feats, on)[0] == ["m2"]
    assert run(vectors, feats, OFF)[0] == ["m1", "m2"]


def test_same_category_filter_with_unknown_bucket_and_case() -> None:
    vectors = [angle(0), angle(1), angle(2), angle(3), angle(4)]
    feats = features(5, categories=["Sports", " sports", "crypto", None, ""])
    on = MatchFilters(**{**OFF.__dict__, "same_category": True})
    got = run(vectors, feats, on)
    assert got[0] == ["m1"]  # case and spaces do not split a category
    assert got[3] == ["m4"]  # missing and blank categories share the "unknown" bucket
    assert got[2] == []
    assert category_key(None) == category_key("  ") == "unknown"


def test_close_window_filter_boundaries_and_missing_close_times() -> None:
    vectors = [angle(0), angle(1), angle(2), angle(3), angle(4), angle(5)]
    close: list[float | None] = [T0, T0 + 7 * DAY, T0 + 7 * DAY + 1, None, None, T0 - 3 * DAY]
    on = MatchFilters(**{**OFF.__dict__, "close_window_days": 7.0})
    got = run(vectors, features(6, close=close), on)
    # Exactly 7 days: inside; one second more: outside; the undated m3 and m4 always meet.
    assert got[0] == ["m1", "m3", "m4", "m5"]
    # An unknown time cannot be checked: m3 meets the undated m4 and every dated market.
    assert sorted(got[3]) == ["m0", "m1", "m2", "m4", "m5"]
    assert "m3" in got[5]
    assert "m0" not in got[2]  # dated pairs still need the window: 7 days and a second apart
    assert sorted(run(vectors, features(6, close=close), OFF)[3]) == ["m0", "m1", "m2", "m4", "m5"]


def test_zero_window_means_same_close_time() -> None:
    vectors = [angle(0), angle(1), angle(2)]
    on = MatchFilters(**{**OFF.__dict__, "close_window_days": 0.0})
    assert run(vectors, features(3, close=[T0, T0, T0 + 1]), on)[0] == ["m1"]


def test_sides_only_pair_across() -> None:
    vectors = [angle(0), angle(1), angle(2), angle(3)]
    got = run(vectors, features(4, sides=[0, 0, 1, 1]), OFF)
    assert got[0] == ["m2", "m3"]
    assert got[2] == ["m1", "m0"]


def test_same_id_on_both_sides_is_the_same_market() -> None:
    vectors = [angle(0), angle(0), angle(2)]
    got = run(vectors, features(3, ids=["x", "x", "y"], sides=[0, 1, 1]), OFF)
    assert got[0] == ["y"]


def test_filters_from_settings_follow_each_switch() -> None:
    settings = Settings(
        similarity_threshold=0.6,
        max_matches_per_market=3,
        match_require_same_outcome_count=False,
        match_exclude_same_condition=False,
        match_require_same_category=False,
        match_require_close_window=False,
        match_close_window_days=2.0,
        match_exclude_same_event=False,
        match_require_same_numbers=False,
        match_require_same_entities=False,
    )
    assert MatchFilters.from_settings(settings) == MatchFilters(
        0.6,
        3,
        False,
        False,
        False,
        None,
        exclude_same_event=False,
        require_same_numbers=False,
        require_same_entities=False,
    )
    default = MatchFilters.from_settings(Settings())
    assert default == MatchFilters(0.6, 10, True, True, False, 1.0)
    assert default.exclude_same_event
    assert not default.require_same_numbers  # the relation engine compares numbers and names
    assert not default.require_same_entities


def test_normalize_keeps_zero_rows_and_rejects_non_finite() -> None:
    unit = normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert unit.dtype == np.float32
    assert unit.tolist() == [[pytest.approx(0.6), pytest.approx(0.8)], [0.0, 0.0]]
    with pytest.raises(ValueError, match="non-finite"):
        normalize(np.array([[1.0, float("nan")]]))


def test_pair_scores_do_not_depend_on_the_batch() -> None:
    rng = np.random.default_rng(3)
    unit = normalize(rng.normal(size=(300, 37)))
    rows, cols = rng.integers(0, 300, 5000), rng.integers(0, 300, 5000)
    together = pair_scores(unit, rows, cols)
    alone = [float(pair_scores(unit, rows[k : k + 1], cols[k : k + 1])[0]) for k in range(50)]
    assert together[:50].tolist() == alone
    shuffled = rng.permutation(5000)
    assert pair_scores(unit, rows[shuffled], cols[shuffled]).tolist() == (
        together[shuffled].tolist()
    )


def test_slack_bounds_the_float32_block_error() -> None:
    rng = np.random.default_rng(5)
    unit = normalize(rng.normal(size=(500, 384)))
    block = unit @ unit.T
    rows, cols = np.divmod(np.arange(500 * 500), 500)
    exact = pair_scores(unit, rows, cols).reshape(500, 500)
    assert float(np.max(np.abs(block - exact))) <= score_slack(unit)


def test_block_shapes_do_not_change_the_result() -> None:
    rng = np.random.default_rng(9)
    n = 120
    vectors = rng.normal(size=(8, 16))[rng.integers(0, 8, n)] + 0.4 * rng.normal(size=(n, 16))
    feats = features(
        n,
        close=[T0 + float(x) * DAY for x in rng.uniform(0, 30, n)],
        categories=[("a", "b")[int(x)] for x in rng.integers(0, 2, n)],
    )
    filters = MatchFilters(threshold=0.7, top_k=3)
    unit = normalize(vectors)
    default = top_matches(unit, feats, filters)
    tiny = top_matches(unit, feats, filters, Blocks(rows=3, min_rows=1, cols=5, buffer=10))
    assert default.pairs > 0
    assert [default.row(i) for i in range(n)] == [tiny.row(i) for i in range(n)]
    assert tiny.compared < n * (n - 1) // 2  # small blocks follow the window closely


def test_empty_and_single_market() -> None:
    empty = top_matches(normalize(np.empty((0, 4))), features(0), OFF)
    assert empty.pairs == 0
    assert empty.indptr.tolist() == [0]
    single = top_matches(normalize(np.ones((1, 4))), features(1), OFF)
    assert single.row(0) == []


def test_mismatched_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="vectors for"):
        top_matches(normalize(np.ones((2, 4))), features(3), OFF)
    with pytest.raises(ValueError, match="top_k"):
        MatchFilters(top_k=0)


def test_sibling_markets_of_one_event_never_match_unless_switched_off() -> None:
    from dashboard_backend.matching.filters import MarketFeatures, MatchFilters, allowed_pairs

    features = MarketFeatures.build(
        ids=["a", "b", "c", "d"],
        outcome_counts=[2, 2, 2, 2],
        categories=["politics"] * 4,
        close_times=[0.0] * 4,
        conditions=["ca", "cb", "cc", "cd"],
        events=["e1", "e1", "e2", None],
    )
    rows = np.array([0, 0, 0, 3], dtype=np.int64)
    cols = np.array([1, 2, 3, 3], dtype=np.int64)
    on = allowed_pairs(features, rows, cols, MatchFilters())
    # a~b share event e1: refused; a~c and a~d (no event) pass; d~d is the same market.
    assert on.tolist() == [False, True, True, False]
    off = allowed_pairs(features, rows, cols, MatchFilters(exclude_same_event=False))
    assert off.tolist() == [True, True, True, False]


def test_same_numbers_filter_on_and_off() -> None:
    from dashboard_backend.matching.numbers import question_numbers

    questions = [
        "Bitcoin Up or Down - July 23, 10:25PM-10:30PM ET",
        "Bitcoin Up or Down - July 23, 10:30PM-10:35PM ET",  # the next window: another bet
        "BTC up or down, Jul 23, 10:25 PM - 10:30 PM ET?",  # the same window, said otherwise
        "Will BTC be above $100k by June 30?",
        "Will BTC be above 100,000 by June 30, 2026?",  # a year said on one side only
        "Will BTC be above $110k by June 30?",  # another strike
        "Will BTC be above $100k by July 31?",  # another date
        "Will BTC be above $100k?",  # no date: silent, not contradicting
        "Will BTC hit an all-time high by June 30?",  # no strike: another bet
    ]
    n = len(questions)
    vectors = [angle(i * 0.1) for i in range(n)]  # all near-identical, as such questions embed
    feats = MarketFeatures.build(
        [f"m{i}" for i in range(n)],
        [2] * n,
        ["crypto"] * n,
        [T0] * n,
        [f"c{i}" for i in range(n)],
        numbers=[question_numbers(q) for q in questions],
    )
    on = MatchFilters(**{**OFF.__dict__, "require_same_numbers": True})
    got = run(vectors, feats, on)
    assert got[0] == ["m2"]
    assert got[1] == []
    assert sorted(got[3]) == ["m4", "m7"]
    assert got[5] == []
    assert got[8] == []
    assert sorted(got[6]) == ["m7"]
    assert len(run(vectors, feats, OFF)[0]) == n - 1  # off: every pair passes
    # Without numbers (callers that do not know the questions) the filter lets everything pass.
    plain = features(n)
    assert len(run(vectors, plain, on)[0]) == n - 1
