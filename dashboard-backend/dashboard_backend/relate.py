"""Offline relation engine: event pairs or market files in, typed relations out. No Redis needed.

    python -m dashboard_backend.relate PAIRS.jsonl --out PRED.jsonl
    python -m dashboard_backend.relate --evaluate LABELLED.jsonl
    python -m dashboard_backend.relate --markets A.jsonl B.jsonl --out PRED.jsonl

PAIRS.jsonl is the public event-pair format (`side_a`, `side_b`: platform, platform_event_id,
title, condition_date, condition_date_precision, league, child_count, child_markets with
platform_id and title). Only those side fields are read — never `label`, `failure_modes`, `notes`,
`annotator*` or `context`. One output line per input pair:
`{"pair_id", "relation", "confidence", "outcome_map", "reasons"}`, `relation` one of the format's
five classes (inverse and mutually exclusive are written as related_not_equivalent).

`--evaluate` runs the same path over a labelled file and prints precision, recall and F1 per class,
the confusion matrix and every error. `--markets A B` reads two market files (catalog documents as
JSONL, or a venue's raw Gamma / Kalshi responses: see `market_files.py`) and runs the matching
worker's own path (embedding candidates with the configured provider, card candidates, the relation
engine) across them, writing one line per related pair:
`{"a", "b", "relation", "confidence", "outcome_map": [{"aToken", "aOutcome", "bToken",
"bOutcome"}], "reasons", "similarity", "question_a", "question_b"}` (unrelated pairs are not
written; the outcome map pairs token ids, see `models.OutcomeLink` for what a link means per
relation). `--no-embeddings` skips the embedding model: only card candidates are judged.

`--llm` passes the verdicts in the ambiguous band (with `--markets`: of the related pairs the
pipeline keeps) through the LLM verifier (the LLM_* settings; LLM_VERIFIER need not be on), its
answers cached in `--llm-cache` (default STATE_DIR/llm_answers.jsonl), and prints how many pairs
were in the band and how many calls were made.

Exit codes: 0 done; 1 no usable input line; 2 bad arguments, unreadable files or incomplete
LLM settings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from dashboard_backend.embeddings.factory import create_provider
from dashboard_backend.errors import ConfigError, DashboardError
from dashboard_backend.logs import configure_logging
from dashboard_backend.market_files import MarketFile, read_market_file
from dashboard_backend.match import embed_all
from dashboard_backend.matching.events import relate_events
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pairs_format import (
    Pair,
    PairFormatError,
    format_class,
    read_labels,
    read_pair,
    report,
    score,
)
from dashboard_backend.matching.pipeline import match_documents
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.settings import Settings, load_settings, process_settings
from dashboard_backend.verifier.offline import OfflineReview


def read_pairs(path: Path) -> Iterator[tuple[int, Pair | PairFormatError]]:
    """(line number, pair or the reason the line is not one) for every non-blank line."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, read_pair(line)
            except PairFormatError as exc:
                yield number, exc


def prediction(pair: Pair, verdict: Verdict) -> dict[str, object]:
    """The output line of one pair."""
    return {
        "pair_id": pair.pair_id,
        "relation": format_class(verdict.relation),
        "confidence": round(verdict.confidence, 3),
        "outcome_map": [{"a": link.a_token, "b": link.b_token} for link in verdict.links],
        "reasons": list(verdict.reasons),
    }


def relate_file(
    path: Path, review: OfflineReview | None = None
) -> tuple[list[dict[str, object]], list[str]]:
    """Predictions for every pair of a file (reviewed by the LLM verifier when given), and the
    problems of unusable lines."""
    decided: list[tuple[Pair, Verdict]] = []
    problems: list[str] = []
    for number, item in read_pairs(path):
        if isinstance(item, PairFormatError):
            problems.append(f"line {number}: {item}")
            continue
        decided.append((item, relate_events(item.a, item.b)))
    if review is not None:
        verdicts = review.events([(p.a, p.b, v) for p, v in decided])
        decided = [(p, v) for (p, _), v in zip(decided, verdicts, strict=True)]
    return [prediction(p, v) for p, v in decided], problems


