"""Benchmark: exact pruned matching vs brute-force NumPy and faiss IndexFlatIP, same process.

Synthetic catalogs stand in for real ones (the recorded catalogs hold a few thousand markets):
384-d vectors built like sentence embeddings — a shared direction (embeddings are anisotropic),
a per-category direction, topic centroids (an event and its markets) with per-topic spread, and
rephrased near-duplicates (the pairs a matcher is for). Categories follow a sports-heavy mix
(`CATEGORY_MIX`, or `--sports-share` for a dinesh-like 98 % sports catalog); close dates cluster by
topic and spread over a year with most markets short-dated; 2 % have no close date.

    python -m dashboard_backend.bench matching [--sizes 10000,50000,100000] [--full-baselines]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.filters import MarketFeatures, MatchFilters, allowed_pairs
from dashboard_backend.matching.similarity import (
    Neighbours,
    id_ranks,
    normalize,
    pair_scores,
    score_slack,
    top_matches,
)

T = TypeVar("T")
DIM = 384
DAY = 86_400.0
# Share of markets per category: sports-heavy like Polymarket's open catalog; None = no category.
CATEGORY_MIX: dict[str | None, float] = {
    "sports": 0.60,
    "crypto": 0.12,
    "politics": 0.10,
    "culture": 0.06,
    "geopolitics": 0.03,
    "finance": 0.03,
    "economics": 0.02,
    "tech": 0.02,
    "weather": 0.01,
    None: 0.01,
}
BRUTE_SAMPLE_ROWS = 4096  # rows timed when brute force is sampled, then extrapolated


@dataclass(frozen=True)
class Catalog:
    """Synthetic market vectors and their filter features."""

    vectors: npt.NDArray[np.float32]
    features: MarketFeatures


def category_mix(sports_share: float | None) -> dict[str | None, float]:
    """CATEGORY_MIX, or the same mix rescaled around the given sports share."""
    if sports_share is None:
        return dict(CATEGORY_MIX)
    rest = {k: v for k, v in CATEGORY_MIX.items() if k != "sports"}
    scale = (1.0 - sports_share) / sum(rest.values())
    return {"sports": sports_share, **{k: v * scale for k, v in rest.items()}}


def synthetic_catalog(n: int, seed: int = 7, sports_share: float | None = None) -> Catalog:
    """n markets grouped in topics of ~25, with realistic categories, close dates and vectors."""
    rng = np.random.default_rng(seed)
    mix = category_mix(sports_share)
    names = list(mix)
    n_topics = max(1, n // 25)
    topic_of = np.sort(rng.integers(0, n_topics, n))
    topic_cat = rng.choice(len(names), n_topics, p=np.array(list(mix.values())) / sum(mix.values()))
    # Event dates: 40 % within a month, 40 % within six months, 20 % later in the year.
    bucket = rng.choice(3, n_topics, p=[0.4, 0.4, 0.2])
    lo, hi = np.array([0, 30, 180])[bucket], np.array([30, 180, 365])[bucket]
    topic_day = rng.uniform(lo, hi)
    start = 1_790_000_000.0
    close = start + (topic_day[topic_of] + rng.uniform(-1.5, 1.5, n)) * DAY
    far = rng.random(n) < 0.10  # "by June" vs "by December": same topic, distant dates
    close[far] += rng.uniform(-60, 60, far.sum()) * DAY
    close_times: list[float | None] = [None if rng.random() < 0.02 else float(t) for t in close]
    outcome_topic = rng.choice([2, 3, 4], n_topics, p=[0.94, 0.04, 0.02])

    def unit(rows: int) -> npt.NDArray[np.float64]:
        v = rng.normal(size=(rows, DIM))
        normed: npt.NDArray[np.float64] = v / np.linalg.norm(v, axis=1, keepdims=True)
        return normed

    shared, cat_dirs, topic_dirs = unit(1)[0], unit(len(names)), unit(n_topics)
    spread = rng.uniform(0.7, 1.6, n_topics)  # tight topics (strike ladders) to loose ones
    vectors = (
        0.45 * shared
        + 0.55 * cat_dirs[topic_cat[topic_of]]
        + 1.0 * topic_dirs[topic_of]
        + spread[topic_of, None] * unit(n)
    )
    # Rephrasings: 15 % of markets are a light edit of another market of their topic.
    dup = np.flatnonzero(rng.random(n) < 0.15)
    dup = dup[dup > 0]
    source = np.maximum(dup - rng.integers(1, 6, len(dup)), 0)
    source = np.where(topic_of[source] == topic_of[dup], source, dup)
    vectors[dup] = vectors[source] + rng.uniform(0.3, 0.9, (len(dup), 1)) * unit(len(dup))
    conditions = [f"c{i}" for i in range(n)]
    for i in np.flatnonzero(rng.random(n) < 0.01):
        conditions[i] = conditions[max(int(i) - 1, 0)]  # a few markets share a condition
    features = MarketFeatures.build(
        ids=[f"{1_000_000 + i}" for i in range(n)],
        outcome_counts=outcome_topic[topic_of].tolist(),
        categories=[names[c] for c in topic_cat[topic_of]],
        close_times=close_times,
        conditions=conditions,
    )
    return Catalog(vectors=vectors.astype(np.float32), features=features)


def measured(fn: Callable[[], T]) -> tuple[T, float, float]:
    """fn's result, wall seconds and tracemalloc peak MiB (numpy buffers are traced).

    Used as is for the baselines, whose time is all in large BLAS calls that tracing does not slow.
    """
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = fn()
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak / 2**20


def timed(fn: Callable[[], object]) -> float:
    """fn's wall seconds, untraced (tracemalloc slows small allocations)."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def pruned(catalog: Catalog, filters: MatchFilters) -> Neighbours:
    """The product's path: normalise once, pruned exact search."""
    return top_matches(normalize(catalog.vectors), catalog.features, filters)


