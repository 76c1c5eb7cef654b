"""Offline matching for research and evaluation, no Redis needed.

    python -m dashboard_backend.match MARKETS.jsonl [OTHER.jsonl] --out PAIRS.jsonl

Reads market documents (the catalog's camelCase JSON, one per line; unreadable lines are counted
and reported), embeds `embedding_text(doc)` with the configured provider and runs the worker's
matching path (same search, filters and entries). With one file every market is matched against
the others; with two files each market of the first file is matched against the second file's
markets only. Writes one JSON object per (base, match) pair, best first per base:
`{"a": base id, "b": match id, "similarity": ..., ...the match entry's fields}`.

Input fields (camelCase, as `redis-cli HGETALL markets:catalog` or `GET /v1/market/{id}` give
them): required `id`, `conditionId`, `question` and `outcomes` (a list of `{"name", "tokenId"}`,
with optional `price`, `bestBid`, `bestAsk`); used when present: `eventTitle`, `groupItemTitle`
(embedded with the question), `category`, `closeTime` (ISO-8601), `eventId`, `url`, `liquidity`
(filters and the pair's fields). Other fields are ignored. A file with no usable line stops the
tool with exit code 2 before anything is embedded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from dashboard_backend.embeddings.factory import create_provider
from dashboard_backend.embeddings.provider import EmbeddingProvider
from dashboard_backend.errors import ConfigError, DashboardError
from dashboard_backend.logs import configure_logging
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import match_documents
from dashboard_backend.models import MarketDocument, embedding_text
from dashboard_backend.settings import Settings, load_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarketFile:
    """The documents read from one JSONL file."""

    path: Path
    docs: tuple[MarketDocument, ...]
    bad_lines: tuple[int, ...]  # 1-based numbers of lines that are not market documents
    duplicates: int  # lines repeating an id already read from this file (first one kept)


def read_markets(path: Path) -> MarketFile:
    """Parse one market document per non-blank line."""
    docs: dict[str, MarketDocument] = {}
    bad: list[int] = []
    duplicates = 0
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                doc = MarketDocument.model_validate_json(line)
            except ValidationError:
                bad.append(number)
                continue
            if doc.id in docs:
                duplicates += 1
            else:
                docs[doc.id] = doc
    return MarketFile(path, tuple(docs.values()), tuple(bad), duplicates)


async def embed_all(
    provider: EmbeddingProvider, docs: Sequence[MarketDocument], batch_size: int
) -> npt.NDArray[np.float32]:
    """Vectors of `embedding_text(doc)`, requested in batches."""
    parts: list[npt.NDArray[np.float32]] = []
    for start in range(0, len(docs), batch_size):
        texts = [embedding_text(d) for d in docs[start : start + batch_size]]
        vectors = await provider.embed(texts)
        if vectors.shape[0] != len(texts):
            raise DashboardError(f"provider returned {vectors.shape[0]} vectors for {len(texts)}")
        parts.append(vectors)
        log.info("embedded %d/%d markets", min(start + batch_size, len(docs)), len(docs))
    return np.concatenate(parts) if parts else np.empty((0, 0), dtype=np.float32)


def pair_lines(matches: dict[str, list[dict[str, object]]]) -> list[str]:
    """One JSON line per (base, match), bases in id order, matches best first."""
    lines: list[str] = []
    for base in sorted(matches):
        for entry in matches[base]:
            lines.append(json.dumps({"a": base, "b": entry["marketId"], **entry}))
    return lines


async def run(files: Sequence[MarketFile], out: Path, settings: Settings) -> str:
    """Embed, match and write the pairs; returns the summary."""
    started = time.perf_counter()
    docs = [d for f in files for d in f.docs]
    two = len(files) == 2
    sides = [i for i, f in enumerate(files) for _ in f.docs] if two else None
    bases = list(range(len(files[0].docs))) if two else None
    provider = create_provider(settings)
    try:
        vectors = await embed_all(provider, docs, settings.embedding_batch_size)
    finally:
        await provider.aclose()
    filters = MatchFilters.from_settings(settings)
    now = datetime.now(UTC)
    result = await asyncio.to_thread(match_documents, docs, vectors, filters, now, sides, bases)
    dicts = {base: [e.to_dict() for e in entries] for base, entries in result.matches.items()}
    lines = pair_lines(dicts)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(out)  # never a half-written output file
    read = "; ".join(
        f"{f.path}: {len(f.docs)} markets, {len(f.bad_lines)} bad lines"
        + (f" (lines {', '.join(map(str, f.bad_lines[:10]))})" if f.bad_lines else "")
        + (f", {f.duplicates} duplicate ids" if f.duplicates else "")
        for f in files
    )
    scope = "across the two files" if two else "within the file"
    return (
        f"read {read}\n"
        f"embedded {len(docs)} markets with {provider.name}/{provider.model}; "
        f"threshold {filters.threshold}, top {filters.top_k}\n"
        f"{len(lines)} pairs {scope} for {len(dicts)} markets "
        f"({result.neighbours.compared} similarities computed) -> {out} "
        f"in {time.perf_counter() - started:.1f}s"
    )


INPUT_FIELDS = (
    "each line: one market document (JSON) with at least id, conditionId, question and "
    'outcomes [{"name", "tokenId"}]'
)


def unusable_files(files: Sequence[MarketFile]) -> list[str]:
    """One message per file holding no usable market document."""
    return [
        f"{f.path}: no usable market document ({len(f.bad_lines)} unreadable lines); {INPUT_FIELDS}"
        for f in files
        if not f.docs
    ]


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard_backend.match",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("markets", type=Path, help="JSONL market documents")
    parser.add_argument("other", type=Path, nargs="?", help="second file: only pairs across")
    parser.add_argument("--out", type=Path, required=True, help="JSONL pairs written here")
    parser.add_argument("--threshold", type=float, help="override SIMILARITY_THRESHOLD")
    parser.add_argument("--top-k", type=int, help="override MAX_MATCHES_PER_MARKET")
    args = parser.parse_args(argv)
    if args.threshold is not None and not -1.0 <= args.threshold <= 1.0:
        parser.error("--threshold must be within [-1, 1]")
    if args.top_k is not None and args.top_k < 1:
        parser.error("--top-k must be at least 1")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    overrides: dict[str, object] = {}
    if args.threshold is not None:
        overrides["similarity_threshold"] = args.threshold
    if args.top_k is not None:
        overrides["max_matches_per_market"] = args.top_k
    settings = settings.model_copy(update=overrides)
    configure_logging(settings.log_level)
    paths = [args.markets] + ([args.other] if args.other else [])
    try:
        files = [read_markets(p) for p in paths]
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems = unusable_files(files)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(run(files, args.out, settings))
    except DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
