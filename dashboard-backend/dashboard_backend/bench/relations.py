"""Benchmark: the relation engine against three baselines on the labelled event pairs (issue 9).

    python -m dashboard_backend.bench relations [--dev LABELLED.jsonl] [--seed SEED.jsonl]
        [--fuzzy-cutoff 72] [--skip-cosine]

Splits: the dev split (`v1.labelled.dev.jsonl`, 5 classes) and the seed split (`v1.seed.dev.jsonl`,
equivalent pairs sharing an on-chain conditionId), both from `../shared/data/xplat_equivalence_eval`.
Methods, all in this process:

- engine: `relate_file`, the code path of `python -m dashboard_backend.relate` (never reads
  `label`, `context` and the other annotation fields);
- fuzzy: rapidfuzz token_sort_ratio of the event titles ≥ 72 → equivalent, else unrelated
  (fuzzy-lc: the same on titles lowercased and stripped of punctuation by `default_process`);
- cosine: all-MiniLM-L6-v2 (the project's local provider) cosine of the two events' texts
  (`baselines.event_text`: title, then the child market titles) at the threshold with the best
  equivalent F1 on the dev split — tuned on the pairs it is scored on, so optimistic;
- pipeline: the source pipeline's own verdict in `context.pipeline` (`baselines.PIPELINE_CLASS`).

For each: per-class precision / recall / F1, the 5-class confusion matrix, labelled subset pairs
called equivalent, subset direction, and time per pair (the engine's cold first pass and a warm one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from dashboard_backend.bench.embedding import DATA, peak_rss_mb
from dashboard_backend.matching import baselines
from dashboard_backend.matching.pairs_format import CLASSES, Scores, read_labels, report, score
from dashboard_backend.relate import relate_file

EVAL = DATA / "xplat_equivalence_eval"
SUBSETS = ("subset_a_in_b", "subset_b_in_a")


@dataclass(frozen=True)
class Split:
    """One labelled file: its raw records (for the baselines) and labels (for scoring)."""

    name: str
    path: Path
    records: list[dict[str, Any]]
    truth: dict[str, str]


@dataclass(frozen=True)
class Run:
    """One method's predictions on one split and the seconds they took."""

    method: str
    predicted: dict[str, str]
    seconds: float
    note: str = ""


@dataclass(frozen=True)
class SubsetFigures:
    """How a method treats subset pairs (labelled `subset_*` or predicted so)."""

    labelled: int  # pairs labelled subset (either direction)
    called_equivalent: int  # of those, predicted equivalent
    right_direction: int  # of those, predicted subset in the labelled direction
    predicted: int  # pairs predicted subset (either direction)
    predicted_labelled_subset: int  # of those, labelled subset (either direction)


def subset_figures(scores: Scores) -> SubsetFigures:
    """The subset figures of a confusion matrix."""
    rows = scores.confusion
    labelled = sum(scores.support(cls) for cls in SUBSETS)
    return SubsetFigures(
        labelled=labelled,
        called_equivalent=sum(rows[cls]["equivalent"] for cls in SUBSETS),
        right_direction=sum(rows[cls][cls] for cls in SUBSETS),
        predicted=sum(scores.predicted(cls) for cls in SUBSETS),
        predicted_labelled_subset=sum(rows[t][p] for t in SUBSETS for p in SUBSETS),
    )


def load_split(name: str, path: Path) -> Split:
    """The records and labels of a labelled JSONL file (unparsable lines skipped)."""
    with path.open(encoding="utf-8-sig") as handle:
        lines = [line for line in handle if line.strip()]
    records: list[dict[str, Any]] = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("pair_id"), str):
            records.append(record)
    return Split(name, path, records, read_labels(lines))


def run_engine(split: Split) -> tuple[Run, float]:
    """The engine through `relate`'s path: the cold first pass (timed) and a warm second pass."""
    started = time.perf_counter()
    rows, _ = relate_file(split.path)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    again, _ = relate_file(split.path)
    warm = time.perf_counter() - started
    if again != rows:
        raise RuntimeError("the engine answered differently on a second pass")
    predicted = {str(r["pair_id"]): str(r["relation"]) for r in rows}
    return Run("engine", predicted, warm), cold


