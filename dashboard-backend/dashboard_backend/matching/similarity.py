"""Exact, pruned top-K cosine search over market vectors under the structural filters.

The result is exactly what brute force gives: every pair passing `filters.allowed_pairs` whose
similarity is >= the threshold, the best `top_k` per market, ordered by similarity descending then
market id. Pruning only skips pairs that provably cannot qualify:

1. Markets are bucketed by outcome count and category (when those filters are on); pairs across
   buckets are never compared.
2. Inside a bucket, dated markets are sorted by close time; a block of rows is compared only with
   the later columns whose close time lies within the window of the block's latest row, and each
   unordered pair is computed once (upper triangle). Undated markets are compared with every
   market of the bucket (their day cannot be checked). No N×N matrix: blocks are bounded.
3. Each block product (float32 BLAS) is thresholded first (`np.flatnonzero`), so top-K selection
   only ever sees candidates; per-row candidates are pruned to the top K as they accumulate.

Float32 rounding: a float32 product can differ from the true dot product by up to
`d·2⁻²⁴·|u||v|`, and the rounding depends on how BLAS blocks the product, so two runs with
different block shapes may disagree in the last bit near the threshold or between near-ties.
Every decision is therefore made on one canonical score, `pair_scores`: the float64 sum of the
exact float64 products of the two float32 unit vectors, computed per pair, independent of
batching. The float32 blocks only pre-select, with a slack that bounds their error (`score_slack`):
candidates within the slack below the threshold or below a row's K-th value are kept and
re-scored. A brute-force reference that applies `pair_scores` to every allowed pair of the same
float32 unit vectors returns identical pairs, order and similarities.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from itertools import islice

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.filters import MarketFeatures, MatchFilters, allowed_pairs

FloatArray = npt.NDArray[np.float32]
IndexArray = npt.NDArray[np.int64]

_SCORE_CHUNK = 32_768  # pairs re-scored per float64 batch


@dataclass(frozen=True)
class Blocks:
    """Block shapes of the search; they change speed and memory, never the result."""

    rows: int = 2048  # most rows of one block product
    min_rows: int = 256  # fewest rows, so BLAS stays efficient when close times are dense
    cols: int = 4096  # most columns of one block product (at most 32 MiB of float32 by default)
    span_fraction: float = 0.1  # a row block spans at most this fraction of the window
    sweep_cols: int = 1024  # columns of one block when a few query rows sweep the columns
    # Candidates held before pruning each row to its top K; None = max(2M, 4·n·(K+1)).
    buffer: int | None = None

    def __post_init__(self) -> None:
        if min(self.rows, self.min_rows, self.cols, self.sweep_cols) < 1 or self.span_fraction < 0:
            raise ValueError(f"invalid block shape {self}")
        if self.buffer is not None and self.buffer < 1:
            raise ValueError("buffer must be at least 1")


def normalize(vectors: npt.ArrayLike, out: FloatArray | None = None) -> FloatArray:
    """Rows scaled to unit length as float32 (all-zero rows stay zero); rejects non-finite values.

    `out`: where to write them (same shape), else a new array."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("vectors hold non-finite values")
    norms = np.sqrt(np.einsum("ij,ij->i", array, array, dtype=np.float64))
    norms[norms == 0.0] = 1.0
    unit: FloatArray = np.divide(array, norms[:, None].astype(np.float32), out=out)
    return unit


def pair_scores(unit: FloatArray, rows: IndexArray, cols: IndexArray) -> npt.NDArray[np.float64]:
    """The canonical similarity of each pair (rows[k], cols[k]) of float32 unit vectors.

    The float64 products of float32 values are exact, and each row is summed on its own (numpy's
    pairwise sum along the contiguous axis), so a pair's score does not depend on the batch.
    """
    out = np.empty(len(rows), dtype=np.float64)
    for start in range(0, len(rows), _SCORE_CHUNK):
        stop = start + _SCORE_CHUNK
        a = unit[rows[start:stop]].astype(np.float64)
        np.multiply(a, unit[cols[start:stop]], out=a)
        out[start:stop] = a.sum(axis=1)
    return out


