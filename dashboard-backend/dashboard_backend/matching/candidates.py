"""The candidate pairs of a pass and their verdicts, as arrays kept from one pass to the next.

A pair is a candidate when either market has the other among its top-K embedding neighbours, or
when the card blocks propose it and the structural filters allow it (never a market with itself,
one condition twice, two siblings of one event). Pairs are held by position (a < b), sorted, with
the verdict of each (A = the market at a), its similarity, relation code and rounded confidence.
The previous pass's table, moved to the current positions (survivors keep their order, so it
stays sorted), gives back the verdict of every pair whose two markets did not change: only new
pairs and pairs of a changed market are decided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.delta import Delta
from dashboard_backend.matching.entries import RELATION_RANK
from dashboard_backend.matching.filters import MarketFeatures, MatchFilters
from dashboard_backend.matching.similarity import Neighbours, pair_scores
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import Relation

IndexArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

RELATIONS = tuple(Relation)
_CODE = {r: k for k, r in enumerate(RELATIONS)}
UNRELATED = _CODE[Relation.UNRELATED]
# Entry order of each relation code (`entries.RELATION_RANK`).
RANK_OF_CODE = np.array([RELATION_RANK[r] for r in RELATIONS], dtype=np.int64)


@dataclass(frozen=True)
class PairTable:
    """Candidate pairs by position (a < b, sorted by (a, b)) with what was decided for each."""

    a: IndexArray
    b: IndexArray
    verdicts: npt.NDArray[np.object_]  # the Verdict of each pair, A = market a
    sims: npt.NDArray[np.float64]
    relations: npt.NDArray[np.int8]  # index into RELATIONS
    confidence: npt.NDArray[np.float64]  # the verdict's confidence rounded as entries show it
    from_cards: int  # pairs only the card blocks proposed

    def __len__(self) -> int:
        return len(self.a)

    def counts(self) -> dict[str, int]:
        """Pairs per relation."""
        counts = np.bincount(self.relations, minlength=len(RELATIONS)).tolist()
        return {r.value: c for r, c in zip(RELATIONS, counts, strict=True) if c}


def _member(values: IndexArray, sorted_values: IndexArray) -> BoolArray:
    """Whether each value is in the sorted array."""
    at = np.searchsorted(sorted_values, values)
    found: BoolArray = at < len(sorted_values)
    found[found] = sorted_values[at[found]] == values[found]
    return found


class BlockEdges:
    """The card-block pairs as directed edges (market -> a market it found), by position, kept
    between passes: only the markets whose `found` was recomputed have their edges redone."""

    def __init__(self) -> None:
        self.src: IndexArray = np.empty(0, dtype=np.int64)
        self.dst: IndexArray = np.empty(0, dtype=np.int64)

    def update(
        self,
        delta: Delta,
        redone: Set[str],
        found: Mapping[str, frozenset[str]],
    ) -> tuple[IndexArray, IndexArray]:
        """The edges at the current positions (`redone`: the markets whose `found` changed)."""
        src, dst = delta.new_of[self.src], delta.new_of[self.dst]
        keep = (src >= 0) & (dst >= 0)
        position = delta.position
        redo = np.fromiter((position[m] for m in redone), np.int64, len(redone))
        again = np.zeros(len(delta.ids), dtype=np.bool_)
        again[redo] = True
        keep[keep] &= ~again[src[keep]]
        new_src: list[int] = []
        new_dst: list[int] = []
        for m in redone:
            i = position[m]
            for other in found.get(m, ()):
                new_src.append(i)
                new_dst.append(position[other])
        self.src = np.concatenate([src[keep], np.array(new_src, dtype=np.int64)])
        self.dst = np.concatenate([dst[keep], np.array(new_dst, dtype=np.int64)])
        return self.src, self.dst


def allowed_blocked(
    features: MarketFeatures, src: IndexArray, dst: IndexArray, filters: MatchFilters
) -> BoolArray:
    """The structural filters that also bind card candidates: never a market with itself, one
    condition twice, or two siblings of one event (different bets that only look alike)."""
    ok: BoolArray = src != dst
    if filters.exclude_same_condition:
        ok &= features.conditions[src] != features.conditions[dst]
    if filters.exclude_same_event:
        ok &= features.events[src] != features.events[dst]
    return ok


def candidate_pairs(
    neighbours: Neighbours,
    src: IndexArray,
    dst: IndexArray,
    features: MarketFeatures,
    filters: MatchFilters,
) -> tuple[IndexArray, IndexArray, int]:
    """Sorted unordered pairs (a < b) of the embedding neighbours and of the allowed card-block
    edges (src -> dst); also how many only the cards proposed."""
    n = len(features)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(neighbours.indptr))
    cols = neighbours.indices
    embedded = np.unique(np.minimum(rows, cols) * n + np.maximum(rows, cols))
    ok = allowed_blocked(features, src, dst, filters)
    src, dst = src[ok], dst[ok]
    blocked = np.unique(np.minimum(src, dst) * n + np.maximum(src, dst))
    cards_only = blocked[~_member(blocked, embedded)]
    codes = np.sort(np.concatenate([embedded, cards_only]))
    return codes // max(n, 1), codes % max(n, 1), len(cards_only)


def judge_pairs(
    old: PairTable | None,
    a: IndexArray,
    b: IndexArray,
    from_cards: int,
    new_of: IndexArray,
    dirty: BoolArray,
    unit: npt.NDArray[np.float32],
    decide: Callable[[int, int], Verdict],
) -> tuple[PairTable, int, BoolArray]:
    """The table of pairs (a, b): verdicts of the previous table (`new_of`: previous position ->
    current, -1 gone) where neither market is `dirty`, the rest decided. Also how many were
    decided, and which markets gained, lost or changed a pair (their lists need a look)."""
    n, size = len(dirty), len(a)
    codes = a * n + b
    verdicts = np.empty(size, dtype=object)
    sims = np.empty(size, dtype=np.float64)
    relations = np.empty(size, dtype=np.int8)
    confidence = np.empty(size, dtype=np.float64)
    touched = np.zeros(n, dtype=np.bool_)
    hit = np.zeros(size, dtype=np.bool_)
    if old is not None and len(old):
        oa, ob = new_of[old.a], new_of[old.b]
        alive = (oa >= 0) & (ob >= 0)
        touched[oa[(oa >= 0) & ~alive]] = True  # the other market is gone
        touched[ob[(ob >= 0) & ~alive]] = True
        where = np.flatnonzero(alive)
        oa, ob = oa[where], ob[where]
        # Markets that changed places (an order not by id) give the pair the other way round:
        # the verdict reads A first, so such a pair is decided again.
        lo, hi = np.minimum(oa, ob), np.maximum(oa, ob)
        at = np.searchsorted(codes, lo * n + hi)
        still = _member(lo * n + hi, codes)
        touched[oa[~still]] = True  # no longer a candidate
        touched[ob[~still]] = True
        reuse = still & ~(dirty[oa] | dirty[ob]) & (oa < ob)
        src, dst = where[reuse], at[reuse]
        verdicts[dst] = old.verdicts[src]
        sims[dst] = old.sims[src]
        relations[dst] = old.relations[src]
        confidence[dst] = old.confidence[src]
        hit[dst] = True
    todo = np.flatnonzero(~hit)
    if len(todo):
        ta, tb = a[todo], b[todo]
        touched[ta] = True
        touched[tb] = True
        sims[todo] = pair_scores(unit, ta, tb)
        for k, i, j in zip(todo.tolist(), ta.tolist(), tb.tolist(), strict=True):
            verdict = decide(i, j)
            verdicts[k] = verdict
            relations[k] = _CODE[verdict.relation]
            confidence[k] = round(verdict.confidence, 3)
    table = PairTable(a, b, verdicts, sims, relations, confidence, from_cards)
    return table, len(todo), touched