def run_each(
    method: str, split: Split, decide: Callable[[Mapping[str, Any]], str], note: str = ""
) -> Run:
    """A baseline that decides each record on its own."""
    started = time.perf_counter()
    predicted = {str(r["pair_id"]): decide(r) for r in split.records}
    return Run(method, predicted, time.perf_counter() - started, note)


def fuzzy_decider(cutoff: float, processed: bool = False) -> Callable[[Mapping[str, Any]], str]:
    """The fuzzy title baseline at a cutoff (titles as they are, or through default_process)."""

    def decide(record: Mapping[str, Any]) -> str:
        a, b = baselines.title(record, "side_a"), baselines.title(record, "side_b")
        return baselines.fuzzy_class(a, b, cutoff, processed)

    return decide


def cosine_similarities(split: Split) -> tuple[dict[str, float], float]:
    """pair_id -> cosine of the two sides' event texts, and the encoding seconds."""
    from dashboard_backend.embeddings.local_provider import LocalProvider

    texts: list[str] = []
    for record in split.records:
        texts += [baselines.event_text(record, "side_a"), baselines.event_text(record, "side_b")]
    started = time.perf_counter()
    vectors = asyncio.run(LocalProvider().embed(texts))
    seconds = time.perf_counter() - started
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sims = np.einsum("ij,ij->i", vectors[0::2], vectors[1::2])
    return {str(r["pair_id"]): float(s) for r, s in zip(split.records, sims, strict=True)}, seconds


def describe(run: Run, split: Split) -> list[str]:
    """The full report of one method on one split."""
    scores = score(split.truth, run.predicted)
    per_pair_ms = 1000 * run.seconds / max(len(split.records), 1)
    lines = [
        f"--- {split.name}: {run.method} ---" + (f" ({run.note})" if run.note else ""),
        report(scores),
        f"equivalent precision {scores.precision('equivalent'):.3f} "
        f"recall {scores.recall('equivalent'):.3f}; {per_pair_ms:.3f} ms/pair",
    ]
    sub = subset_figures(scores)
    if sub.labelled:
        lines.append(
            f"subset pairs: {sub.labelled} labelled, {sub.called_equivalent} called equivalent, "
            f"{sub.right_direction} with the right direction; {sub.predicted} predicted subset, "
            f"{sub.predicted_labelled_subset} of them labelled subset, "
            f"{sub.right_direction} of them the right direction"
        )
    return lines


def summary_row(split: Split, run: Run) -> str:
    """One line of the closing table."""
    scores = score(split.truth, run.predicted)
    sub = subset_figures(scores)
    direction = f"{sub.right_direction}/{sub.labelled}" if sub.labelled else "-"
    among = f"{sub.right_direction}/{sub.predicted}" if sub.labelled else "-"
    return (
        f"{split.name:<6}{run.method:<10}{scores.precision('equivalent'):>7.3f}"
        f"{scores.recall('equivalent'):>7.3f}{scores.f1('equivalent'):>7.3f}"
        f"{scores.accuracy:>7.3f}{sub.called_equivalent if sub.labelled else '-':>9}"
        f"{direction:>10}{among:>10}{1000 * run.seconds / max(len(split.records), 1):>10.3f}"
    )


def class_counts(truth: Mapping[str, str]) -> str:
    """'47 equivalent, 20 subset_a_in_b, …' in the format's class order."""
    counts = Counter(truth.values())
    return ", ".join(f"{counts[c]} {c}" for c in CLASSES if counts[c])


def conditions(splits: Sequence[Split], cutoff: float) -> str:
    """Machine, load, versions and data of this run."""
    data = "; ".join(
        f"{s.name} {s.path.name}: {len(s.records)} pairs ({class_counts(s.truth)})" for s in splits
    )
    return (
        f"conditions: {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at start, Python {platform.python_version()}, "
        f"rapidfuzz {version('rapidfuzz')}, numpy {version('numpy')}, torch {version('torch')}, "
        f"sentence-transformers {version('sentence-transformers')}\n"
        f"data: {data}\n"
        f"fuzzy: token_sort_ratio(title A, title B) >= {cutoff:g} -> equivalent, else unrelated "
        f"(rapidfuzz's default: case and punctuation count); fuzzy-lc: the same with "
        f"rapidfuzz.utils.default_process (lowercased, non-alphanumerics dropped)\n"
        f"pipeline: context.pipeline.verdict "
        + ", ".join(f"{k} -> {v}" for k, v in baselines.PIPELINE_CLASS.items())
    )


