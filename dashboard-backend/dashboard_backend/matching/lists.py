"""Each market's deep list of embedding neighbours, kept between passes and updated incrementally.

A full pass keeps, per market, its best `depth` (> top K) allowed neighbours above the
threshold, and whether that list is complete (every such neighbour). A later pass over a catalog
where some markets are new, changed or gone needs only those markets' rows (`row_matches`: all
their pairs, no cut) to know every other market's exact top K:

- an unchanged market's old list, less the changed and removed markets, is still the exact head
  of its unchanged neighbours (their vectors and filters did not change, nor their scores);
- the changed markets' pairs are known in full, so they are merged in;
- the merged list is exact up to the old list's last entry (an unchanged neighbour not in the old
  list ranks after it); when fewer than K exact entries remain and the list was not complete,
  that market's row is searched again.

The result equals a full pass's top K, order and scores included (tests compare both).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.delta import Delta
from dashboard_backend.matching.filters import MarketFeatures, MatchFilters
from dashboard_backend.matching.row_search import row_matches
from dashboard_backend.matching.similarity import IndexArray, Neighbours, top_matches

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DeepLists:
    """Neighbour lists by market position (CSR, best first), with each list's completeness."""

    ids: tuple[str, ...]
    indptr: IndexArray
    cols: IndexArray
    scores: FloatArray
    complete: npt.NDArray[np.bool_]

    def top(self, k: int, compared: int = 0) -> Neighbours:
        """The first k of every list as `Neighbours` (`compared`: the search's count)."""
        n = len(self.ids)
        sizes = np.minimum(np.diff(self.indptr), k)
        starts = self.indptr[:-1]
        take = np.repeat(starts, sizes) + (
            np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        )
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        return Neighbours(indptr, self.cols[take], self.scores[take], compared, int(sizes.sum()))


def full_lists(
    unit: npt.NDArray[np.float32], features: MarketFeatures, filters: MatchFilters, depth: int
) -> tuple[DeepLists, int]:
    """Every market's list from scratch; also the similarities computed."""
    found = top_matches(unit, features, replace(filters, top_k=depth))
    sizes = np.diff(found.indptr)
    lists = DeepLists(features.ids, found.indptr, found.indices, found.scores, sizes < depth)
    return lists, found.compared


def _rows_of(indptr: IndexArray) -> IndexArray:
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def update_lists(
    old: DeepLists,
    unit: npt.NDArray[np.float32],
    features: MarketFeatures,
    filters: MatchFilters,
    delta: Delta,
    depth: int,
) -> tuple[DeepLists, int, int]:
    """The lists for the current markets, given the previous pass's lists and what changed
    (`delta`: positions moved, markets new or changed); also how many rows were searched and how
    many similarities the block products computed.

    Every row's entries come from one source (the old list moved, a search, or a merge), each
    already in list order, so putting the rows in order is a stable sort by row, not a re-sort.
    """
    ids = features.ids
    n = len(ids)
    dirty = delta.dirty
    # Old position -> current position of the same, unchanged market (-1: changed or gone).
    remap = delta.new_of.copy()
    moved = remap >= 0
    remap[moved] = np.where(dirty[remap[moved]], -1, remap[moved])
    old_rows = _rows_of(old.indptr)
    rows_now, cols_now = remap[old_rows], remap[old.cols]
    alive = rows_now >= 0
    lost_rows = np.unique(rows_now[alive & (cols_now < 0)])
    searched = np.flatnonzero(dirty)
    add_r, add_c, add_s, compared = row_matches(unit, features, filters, searched)
    # Pairs of changed rows seen from their (unchanged) neighbours.
    back = ~dirty[add_c]
    touched = np.union1d(lost_rows, np.unique(add_c[back]))
    touched_mask = np.zeros(n, dtype=np.bool_)
    touched_mask[touched] = True
    # Untouched, surviving rows keep their lists as they are.
    keep = alive & ~touched_mask[np.maximum(rows_now, 0)]
    part_r, part_c, part_s = [rows_now[keep]], [cols_now[keep]], [old.scores[keep]]
    complete = np.zeros(n, dtype=np.bool_)
    had = np.flatnonzero(remap >= 0)
    complete[remap[had]] = old.complete[had]
    # Changed rows: their full pair lists, cut at depth.
    _take_heads(searched, add_r, add_c, add_s, depth, part_r, part_c, part_s, complete)
    # Touched rows: merge, or search again when the exact head is too short.
    extra: dict[int, list[tuple[float, str, int]]] = {}
    for r, c, s in zip(
        add_c[back].tolist(), add_r[back].tolist(), add_s[back].tolist(), strict=True
    ):
        extra.setdefault(r, []).append((-s, ids[c], c))
    again: list[int] = []
    for r, p in zip(touched.tolist(), delta.old_of[touched].tolist(), strict=True):
        lo, hi = int(old.indptr[p]), int(old.indptr[p + 1])
        entries = [
            (-s, ids[c], c)
            for s, c in zip(old.scores[lo:hi].tolist(), cols_now[lo:hi].tolist(), strict=True)
            if c >= 0
        ]
        merged = sorted(entries + extra.get(r, []))
        if old.complete[p]:
            head = merged
        else:
            worst = (
                (-float(old.scores[hi - 1]), old.ids[int(old.cols[hi - 1])]) if hi > lo else None
            )
            head = [e for e in merged if worst is not None and (e[0], e[1]) <= worst]
            if len(head) < filters.top_k:
                again.append(r)
                continue
        complete[r] = bool(old.complete[p]) and len(head) < depth
        head = head[:depth]
        part_r.append(np.full(len(head), r, dtype=np.int64))
        part_c.append(np.array([e[2] for e in head], dtype=np.int64))
        part_s.append(np.array([-e[0] for e in head], dtype=np.float64))
    if again:
        redo = np.array(again, dtype=np.int64)
        r2, c2, s2, more = row_matches(unit, features, filters, redo)
        compared += more
        _take_heads(redo, r2, c2, s2, depth, part_r, part_c, part_s, complete)
    rows = np.concatenate(part_r)
    order = np.argsort(rows, kind="stable")
    cols = np.concatenate(part_c)[order]
    scores = np.concatenate(part_s)[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return DeepLists(ids, indptr, cols, scores, complete), len(searched) + len(again), compared


def _take_heads(
    searched: IndexArray,
    rows: IndexArray,
    cols: IndexArray,
    scores: FloatArray,
    depth: int,
    part_r: list[IndexArray],
    part_c: list[IndexArray],
    part_s: list[FloatArray],
    complete: npt.NDArray[np.bool_],
) -> None:
    """The first `depth` pairs of each searched row (sorted full pair lists); marks which rows
    hold every pair."""
    complete[searched] = True
    if not len(rows):
        return
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    sizes = np.diff(np.r_[starts, len(rows)])
    rank = np.arange(len(rows)) - np.repeat(starts, sizes)
    head = rank < depth
    part_r.append(rows[head])
    part_c.append(cols[head])
    part_s.append(scores[head])
    complete[rows[starts[sizes > depth]]] = False