def score_slack(unit: FloatArray) -> float:
    """An upper bound on |float32 block product - pair_scores| for any pair of these vectors."""
    if unit.size == 0:
        return 0.0
    d = unit.shape[1]
    max_sq = float(np.max(np.einsum("ij,ij->i", unit, unit, dtype=np.float64)))
    # Dot-product error bound gamma_d = d*u/(1-d*u) times |u||v|, for float32 and float64 sums;
    # doubled for margin (a larger slack only re-scores a few more candidates).
    gamma32 = d * 2.0**-24 / (1 - d * 2.0**-24)
    gamma64 = d * 2.0**-53 / (1 - d * 2.0**-53)
    return float(2.0 * (gamma32 + gamma64) * max(max_sq, 1.0) + 1e-12)


@dataclass(frozen=True)
class Neighbours:
    """Matches per market in CSR form: row i's matches are indices/scores[indptr[i]:indptr[i+1]]."""

    indptr: IndexArray
    indices: IndexArray
    scores: npt.NDArray[np.float64]
    compared: int  # pair similarities computed by the block products
    candidates: int  # of those, pairs that passed the threshold pre-selection and the filters

    @property
    def pairs(self) -> int:
        """Number of (market, match) entries."""
        return len(self.indices)

    def row(self, i: int) -> list[tuple[int, float]]:
        """Matches of market i as (index, similarity), best first."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return [
            (int(j), float(s)) for j, s in zip(self.indices[lo:hi], self.scores[lo:hi], strict=True)
        ]


def id_ranks(ids: tuple[str, ...]) -> IndexArray:
    """Each market's position when sorted by (id, index): the tie-break after similarity."""
    if all(map(operator.lt, ids, islice(ids, 1, None))):  # sorted already (as passes give them)
        return np.arange(len(ids), dtype=np.int64)
    ranks = np.empty(len(ids), dtype=np.int64)
    if ids:
        order = np.argsort(np.array(ids, dtype=str), kind="stable")
        ranks[order] = np.arange(len(ids), dtype=np.int64)
    return ranks


def bucket_keys(features: MarketFeatures, filters: MatchFilters) -> npt.NDArray[np.int64]:
    """One integer per market: markets in different buckets can never match."""
    keys = np.zeros(len(features), dtype=np.int64)
    parts: list[npt.NDArray[np.int64]] = []
    if filters.same_outcome_count:
        parts.append(features.outcome_counts)
    if filters.same_category:
        parts.append(features.categories)
    if len(parts) == 1:
        return np.unique(parts[0], return_inverse=True)[1].reshape(-1)
    for part in parts:  # mixed-radix code of the dense codes of each part
        values, codes = np.unique(part, return_inverse=True)
        keys = keys * len(values) + codes.reshape(-1)
        keys = np.unique(keys, return_inverse=True)[1].reshape(-1)  # stay small
    return keys


class _Candidates:
    """Directed candidate pairs (row, col, float32 score), pruned per row as they accumulate."""

    def __init__(self, n: int, top_k: int, slack: float, buffer: int | None):
        self.top_k = top_k
        self.slack = slack
        self.limit = max(2_000_000, 4 * n * (top_k + 1)) if buffer is None else buffer
        self.parts: list[tuple[IndexArray, IndexArray, FloatArray]] = []
        self.size = 0

    def add(self, rows: IndexArray, cols: IndexArray, scores: FloatArray) -> None:
        """Add pairs in both directions (a similarity is symmetric)."""
        self.parts.append((rows, cols, scores))
        self.parts.append((cols, rows, scores))
        self.size += 2 * len(rows)
        if self.size > self.limit:
            self.parts = [self.pruned()]
            self.size = len(self.parts[0][0])
            if self.size > self.limit // 2:  # many near-ties: prune less often
                self.limit *= 2

    def pruned(self) -> tuple[IndexArray, IndexArray, FloatArray]:
        """Per row, the candidates that could still be in its exact top K.

        A candidate more than twice the slack below the row's K-th float32 score is beaten, in
        canonical scores, by at least K others, so dropping it cannot change the result.
        """
        if not self.parts:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0, dtype=np.float32)
        rows = np.concatenate([p[0] for p in self.parts])
        cols = np.concatenate([p[1] for p in self.parts])
        scores = np.concatenate([p[2] for p in self.parts])
        order = np.lexsort((-scores, rows))
        rows, cols, scores = rows[order], cols[order], scores[order]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        sizes = np.diff(np.r_[starts, len(rows)])
        kth = np.full(len(starts), -np.inf, dtype=np.float64)
        full = sizes >= self.top_k
        kth[full] = scores[starts[full] + self.top_k - 1]
        keep = scores >= np.repeat(kth, sizes) - 2.0 * self.slack
        return rows[keep], cols[keep], scores[keep]


