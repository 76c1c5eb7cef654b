"""The matches of a few markets against the whole catalog, with no top-K cut: what an incremental
pass needs of the markets that changed (`lists.update_lists`).

The same block products, filters and canonical scores as the full search (`similarity.py`), but
the query rows are few and spread in time, so the columns are swept once in time order, each
column block against the query rows within the window of its times.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from dashboard_backend.matching.filters import MarketFeatures, MatchFilters
from dashboard_backend.matching.similarity import (
    Blocks,
    FloatArray,
    IndexArray,
    Scan,
    bucket_keys,
    id_ranks,
    pair_scores,
)


class QueryScan(Scan):
    """A scan that lists every allowed pair it finds (no top-K buffer)."""

    def __init__(
        self, unit: FloatArray, features: MarketFeatures, filters: MatchFilters, blocks: Blocks
    ):
        super().__init__(unit, features, filters, blocks)
        self.found: list[tuple[IndexArray, IndexArray]] = []

    def query(self, rows: IndexArray, cols: IndexArray) -> None:
        """Every allowed pair (row, col) of the query rows with the columns, found as (row, col):
        dated rows with dated columns in the window, and every pair involving an undated one."""
        r_known, r_unknown = self._split(rows)
        c_known, c_unknown = self._split(cols)
        self.sweep(r_known, c_known)
        self.sweep(r_unknown, cols)
        if not len(c_unknown) or not len(r_known):
            return
        # Dated rows against undated columns: scanned from the undated side (which has no
        # window), then turned back to (row, col).
        start = len(self.found)
        self.across(c_unknown, r_known)
        self.found[start:] = [(c, r) for r, c in self.found[start:]]

    def sweep(self, rows: IndexArray, cols: IndexArray) -> None:
        """`across` for a few query rows against many columns: one pass over the columns in
        time order, each column block against the rows within the window of its times, so a
        column's vector is read once (blocks of rows would each read their window's columns:
        few rows spread in time make that many reads of mostly the same columns)."""
        if not len(rows) or not len(cols):
            return
        rows, r_times, windowed = self._sorted(rows)
        cols, c_times, _ = self._sorted(cols)
        r_vectors = self.unit[rows]
        width, height = self.blocks.sweep_cols, self.blocks.rows
        for a in range(0, len(cols), width):
            b = min(a + width, len(cols))
            r0, r1 = 0, len(rows)
            if windowed and self.window is not None:
                r0 = int(np.searchsorted(r_times, c_times[a] - self.window - 1.0, "left"))
                r1 = int(np.searchsorted(r_times, c_times[b - 1] + self.window + 1.0, "right"))
            if r0 >= r1:
                continue
            part = cols[a:b]
            c_vectors = self.unit[part]
            for s in range(r0, r1, height):
                self._block(
                    rows, r_vectors, s, min(s + height, r1), part, c_vectors, 0, b - a, False
                )


def row_matches(
    unit: FloatArray,
    features: MarketFeatures,
    filters: MatchFilters,
    rows: IndexArray,
    blocks: Blocks | None = None,
) -> tuple[IndexArray, IndexArray, npt.NDArray[np.float64], int]:
    """Every allowed pair (r, c) of the given rows with any market, similarity >= threshold
    (canonical scores, no top-K cut): what an incremental pass needs of the markets that changed.

    Sorted by row, then similarity descending, then the match's id; also the similarities
    computed by the block products. The block products run on one BLAS thread: they are small
    (a few rows against a column block), and a second thread mostly waits for its share (on a
    busy 2-core machine, 1-4 s of CPU instead of 0.4 s for 2,000 rows at 300,000 markets).
    """
    n = len(features)
    if unit.shape[0] != n:
        raise ValueError(f"{unit.shape[0]} vectors for {n} markets")
    with threadpool_limits(1, user_api="blas"):
        return _row_matches(unit, features, filters, rows, blocks or Blocks())


def _row_matches(
    unit: FloatArray,
    features: MarketFeatures,
    filters: MatchFilters,
    rows: IndexArray,
    blocks: Blocks,
) -> tuple[IndexArray, IndexArray, npt.NDArray[np.float64], int]:
    n = len(features)
    scan = QueryScan(unit, features, filters, blocks)
    wanted = np.zeros(n, dtype=np.bool_)
    wanted[rows] = True
    keys = bucket_keys(features, filters)
    by_key = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[by_key])) + 1
    for members in np.split(by_key, bounds):
        query = members[wanted[members]]
        if not len(query) or len(members) < 2:
            continue
        if features.sides is None:
            scan.query(query, members)
            continue
        q_sides, sides = features.sides[query], features.sides[members]
        for side in np.unique(q_sides):
            scan.query(query[q_sides == side], members[sides != side])
    if scan.found:
        found_r = np.concatenate([f[0] for f in scan.found])
        found_c = np.concatenate([f[1] for f in scan.found])
    else:
        found_r = found_c = np.empty(0, dtype=np.int64)
    exact = pair_scores(unit, found_r, found_c)
    keep = exact >= filters.threshold
    found_r, found_c, exact = found_r[keep], found_c[keep], exact[keep]
    order = np.lexsort((id_ranks(features.ids)[found_c], -exact, found_r))
    return found_r[order], found_c[order], exact[order], scan.compared
