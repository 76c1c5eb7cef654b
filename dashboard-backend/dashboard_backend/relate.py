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
the confusion matrix and every error. `--markets` reads market documents (the catalog's JSON) and
writes every related pair across the two files (see `matching/market_pairs.py`).

`--llm` passes the verdicts in the ambiguous band through the LLM verifier (the LLM_* settings;
LLM_VERIFIER need not be on), its answers cached in `--llm-cache` (default
STATE_DIR/llm_answers.jsonl), and prints how many pairs were in the band and how many calls
were made.

Exit codes: 0 done; 1 no usable input line; 2 bad arguments, unreadable files or incomplete
LLM settings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from dashboard_backend.matching.events import relate_events
from dashboard_backend.matching.pairs_format import (
    Pair,
    PairFormatError,
    format_class,
    read_labels,
    read_pair,
    report,
    score,
)
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.settings import process_settings
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
    args = parser.parse_args(argv)
    review = _review(args.llm, args.llm_cache)
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