def brute_force(
    unit: npt.NDArray[np.float32],
    features: MarketFeatures,
    filters: MatchFilters,
    rows_limit: int | None = None,
) -> list[list[tuple[int, float]]]:
    """Exact brute force: every row against all N columns, 4096-row blocks, same canonical score."""
    n = len(features)
    ranks = id_ranks(features.ids)
    slack = score_slack(unit)
    out: list[list[tuple[int, float]]] = []
    stop = n if rows_limit is None else min(n, rows_limit)
    all_cols = np.arange(n)
    for r0 in range(0, stop, 4096):
        r1 = min(r0 + 4096, stop)
        sims = unit[r0:r1] @ unit.T
        r, c = np.nonzero(sims >= filters.threshold - slack)
        r = r + r0
        ok = allowed_pairs(features, r, all_cols[c], filters)
        r, c = r[ok], c[ok]
        exact = pair_scores(unit, r, c)
        keep = exact >= filters.threshold
        r, c, exact = r[keep], c[keep], exact[keep]
        order = np.lexsort((ranks[c], -exact, r))
        r, c, exact = r[order], c[order], exact[order]
        for i in range(r0, r1):
            lo, hi = np.searchsorted(r, [i, i + 1])
            out.append(
                [(int(j), float(s)) for j, s in zip(c[lo:hi], exact[lo:hi], strict=True)][
                    : filters.top_k
                ]
            )
    return out


def faiss_flat(
    unit: npt.NDArray[np.float32],
    features: MarketFeatures,
    filters: MatchFilters,
    k_search: int,
    rows_limit: int | None = None,
) -> list[list[tuple[int, float]]]:
    """faiss IndexFlatIP top-k_search per market, then filters + threshold, keep top K."""
    import faiss

    index = faiss.IndexFlatIP(unit.shape[1])
    index.add(unit)
    stop = len(features) if rows_limit is None else min(len(features), rows_limit)
    sims, found = index.search(unit[:stop], k_search)
    out: list[list[tuple[int, float]]] = []
    rows = np.repeat(np.arange(stop), k_search)
    cols, flat = found.ravel(), sims.ravel()
    valid = cols >= 0
    ok = np.zeros(len(cols), dtype=np.bool_)
    ok[valid] = allowed_pairs(features, rows[valid], cols[valid], filters)
    ok &= flat >= filters.threshold
    for i in range(stop):
        sl = slice(i * k_search, (i + 1) * k_search)
        picked = [
            (int(j), float(s)) for j, s, g in zip(cols[sl], flat[sl], ok[sl], strict=True) if g
        ]
        out.append(picked[: filters.top_k])
    return out


def rows_of(result: Neighbours, stop: int) -> list[list[tuple[int, float]]]:
    """The first `stop` rows of a pruned result as lists."""
    return [result.row(i) for i in range(stop)]