def _float32_floor(value: float) -> np.float32:
    """The largest float32 <= value."""
    f = np.float32(value)
    return np.nextafter(f, np.float32(-np.inf)) if float(f) > value else f


def top_matches(
    unit: FloatArray,
    features: MarketFeatures,
    filters: MatchFilters,
    blocks: Blocks | None = None,
) -> Neighbours:
    """Every market's top-K allowed matches with similarity >= threshold (see module docstring).

    With sides (two venues), only cross-side blocks are computed: each side's rows against the
    other sides' columns, not the whole triangle.
    """
    n = len(features)
    if unit.shape[0] != n:
        raise ValueError(f"{unit.shape[0]} vectors for {n} markets")
    scan = Scan(unit, features, filters, blocks or Blocks())
    keys = bucket_keys(features, filters)
    by_key = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[by_key])) + 1
    for members in np.split(by_key, bounds):
        if len(members) < 2:
            continue
        if features.sides is None:
            scan.group(members)
            continue
        sides = features.sides[members]
        values = np.unique(sides)
        for k, side in enumerate(values):
            for other in values[k + 1 :]:
                scan.pair_groups(members[sides == side], members[sides == other])
    return _finalize(unit, features, filters, scan.buffer.pruned(), scan.compared, scan.candidates)


class Scan:
    """Block products over groups of markets, thresholded into a candidate buffer."""

    def __init__(
        self, unit: FloatArray, features: MarketFeatures, filters: MatchFilters, blocks: Blocks
    ):
        self.unit, self.features, self.filters, self.blocks = unit, features, filters, blocks
        slack = score_slack(unit)
        self.floor = _float32_floor(filters.threshold - slack)
        self.window = filters.window_sec
        self.buffer = _Candidates(len(features), filters.top_k, slack, blocks.buffer)
        self.compared = self.candidates = 0
        # Where allowed pairs go: the top-K buffer (both directions), or a plain list.
        self.found: list[tuple[IndexArray, IndexArray]] | None = None

    def _sorted(self, members: IndexArray) -> tuple[IndexArray, npt.NDArray[np.float64], bool]:
        times = self.features.close_times[members]
        windowed = self.window is not None and len(members) > 0 and not np.isnan(times[0])
        if windowed:
            order = np.argsort(times, kind="stable")
            members, times = members[order], times[order]
        return members, times, windowed

    def _row_end(self, times: npt.NDArray[np.float64], r0: int, m: int, windowed: bool) -> int:
        r1 = min(r0 + self.blocks.rows, m)
        if windowed and self.window is not None:
            span = times[r0] + self.blocks.span_fraction * self.window
            span_end = int(np.searchsorted(times, span, "right"))
            r1 = min(r1, max(r0 + self.blocks.min_rows, span_end))
        return r1

    def _split(self, members: IndexArray) -> tuple[IndexArray, IndexArray]:
        """Markets whose time is known (windowed among themselves) and the undated ones."""
        if self.window is None:
            return members, members[:0]
        unknown = np.isnan(self.features.close_times[members])
        return members[~unknown], members[unknown]

    def group(self, members: IndexArray) -> None:
        """Every unordered pair of one group: dated pairs within the window, and every pair with
        an undated market (its day cannot be checked, so the relation engine judges it)."""
        known, unknown = self._split(members)
        self.triangle(known)
        self.triangle(unknown)
        self.across(unknown, known)

    def pair_groups(self, rows: IndexArray, cols: IndexArray) -> None:
        """Every pair of one group with another (two venues), undated markets with all."""
        r_known, r_unknown = self._split(rows)
        c_known, c_unknown = self._split(cols)
        self.across(r_known, c_known)
        self.across(r_unknown, cols)
        self.across(c_unknown, r_known)

    def triangle(self, members: IndexArray) -> None:
        """Every unordered pair of one group once (upper triangle, later columns only)."""
        members, times, windowed = self._sorted(members)
        vectors = self.unit[members]  # the group's vectors, contiguous in block order
        m = len(members)
        r0 = 0
        while r0 < m:
            r1 = self._row_end(times, r0, m, windowed)
            c_end = m
            if windowed and self.window is not None:
                # One second of margin: the exact window test is done on the candidates.
                c_end = int(np.searchsorted(times, times[r1 - 1] + self.window + 1.0, "right"))
            self._block(members, vectors, r0, r1, members, vectors, r0, c_end, True)
            r0 = r1

    def across(self, rows: IndexArray, cols: IndexArray) -> None:
        """Every pair of a row group with a column group (two sides of one bucket)."""
        if not len(rows) or not len(cols):
            return
        rows, r_times, windowed = self._sorted(rows)
        cols, c_times, _ = self._sorted(cols)
        r_vectors, c_vectors = self.unit[rows], self.unit[cols]
        m = len(rows)
        r0 = 0
        while r0 < m:
            r1 = self._row_end(r_times, r0, m, windowed)
            c0, c1 = 0, len(cols)
            if windowed and self.window is not None:
                c0 = int(np.searchsorted(c_times, r_times[r0] - self.window - 1.0, "left"))
                c1 = int(np.searchsorted(c_times, r_times[r1 - 1] + self.window + 1.0, "right"))
            self._block(rows, r_vectors, r0, r1, cols, c_vectors, c0, c1, False)
            r0 = r1

    def _block(
        self,
        rows: IndexArray,
        r_vectors: FloatArray,
        r0: int,
        r1: int,
        cols: IndexArray,
        c_vectors: FloatArray,
        c0: int,
        c1: int,
        upper: bool,
    ) -> None:
        block_rows = r_vectors[r0:r1]
        for a in range(c0, c1, self.blocks.cols):
            b = min(a + self.blocks.cols, c1)
            sims = block_rows @ c_vectors[a:b].T
            self.compared += sims.size
            flat = np.flatnonzero(sims >= self.floor)
            if not len(flat):
                continue
            local_r, local_c = np.divmod(flat, b - a)
            pos_r, pos_c = local_r + r0, local_c + a
            keep = pos_c > pos_r if upper else np.ones(len(flat), dtype=np.bool_)
            pair_rows, pair_cols = rows[pos_r[keep]], cols[pos_c[keep]]
            scores = sims.ravel()[flat[keep]]
            ok = allowed_pairs(self.features, pair_rows, pair_cols, self.filters)
            if ok.any():
                self.candidates += int(ok.sum())
                if self.found is None:
                    self.buffer.add(pair_rows[ok], pair_cols[ok], scores[ok])
                else:
                    self.found.append((pair_rows[ok], pair_cols[ok]))


def _finalize(
    unit: FloatArray,
    features: MarketFeatures,
    filters: MatchFilters,
    pre: tuple[IndexArray, IndexArray, FloatArray],
    compared: int,
    candidates: int,
) -> Neighbours:
    """Re-score the pre-selected candidates canonically, apply the threshold, keep the top K."""
    n = len(features)
    rows, cols, _ = pre
    exact = pair_scores(unit, rows, cols)
    keep = exact >= filters.threshold
    rows, cols, exact = rows[keep], cols[keep], exact[keep]
    order = np.lexsort((id_ranks(features.ids)[cols], -exact, rows))
    rows, cols, exact = rows[order], cols[order], exact[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else rows
    rank_in_row = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    top = rank_in_row < filters.top_k
    rows, cols, exact = rows[top], cols[top], exact[top]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Neighbours(
        indptr=indptr,
        indices=cols.astype(np.int64),
        scores=exact,
        compared=compared,
        candidates=candidates,
    )