def write_lines(out: Path, rows: list[dict[str, object]]) -> None:
    """Write JSON lines through a temporary file, so a crash never leaves half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    tmp.replace(out)


def evaluate(path: Path, review: OfflineReview | None = None) -> str:
    """The evaluation report of a labelled file."""
    started = time.perf_counter()
    rows, problems = relate_file(path, review)
    with path.open(encoding="utf-8-sig") as handle:
        truth = read_labels(handle)
    predicted = {str(r["pair_id"]): str(r["relation"]) for r in rows}
    titles: dict[str, str] = {}
    for _, item in read_pairs(path):
        if isinstance(item, Pair):
            titles[item.pair_id] = (
                f"{item.a.venue}: {item.a.title} || {item.b.venue}: {item.b.title}"
            )
    scores = score(truth, predicted)
    lines = [f"{len(truth)} labelled pairs, {len(rows)} predicted, {len(problems)} unusable lines"]
    reasons = {str(r["pair_id"]): "; ".join(str(x) for x in r["reasons"]) for r in rows}  # type: ignore[attr-defined]
    errors = [
        (pid, label, predicted.get(pid, "unrelated"))
        for pid, label in truth.items()
        if predicted.get(pid) != label
    ]
    lines.append(f"errors ({len(errors)}):")
    for pid, label, got in sorted(errors, key=lambda e: (e[1], e[2])):
        lines.append(f"  {label} -> {got}: {titles.get(pid, pid)}")
        lines.append(f"      because {reasons.get(pid, '')}")
    lines.append("")
    lines.append(report(scores))
    if review is not None:
        lines.append(review.summary())
    lines.append(f"({time.perf_counter() - started:.1f}s)")
    return "\n".join(lines)


async def relate_markets_files(
    files: Sequence[MarketFile],
    settings: Settings,
    embeddings: bool,
    review: OfflineReview | None = None,
) -> tuple[list[dict[str, object]], str]:
    """Related pairs across two market files (the worker's path, reviewed by the LLM verifier
    when given), and a one-line summary."""
    a, b = files
    docs = [*a.docs, *b.docs]
    sides = [0] * len(a.docs) + [1] * len(b.docs)
    if embeddings:
        provider = create_provider(settings)
        try:
            vectors = await embed_all(provider, docs, settings.embedding_batch_size)
        finally:
            await provider.aclose()
        model = f"{provider.name}/{provider.model}"
    else:
        vectors = np.zeros((len(docs), 1), dtype=np.float32)
        model = "none (card candidates only)"
    filters = MatchFilters.from_settings(settings)
    result = await asyncio.to_thread(
        match_documents, docs, vectors, filters, datetime.now(UTC), sides, list(range(len(a.docs)))
    )
    by_id = {d.id: d for d in docs}
    matches = result.matches
    if review is not None:
        matches = await review.matches(by_id, matches)
    rows: list[dict[str, object]] = []
    for base in sorted(matches):
        for entry in matches[base]:
            rows.append(
                {
                    "a": base,
                    "b": entry.market_id,
                    "relation": entry.relation.value if entry.relation else None,
                    "confidence": entry.confidence,
                    "outcome_map": [link.to_dict() for link in entry.outcome_map],
                    "reasons": list(entry.reasons),
                    "similarity": round(entry.similarity, 4),
                    "question_a": by_id[base].question,
                    "question_b": entry.question,
                }
            )
    summary = (
        f"{a.path}: {len(a.docs)} markets ({a.source}, {a.bad_records} unreadable); "
        f"{b.path}: {len(b.docs)} markets ({b.source}, {b.bad_records} unreadable); "
        f"embeddings {model}; {result.candidates} candidate pairs judged "
        f"({result.from_cards} from cards), {len(rows)} related pairs written, relations {result.relations}"
    )
    return rows, summary


def markets_main(
    paths: Sequence[Path], out: Path, embeddings: bool, review: OfflineReview | None = None
) -> int:
    """`--markets A B --out`: exit 0 written, 1 a file without usable markets, 2 bad settings."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        files = [read_market_file(p) for p in paths]
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    empty = [f for f in files if not f.docs]
    for f in empty:
        print(
            f"error: {f.path}: no usable market ({f.bad_records} unreadable records)",
            file=sys.stderr,
        )
    if empty:
        return 1
    try:
        rows, summary = asyncio.run(relate_markets_files(files, settings, embeddings, review))
    except DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_lines(out, rows)
    print(f"{summary} -> {out}")
    if review is not None:
        print(review.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard_backend.relate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("pairs", type=Path, nargs="?", help="event pairs (JSONL) to relate")
    parser.add_argument("--out", type=Path, help="predictions written here (JSONL)")
    parser.add_argument("--evaluate", type=Path, metavar="LABELLED", help="score a labelled file")
    parser.add_argument(
        "--llm", action="store_true", help="review the ambiguous band with the LLM verifier"
    )
    parser.add_argument("--llm-cache", type=Path, metavar="FILE", help="LLM answers kept here")
    parser.add_argument(
        "--markets", type=Path, nargs=2, metavar=("A", "B"), help="relate markets across two files"
    )
    parser.add_argument(
        "--no-embeddings", action="store_true", help="with --markets: card candidates only"
    )
    args = parser.parse_args(argv)
    review = _review(args.llm, args.llm_cache)
    if args.markets is not None:
        if args.out is None:
            parser.error("--markets needs --out PRED.jsonl")
        return markets_main(args.markets, args.out, not args.no_embeddings, review)
    if args.evaluate is not None:
        if not args.evaluate.is_file():
            parser.error(f"no such file: {args.evaluate}")
        print(evaluate(args.evaluate, review))
        return 0
    if args.pairs is None or args.out is None:
        parser.error("give PAIRS.jsonl --out PRED.jsonl, or --evaluate LABELLED.jsonl")
    try:
        rows, problems = relate_file(args.pairs, review)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in problems[:20]:
        print(f"skipped {problem}", file=sys.stderr)
    if not rows:
        print(f"error: no usable pair in {args.pairs}", file=sys.stderr)
        return 1
    write_lines(args.out, rows)
    print(f"{len(rows)} pairs related -> {args.out} ({len(problems)} lines skipped)")
    if review is not None:
        print(review.summary())
    return 0


def _review(llm: bool, cache: Path | None) -> OfflineReview | None:
    """The LLM verifier of the settings when asked for; exits 2 when its settings are incomplete."""
    if not llm:
        return None
    settings = process_settings()
    problem = settings.llm_settings_problem()
    if problem is not None:
        print(f"error: {problem} (see the README's LLM verifier settings)", file=sys.stderr)
        raise SystemExit(2)
    return OfflineReview(settings, cache)


if __name__ == "__main__":
    raise SystemExit(main())
