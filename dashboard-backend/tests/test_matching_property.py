"""Property: on random catalogs the pruned search returns exactly the brute-force result.

The reference compares every ordered pair with a plain-Python reading of the filter rules, scores
each pair on its own with the canonical `pair_scores` of the same float32 unit vectors (see the
similarity module docstring: that is what makes results identical rather than merely close),
applies the threshold, sorts by (similarity desc, id) and keeps K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard_backend.matching.filters import MarketFeatures, MatchFilters
from dashboard_backend.matching.similarity import (
    Blocks,
    normalize,
    pair_scores,
    top_matches,
)

DAY = 86_400.0
CATEGORIES = ["sports", "Sports", " sports ", "politics", "crypto", None, ""]
# Number sets as `question_numbers` writes them: amounts, dates (06-30), times (22:25), years (y2026).
NUMBER_POOL: list[frozenset[str]] = [
    frozenset(s)
    for s in (
        set(),
        {"100000"},
        {"110000"},
        {"100000", "y2026"},
        {"y2026"},
        {"y2025"},
        {"06-30"},
        {"07-31"},
        {"06-30", "y2026"},
        {"07-23", "22:25", "22:30"},
        {"07-23", "22:30", "22:35"},
        {"22:25"},
        {"5%", "y2026"},
        {"0.25%"},
    )
]

# Entity sets as `question_entities` writes them: equal, subset, overlapping and disjoint ones.
ENTITY_POOL: list[frozenset[str]] = [
    frozenset(s)
    for s in (
        set(),
        {"lakers"},
        {"bucks", "lakers"},
        {"kings", "lakers"},
        {"kings"},
        {"donald", "trump", "julian", "assange"},
        {"trump"},
        {"donald", "trump", "ross", "ulbricht"},
        {"china", "winter", "olympics"},
    )
]


@dataclass(frozen=True)
class Case:
    """A random catalog, filters and block shapes."""

    vectors: np.ndarray
    ids: list[str]
    outcomes: list[int]
    categories: list[str | None]
    close: list[float | None]
    conditions: list[str]
    sides: list[int] | None
    filters: MatchFilters
    blocks: Blocks
    events: list[str | None] = field(default_factory=list)
    numbers: list[frozenset[str]] | None = None
    entities: list[frozenset[str]] | None = None


def _kinds(numbers: frozenset[str]) -> tuple[set[str], set[str], set[str], set[str]]:
    """(amounts, dates, times, years) of one number set, read off the token shapes."""
    years = {t for t in numbers if t.startswith("y")}
    times = {t for t in numbers if ":" in t}
    dates = {t for t in numbers if len(t) == 5 and t[2] == "-"}
    return set(numbers) - years - times - dates, dates, times, years


def _numbers_allowed(a: frozenset[str], b: frozenset[str]) -> bool:
    """Same amounts; same dates, times and years unless one side names none of that kind."""
    (amounts_a, *rest_a), (amounts_b, *rest_b) = _kinds(a), _kinds(b)
    if amounts_a != amounts_b:
        return False
    return all(x == y or not x or not y for x, y in zip(rest_a, rest_b, strict=True))


def _category(c: str | None) -> str:
    return "unknown" if c is None or not c.strip() else c.strip().lower()


def allowed(case: Case, i: int, j: int) -> bool:
    """The filter rules, read literally."""
    f = case.filters
    if i == j or case.ids[i] == case.ids[j]:
        return False
    if f.same_outcome_count and case.outcomes[i] != case.outcomes[j]:
        return False
    same_venue = case.sides is None or case.sides[i] == case.sides[j]
    if f.exclude_same_condition and case.conditions[i] == case.conditions[j] and same_venue:
        return False
    ev_i, ev_j = (case.events[i], case.events[j]) if case.events else (None, None)
    if f.exclude_same_event and ev_i is not None and ev_i == ev_j:
        return False
    if f.same_category and _category(case.categories[i]) != _category(case.categories[j]):
        return False
    if f.close_window_days is not None:
        a, b = case.close[i], case.close[j]
        # An undated market's day cannot be checked: only two dated ones need the window.
        if a is not None and b is not None and abs(a - b) > f.close_window_days * DAY:
            return False
    numbers = case.numbers
    if f.require_same_numbers and numbers and not _numbers_allowed(numbers[i], numbers[j]):
        return False
    entities = case.entities
    if f.require_same_entities and entities:
        names_i, names_j = entities[i], entities[j]
        if not (names_i <= names_j or names_j <= names_i):  # one side's names contain the other's
            return False
    return not (case.sides is not None and case.sides[i] == case.sides[j])


def brute_force(case: Case, unit: np.ndarray) -> list[list[tuple[int, float]]]:
    """Every pair, scored one at a time."""
    n = len(case.ids)
    out: list[list[tuple[int, float]]] = []
    for i in range(n):
        found: list[tuple[int, float]] = []
        for j in range(n):
            if allowed(case, i, j):
                score = float(pair_scores(unit, np.array([i]), np.array([j]))[0])
                if score >= case.filters.threshold:
                    found.append((j, score))
        found.sort(key=lambda js: (-js[1], case.ids[js[0]], js[0]))
        out.append(found[: case.filters.top_k])
    return out


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(0, 40))
    d = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_clusters = draw(st.integers(1, 4))
    centroids = rng.normal(size=(n_clusters, d))
    noise = draw(st.sampled_from([0.0, 0.05, 0.3, 1.0, 3.0]))
    vectors = centroids[rng.integers(0, n_clusters, n)] + noise * rng.normal(size=(n, d))
    kinds = rng.random(n)
    vectors[kinds < 0.15] = rng.normal(size=(int((kinds < 0.15).sum()), d))  # random ones
    if n >= 2 and draw(st.booleans()):
        vectors[1] = vectors[0]  # exact duplicates: ties broken by id
    if n >= 3 and draw(st.booleans()):
        vectors[2] = 0.0  # a zero vector: similarity 0 with everything
    ids = draw(st.lists(st.text("abc0123", min_size=1, max_size=4), min_size=n, max_size=n))
    if draw(st.booleans()):
        ids = list(dict.fromkeys(ids)) + [f"z{i}" for i in range(n - len(set(ids)))]
    base = 1_790_000_000.0
    close: list[float | None] = [
        None if rng.random() < 0.15 else base + float(rng.integers(0, 40)) * DAY / 2
        for _ in range(n)
    ]
    pool = draw(st.integers(1, max(1, n)))
    two_sided = draw(st.booleans())
    window = draw(st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.0, 3.0, 7.0, 30.0])))
    threshold = draw(st.sampled_from([-1.0, -0.2, 0.0, 0.5, 0.75, 0.9, 0.99, 1.0]))
    unit = normalize(vectors)
    if n >= 2 and draw(st.booleans()):
        # A threshold exactly equal to a pair's canonical score: the >= rule must hold exactly.
        threshold = float(pair_scores(unit, np.array([0]), np.array([1]))[0])
        threshold = min(1.0, max(-1.0, threshold))
    filters = MatchFilters(
        threshold=threshold,
        top_k=draw(st.integers(1, 5)),
        same_outcome_count=draw(st.booleans()),
        exclude_same_condition=draw(st.booleans()),
        same_category=draw(st.booleans()),
        close_window_days=window,
        exclude_same_event=draw(st.booleans()),
        require_same_numbers=draw(st.booleans()),
        require_same_entities=draw(st.booleans()),
    )
    pool_size = draw(st.integers(1, len(NUMBER_POOL)))
    numbers = (
        [NUMBER_POOL[int(k)] for k in rng.integers(0, pool_size, n)]
        if draw(st.booleans())
        else None
    )
    blocks = Blocks(
        rows=draw(st.integers(1, 9)),
        min_rows=draw(st.integers(1, 4)),
        cols=draw(st.integers(1, 9)),
        span_fraction=draw(st.sampled_from([0.0, 0.25, 1.0, 3.0])),
        buffer=draw(st.one_of(st.none(), st.integers(1, 30))),
    )
    return Case(
        vectors=vectors,
        ids=ids,
        outcomes=[int(x) for x in rng.integers(2, 4, n)],
        categories=[CATEGORIES[int(k)] for k in rng.integers(0, len(CATEGORIES), n)],
        close=close,
        conditions=[f"c{int(k)}" for k in rng.integers(0, pool, n)],
        sides=[int(x) for x in rng.integers(0, 2, n)] if two_sided else None,
        filters=filters,
        blocks=blocks,
        events=[None if k == 0 else f"ev{int(k)}" for k in rng.integers(0, max(2, n // 3), n)],
        numbers=numbers,
        entities=(
            [ENTITY_POOL[int(k)] for k in rng.integers(0, len(ENTITY_POOL), n)]
            if draw(st.booleans())
            else None
        ),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_pruned_search_equals_brute_force(case: Case) -> None:
    unit = normalize(case.vectors)
    features = MarketFeatures.build(
        case.ids,
        case.outcomes,
        case.categories,
        case.close,
        case.conditions,
        case.sides,
        events=case.events,
        numbers=case.numbers,
        entities=case.entities,
    )
    result = top_matches(unit, features, case.filters, case.blocks)
    fast = [result.row(i) for i in range(len(case.ids))]
    assert fast == brute_force(case, unit)
    assert result.pairs == sum(len(r) for r in fast)
    # Every reported score is a real cosine of the original vectors.
    for i, row in enumerate(fast):
        for j, score in row:
            a, b = case.vectors[i].astype(float), case.vectors[j].astype(float)
            na, nb = np.linalg.norm(a), np.linalg.norm(b)
            if na and nb:
                assert math.isclose(score, float(a @ b / (na * nb)), abs_tol=1e-5)


def test_larger_clustered_catalog_equals_brute_force() -> None:
    """A few hundred markets in tight clusters with default block shapes and default filters."""
    rng = np.random.default_rng(11)
    n, d = 400, 24
    centroids = rng.normal(size=(12, d))
    vectors = centroids[rng.integers(0, 12, n)] + 0.35 * rng.normal(size=(n, d))
    case = Case(
        vectors=vectors,
        ids=[f"m{int(k)}" for k in rng.permutation(n)],
        outcomes=[int(x) for x in rng.choice([2, 2, 2, 3], n)],
        categories=[CATEGORIES[int(k)] for k in rng.integers(0, len(CATEGORIES), n)],
        close=[
            None if rng.random() < 0.05 else 1_790_000_000.0 + float(rng.uniform(0, 60)) * DAY
            for _ in range(n)
        ],
        conditions=[f"c{int(k)}" for k in rng.integers(0, 300, n)],
        sides=None,
        filters=MatchFilters(threshold=0.8, top_k=4),
        blocks=Blocks(rows=64, min_rows=16, cols=48, buffer=200),
        # Mostly no numbers, as in a real catalog; the rest from the pool.
        numbers=[
            NUMBER_POOL[int(k)] if k < len(NUMBER_POOL) else frozenset()
            for k in rng.integers(0, 3 * len(NUMBER_POOL), n)
        ],
        entities=[ENTITY_POOL[int(k)] for k in rng.integers(0, len(ENTITY_POOL), n)],
    )
    unit = normalize(case.vectors)
    features = MarketFeatures.build(
        case.ids,
        case.outcomes,
        case.categories,
        case.close,
        case.conditions,
        None,
        numbers=case.numbers,
        entities=case.entities,
    )
    result = top_matches(unit, features, case.filters, case.blocks)
    expected = brute_force(case, unit)
    assert [result.row(i) for i in range(n)] == expected
    assert result.pairs > 50  # the case is not trivially empty
    default = top_matches(unit, features, case.filters)
    assert [default.row(i) for i in range(n)] == expected
