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


def both_passes(
    state: MatchState,
    docs: list[MarketDocument],
    vectors: npt.NDArray[np.float32],
    filters: MatchFilters,
    now: datetime,
    bases: list[int] | None = None,
) -> MatchResult:
    """An incremental pass, checked against a full pass over the same input."""
    sides = venue_sides(docs)
    incremental = state.run(docs, vectors, filters, now, sides, bases)
    full = MatchState().run(docs, vectors, filters, now, sides, bases)
    assert summary(incremental) == summary(full)
    return incremental


@pytest.mark.parametrize("variant", ["copies", "shuffled", "filters_on", "bases", "grows"])
def test_every_kind_of_input_keeps_incremental_passes_equal_to_full_ones(variant: str) -> None:
    """Documents as new objects of the same content (found unchanged by their keys, not by
    identity), in an order not by id (pairs whose markets swap places), with the number and
    entity filters on (their codes kept between passes), with a changing set of bases, and a
    catalog that grows by a fifth (beyond the room the kept vectors leave)."""
    docs, vectors = catalog(1500, seed=21)
    extra, extra_vectors = catalog(400, seed=22)
    on = variant == "filters_on"
    filters = MatchFilters(
        threshold=0.45, top_k=5, require_same_numbers=on, require_same_entities=on
    )
    rng = random.Random(9)
    state = MatchState()
    both_passes(state, docs, vectors, filters, NOW)
    for step in range(1, 4):
        docs, vectors = edit_catalog(docs, vectors, extra, extra_vectors, rng, 0.03)
        if variant == "grows" and step == 1:
            grown = [d.model_copy(update={"id": f"{d.id}-grown"}) for d in extra[:300]]
            everything = [*docs, *grown]
            order = sorted(range(len(everything)), key=lambda i: everything[i].id)
            docs = [everything[i] for i in order]
            vectors = np.vstack([vectors, extra_vectors[:300]])[order]
        run_docs, run_vectors = docs, vectors
        if variant == "copies":
            run_docs = [d.model_copy() for d in docs]
        if variant == "shuffled":
            order = rng.sample(range(len(docs)), len(docs))
            run_docs, run_vectors = [docs[i] for i in order], vectors[order]
        bases = sorted(rng.sample(range(len(docs)), len(docs) // 3)) if variant == "bases" else None
        now = NOW + timedelta(minutes=step)
        result = both_passes(state, run_docs, run_vectors, filters, now, bases)
        assert 0 < result.changed < len(docs) / 4
        assert result.decided < result.candidates


def test_an_unchanged_catalog_costs_nothing_and_a_price_rebuilds_only_its_lists() -> None:
    docs, vectors = catalog(1500, seed=31)
    filters = MatchFilters(threshold=0.45, top_k=5)
    state = MatchState()
    first = state.run(docs, vectors, filters, NOW, venue_sides(docs))
    copies = [d.model_copy() for d in docs]
    for same_docs in (docs, copies):
        again = state.run(same_docs, vectors, filters, NOW, venue_sides(docs))
        assert (again.changed, again.searched, again.decided) == (0, 0, 0)
        assert again.matches.keys() == first.matches.keys()
        assert all(again.matches[b] is first.matches[b] for b in first.matches)  # not rebuilt
    # A new price on one market: the lists showing it (and its own) are rebuilt, no other.
    shown = {e.market_id for es in first.matches.values() for e in es}
    target = sorted(shown)[0]
    at = next(i for i, d in enumerate(docs) if d.id == target)
    repriced = list(copies)
    repriced[at] = docs[at].model_copy(update={"liquidity": docs[at].liquidity + 5.0})
    later = NOW + timedelta(minutes=1)
    result = both_passes(state, repriced, vectors, filters, later)
    assert (result.changed, result.decided) == (0, 0)
    for base, entries in result.matches.items():
        showing = base == target or any(e.market_id == target for e in entries)
        assert (entries is first.matches[base]) != showing
        for e, was in zip(entries, first.matches[base], strict=True):
            if e.market_id == target:
                assert e.liquidity == docs[at].liquidity + 5.0
            if base == target:
                assert e.base_liquidity == docs[at].liquidity + 5.0
            # Only the entries reading the new price are built again; the rest are reused.
            assert (e is was) != (target in (base, e.market_id))
            assert e.matched_at == (later if target in (base, e.market_id) else NOW)


def test_a_failed_pass_leaves_no_half_updated_state() -> None:
    docs, vectors = catalog(800, seed=41)
    filters = MatchFilters(threshold=0.45)
    state = MatchState()
    state.run(docs, vectors, filters, NOW, venue_sides(docs))
    twice = [*docs, docs[0]]
    with pytest.raises(ValueError, match="unique"):
        state.run(twice, np.vstack([vectors, vectors[:1]]), filters, NOW, venue_sides(twice))
    with pytest.raises(ValueError, match="one vector per market"):
        state.run(docs, vectors[1:], filters, NOW, venue_sides(docs))
    edited, edited_vectors = edit_catalog(
        docs, vectors, docs[:0], vectors[:0], random.Random(1), 0.05
    )
    result = both_passes(state, edited, edited_vectors, filters, NOW)
    assert result.changed == len(edited)  # started over