def main(argv: list[str]) -> None:
    """Score the engine and the baselines on both splits and print the figures."""
    parser = argparse.ArgumentParser(prog="bench relations")
    parser.add_argument("--dev", type=Path, default=EVAL / "v1.labelled.dev.jsonl")
    parser.add_argument("--seed", type=Path, default=EVAL / "v1.seed.dev.jsonl")
    parser.add_argument("--fuzzy-cutoff", type=float, default=baselines.FUZZY_CUTOFF)
    parser.add_argument("--skip-cosine", action="store_true", help="no embedding model")
    args = parser.parse_args(argv)
    splits = [load_split("dev", args.dev), load_split("seed", args.seed)]
    print(conditions(splits, args.fuzzy_cutoff), flush=True)

    runs: dict[str, list[Run]] = {s.name: [] for s in splits}
    for split in splits:
        engine, cold = run_engine(split)
        note = f"warm pass; cold first pass {1000 * cold / max(len(split.records), 1):.3f} ms/pair"
        runs[split.name].append(Run(engine.method, engine.predicted, engine.seconds, note))
        runs[split.name].append(run_each("fuzzy", split, fuzzy_decider(args.fuzzy_cutoff)))
        runs[split.name].append(
            run_each(
                "fuzzy-lc",
                split,
                fuzzy_decider(args.fuzzy_cutoff, processed=True),
                "titles through rapidfuzz.utils.default_process",
            )
        )

    if not args.skip_cosine:
        from dashboard_backend.embeddings.local_provider import LocalProvider, load_local_model

        started = time.perf_counter()
        LocalProvider()  # sets the offline environment before the import
        load_local_model()
        print(
            f"cosine: all-MiniLM-L6-v2 loaded in {time.perf_counter() - started:.1f}s (peak RSS "
            f"{peak_rss_mb():.0f} MB); text per side: event title, then each distinct child "
            f"market title, joined by '{baselines.CHILD_SEPARATOR}' (the model reads the first "
            f"256 word pieces)"
        )
        sims = {s.name: cosine_similarities(s) for s in splits}
        threshold, best_f1 = baselines.best_threshold(sims["dev"][0], splits[0].truth)
        print(
            f"cosine threshold {threshold:.4f}: the best equivalent F1 ({best_f1:.3f}) on the dev "
            f"split, tuned on the very pairs it is scored on (its dev figures are optimistic); "
            f"the seed split uses the same threshold"
        )
        for split in splits:
            similarity, seconds = sims[split.name]
            predicted = {
                pid: baselines.threshold_class(s, threshold) for pid, s in similarity.items()
            }
            runs[split.name].append(Run("cosine", predicted, seconds, "encoding time per pair"))

    for split in splits:
        runs[split.name].append(run_each("pipeline", split, baselines.pipeline_class))
        for run in runs[split.name]:
            print("\n".join(describe(run, split)), flush=True)

    print("\nsummary (eq = equivalent; subset dir: right direction / labelled subset pairs;")
    print("among: right direction / predicted subset pairs; seed recall = eq R on the seed split)")
    print(
        f"{'split':<6}{'method':<10}{'eq P':>7}{'eq R':>7}{'eq F1':>7}{'acc':>7}"
        f"{'sub->eq':>9}{'sub dir':>10}{'among':>10}{'ms/pair':>10}"
    )
    for split in splits:
        for run in runs[split.name]:
            print(summary_row(split, run))
    engine_dev = runs["dev"][0]
    fuzzy_dev = runs["dev"][1]
    print(
        f"engine time per pair: x{engine_dev.seconds / max(fuzzy_dev.seconds, 1e-9):.0f} the fuzzy "
        f"baseline's (dev, warm); load average at the end {os.getloadavg()[0]:.2f}"
    )
