"""Incremental matching passes equal full passes; the synthetic two-venue catalog is deterministic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from dashboard_backend.bench._twovenue import edit_catalog, generate, synthetic_vectors
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import MatchResult, MatchState, venue_sides
from dashboard_backend.matching.text import fold, fold_unicode
from dashboard_backend.models import MarketDocument

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def catalog(n: int, seed: int) -> tuple[list[MarketDocument], npt.NDArray[np.float32]]:
    cat = generate(n, seed)
    vectors = synthetic_vectors(cat, seed)
    order = sorted(range(len(cat.docs)), key=lambda i: cat.docs[i].id)
    return [cat.docs[i] for i in order], vectors[order]


def summary(result: MatchResult) -> object:
    """Everything a pass decides (entries with prices, relations, maps), and its candidates; an
    entry kept from an earlier pass keeps that pass's `matched_at`, as the store does."""
    return (
        {b: [e.model_dump(exclude={"matched_at"}) for e in es] for b, es in result.matches.items()},
        result.pair_ids,
        result.relations,
        result.neighbours.indptr.tolist(),
        result.neighbours.indices.tolist(),
        result.neighbours.scores.tolist(),
    )


@pytest.mark.parametrize(("depth_factor", "top_k"), [(2, 10), (1, 3)])
def test_incremental_passes_equal_full_passes(depth_factor: int, top_k: int) -> None:
    docs, vectors = catalog(2500, seed=11)
    extra, extra_vectors = catalog(600, seed=12)
    filters = MatchFilters(threshold=0.45, top_k=top_k)
    rng = random.Random(5)
    state = MatchState(depth_factor=depth_factor)
    first = state.run(docs, vectors, filters, NOW, venue_sides(docs))
    assert first.changed == len(docs)
    assert first.decided == first.candidates > 500
    reused = 0
    for step in range(1, 4):
        docs, vectors = edit_catalog(docs, vectors, extra, extra_vectors, rng, 0.03)
        sides = venue_sides(docs)
        now = NOW + timedelta(minutes=step)
        incremental = state.run(docs, vectors, filters, now, sides)
        full = MatchState(depth_factor=depth_factor).run(docs, vectors, filters, now, sides)
        assert summary(incremental) == summary(full)
        assert 0 < incremental.changed < len(docs) / 5
        assert incremental.searched < len(docs) / 2
        reused += incremental.candidates - incremental.decided
    assert reused > 0  # verdicts of unchanged pairs were reused, not decided again


def test_a_new_vector_model_or_other_filters_start_over() -> None:
    docs, vectors = catalog(800, seed=3)
    state = MatchState()
    state.run(docs, vectors, MatchFilters(threshold=0.45), NOW, venue_sides(docs), model="a")
    again = state.run(
        docs, vectors, MatchFilters(threshold=0.45), NOW, venue_sides(docs), model="a"
    )
    assert (again.changed, again.searched, again.decided) == (0, 0, 0)
    other = state.run(
        docs, vectors * 2, MatchFilters(threshold=0.45), NOW, venue_sides(docs), model="b"
    )
    assert other.changed == len(docs)
    stricter = state.run(
        docs, vectors, MatchFilters(threshold=0.5), NOW, venue_sides(docs), model="b"
    )
    assert stricter.changed == len(docs)


def test_generator_is_deterministic_and_knows_its_pairs() -> None:
    a, b, c = generate(1500, seed=4), generate(1500, seed=4), generate(1500, seed=5)
    assert [d.model_dump() for d in a.docs] == [d.model_dump() for d in b.docs]
    assert a.truth == b.truth
    assert a.parts == b.parts
    assert [d.id for d in a.docs] != [d.id for d in c.docs] or a.truth != c.truth
    assert np.array_equal(synthetic_vectors(a, 4), synthetic_vectors(b, 4))
    by_id = {d.id: d for d in a.docs}
    assert {by_id[p].venue for p, _ in a.truth} == {"polymarket"}
    assert {by_id[k].venue for _, k in a.truth} == {"kalshi"}
    assert len(a.docs) >= 1500
    assert len({d.id for d in a.docs}) == len(a.docs)
    assert all(d.signature for d in a.docs)
    # Both listings of a known pair are about one subject (the game, the contest, the race, the
    # asset's day or month, the person's proposition).
    parts = {d.id: p for d, p in zip(a.docs, a.parts, strict=True)}
    assert all(parts[p][2] == parts[k][2] for p, k in a.truth)


def test_fold_fast_path_is_the_general_path() -> None:
    texts = ["Will the `A's` win?", "Côte d’Ivoire vs. Bayern München", "ß ø æ", "Straße `x`", ""]
    texts += [chr(c) * 3 + " Ab" for c in range(32, 127)]
    assert [fold(t) for t in texts] == [fold_unicode(t) for t in texts]