def recall(found: list[list[tuple[int, float]]], exact: list[list[tuple[int, float]]]) -> float:
    """Share of exact (row, match) pairs that `found` also holds."""
    total = sum(len(r) for r in exact)
    hit = sum(len({j for j, _ in f} & {j for j, _ in e}) for f, e in zip(found, exact, strict=True))
    return hit / total if total else 1.0


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(n: int, filters: MatchFilters, args: argparse.Namespace) -> None:
    """Time the three methods at one catalog size and print one block of figures."""
    catalog = synthetic_catalog(n, seed=args.seed, sports_share=args.sports_share)
    unit = normalize(catalog.vectors)
    result, _, mem_pruned = measured(lambda: pruned(catalog, filters))
    times = sorted(timed(lambda: pruned(catalog, filters)) for _ in range(max(1, args.repeat)))
    t_pruned = times[len(times) // 2]  # the median: the machine is shared
    matched = int(np.count_nonzero(np.diff(result.indptr)))
    print(f"\n--- {n:,} markets ---")
    print(
        f"pruned exact : {t_pruned:7.2f} s  (median of {len(times)}; best {times[0]:.2f} s, "
        f"worst {times[-1]:.2f} s)  peak {mem_pruned:7.1f} MiB  "
        f"pairs {result.pairs:,}  markets with matches {matched:,} ({matched / n:.0%})  "
        f"compared {result.compared:,} ({result.compared / (n * (n - 1) / 2):.1%} of all pairs)"
    )
    if args.pruned_only:
        return
    full_brute = args.full_baselines or n <= 10_000
    limit = None if full_brute else BRUTE_SAMPLE_ROWS
    brute, t_brute, mem_brute = measured(
        lambda: brute_force(unit, catalog.features, filters, limit)
    )
    scale = 1.0 if full_brute else n / len(brute)
    note = "full" if full_brute else f"{len(brute):,} rows timed, x{scale:.1f} extrapolated"
    exact = rows_of(result, len(brute))
    same = brute == exact
    print(
        f"brute NumPy  : {t_brute * scale:7.2f} s  peak {mem_brute:7.1f} MiB  ({note}); "
        f"pruned is {t_brute * scale / t_pruned:5.1f}x faster; identical rows checked: "
        f"{len(brute):,} -> {'IDENTICAL' if same else 'MISMATCH'}"
    )
    if not same:
        bad = sum(a != b for a, b in zip(brute, exact, strict=True))
        print(f"  !! {bad} rows differ")
    k_search = filters.top_k * args.faiss_factor
    flimit = None if args.full_baselines or n <= args.faiss_full_max else BRUTE_SAMPLE_ROWS
    found, t_faiss, mem_faiss = measured(
        lambda: faiss_flat(unit, catalog.features, filters, k_search, flimit)
    )
    fscale = n / len(found)
    fnote = "full" if fscale == 1.0 else f"{len(found):,} queries timed, x{fscale:.1f} extrapolated"
    print(
        f"faiss FlatIP : {t_faiss * fscale:7.2f} s  peak {mem_faiss:7.1f} MiB (numpy side only)  "
        f"({fnote}; top-{k_search} then filters) pruned is {t_faiss * fscale / t_pruned:5.1f}x "
        f"faster; faiss recall of exact pairs {recall(found, rows_of(result, len(found))):.3f}"
    )
    print(
        f"process max RSS so far {_maxrss_mib():,.0f} MiB; "
        f"1-min load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


def main(argv: list[str]) -> None:
    """Run the benchmark at each size and print figures with the conditions."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.bench matching")
    parser.add_argument("--sizes", default="10000,50000,100000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sports-share", type=float, default=None, help="e.g. 0.98 (dinesh)")
    parser.add_argument("--full-baselines", action="store_true", help="no sampling (slow)")
    parser.add_argument("--faiss-factor", type=int, default=5, help="faiss searches K x this")
    parser.add_argument("--faiss-full-max", type=int, default=50_000, help="larger: sampled")
    parser.add_argument("--repeat", type=int, default=3, help="pruned runs per size (median)")
    parser.add_argument("--pruned-only", action="store_true", help="skip the baselines")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    filters = MatchFilters()  # the product defaults: 0.75, top 10, every filter on, 7 days
    import faiss

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}, "
        f"numpy {np.__version__}, faiss {faiss.__version__}; dim {DIM}; filters {filters}"
    )
    mix = category_mix(args.sports_share)
    print("categories: " + ", ".join(f"{k or 'none'} {v:.0%}" for k, v in mix.items()))
    for n in sizes:
        run_size(n, filters, args)
