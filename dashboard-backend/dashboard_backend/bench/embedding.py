"""Benchmark: local-model throughput and memory, and the worker over the largest recorded catalog.

    python -m dashboard_backend.bench embedding [--sentences N] [--catalog CSV] [--skip-catalog]

Figures: sentences/s of all-MiniLM-L6-v2 at batch sizes 32 and 128 (batch 32 is the baseline),
the process's peak RSS (ru_maxrss high-water mark, which is what torch actually costs; tracemalloc
misses torch's native allocations), and the wall time of the real worker (`embed_pending`: plan,
encode, Redis writes) over the largest recorded catalog that has questions, plus its no-op re-run.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import platform
import resource
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.embeddings.cost import estimate_cost_usd, estimate_tokens
from dashboard_backend.embeddings.local_provider import LocalProvider, load_local_model
from dashboard_backend.models import MarketDocument, Outcome, embedding_text
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from dashboard_backend.workers.embedding import embed_pending

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
DEFAULT_CATALOG = DATA / "anthonylin99_insider" / "markets_flat_6521.csv"


def peak_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """The process's resident set right now."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_csv_catalog(path: Path) -> dict[str, MarketDocument]:
    """MarketDocuments from the flattened Polymarket CSV (question, event title, outcomes)."""
    docs: dict[str, MarketDocument] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            question, market_id = row["market_question"].strip(), row["market_id"].strip()
            names = [n for n in row["outcomes"].split("|") if n] or ["Yes", "No"]
            if not question or not market_id or len(names) < 2:
                continue
            docs[market_id] = MarketDocument(
                id=market_id,
                condition_id=row["condition_id"],
                question=question,
                event_id=row["event_id"] or None,
                event_title=row["event_title"] or None,
                outcomes=tuple(
                    Outcome(name=n, token_id=f"{row['condition_id']}:{i}")
                    for i, n in enumerate(names)
                ),
                volume=float(row["volume_usd"] or 0),
            ).with_signature()
    return docs


def encode_rate(texts: list[str], batch_size: int) -> tuple[float, float]:
    """Sentences per wall second of one pass over `texts`, and CPU milliseconds per sentence.

    CPU time is reported beside wall time because a busy shared machine slows the wall figure.
    """
    model = load_local_model()
    started, cpu_started = time.perf_counter(), time.process_time()
    model.encode(texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return len(texts) / wall, 1000 * cpu / len(texts)


async def worker_over_catalog(docs: dict[str, MarketDocument]) -> tuple[float, float, int]:
    """Seconds for the worker's first run and its no-op re-run, and embeddings stored."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), free_port()) as server:
        redis = create_redis(server.url)
        try:
            await CatalogStore(redis).replace(docs)
            settings = Settings(_env_file=None, openai_api_key=None)
            provider = LocalProvider()
            started = time.perf_counter()
            first = await embed_pending(redis, provider, settings)
            first_sec = time.perf_counter() - started
            started = time.perf_counter()
            again = await embed_pending(redis, provider, settings)
            again_sec = time.perf_counter() - started
            if first.failures or again.embedded:
                raise RuntimeError(f"unexpected runs: {first} then {again}")
            # Throwaway data: emptied so the server's save-on-shutdown is instant.
            await redis.flushall()
            return first_sec, again_sec, first.count
        finally:
            await redis.aclose()


def main(argv: list[str]) -> None:
    """Run the benchmark and print figures with the conditions."""
    parser = argparse.ArgumentParser(prog="bench embedding")
    parser.add_argument("--sentences", type=int, default=1000, help="sentences per batch size")
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--skip-catalog", action="store_true", help="skip the worker run")
    args = parser.parse_args(argv)

    rss_start = peak_rss_mb()
    docs = load_csv_catalog(args.catalog)
    texts = [embedding_text(d) for d in docs.values()]
    sample = (texts * (args.sentences // max(len(texts), 1) + 1))[: args.sentences]

    started = time.perf_counter()
    LocalProvider()  # sets the offline environment before the import
    load_local_model()
    load_sec = time.perf_counter() - started
    rss_loaded = peak_rss_mb()
    import torch

    print(
        f"conditions: {platform.machine()}, {os.cpu_count()} CPUs "
        f"({torch.get_num_threads()} torch threads), load average "
        f"{os.getloadavg()[0]:.2f} at start, Python {platform.python_version()}, "
        f"torch {torch.__version__}, sentence-transformers {version('sentence-transformers')}, "
        f"transformers {version('transformers')}, all-MiniLM-L6-v2 (384 dims, CPU)"
    )
    mean_chars = sum(map(len, texts)) / max(len(texts), 1)
    tokens = estimate_tokens(texts)
    cost = estimate_cost_usd("text-embedding-3-small", tokens) or 0.0
    print(
        f"catalog: {args.catalog.name}: {len(docs)} markets; embedding text mean {mean_chars:.0f} "
        f"chars (~{tokens / max(len(texts), 1):.0f} tokens at 4 chars/token); embedding all with "
        f"text-embedding-3-small would cost ~${cost:.4f}"
    )
    print(f"model load (import torch + weights): {load_sec:.1f}s")

    encode_rate(sample[:64], 32)  # warm-up: first-call allocations are not throughput
    baseline, baseline_cpu = encode_rate(sample, 32)
    rss_encode = rss_loaded
    for batch_size in (32, 128):
        rate, cpu_ms = (
            (baseline, baseline_cpu) if batch_size == 32 else encode_rate(sample, batch_size)
        )
        rss_encode = max(rss_encode, peak_rss_mb())
        print(
            f"encode {len(sample)} sentences, batch {batch_size}: {rate:.0f} sentences/s "
            f"(x{rate / baseline:.2f} vs batch 32), {cpu_ms:.1f} CPU ms/sentence "
            f"(x{cpu_ms / baseline_cpu:.2f}), peak RSS {peak_rss_mb():.0f} MB"
        )
    print(
        f"peak RSS: {rss_start:.0f} MB before the model, {rss_loaded:.0f} MB loaded "
        f"(+{rss_loaded - rss_start:.0f}), {rss_encode:.0f} MB encoding "
        f"(+{rss_encode - rss_start:.0f}); current RSS {current_rss_mb():.0f} MB"
    )

    if args.skip_catalog:
        return
    first_sec, again_sec, count = asyncio.run(worker_over_catalog(docs))
    raw_sec = len(docs) / baseline
    print(
        f"worker over {args.catalog.name}: {count} markets embedded and stored in {first_sec:.1f}s "
        f"({count / first_sec:.0f}/s, x{first_sec / raw_sec:.2f} the bare encode at batch 32; "
        f"EMBEDDING_BATCH_SIZE={Settings.model_fields['embedding_batch_size'].default}); "
        f"no-op re-run {again_sec:.2f}s; peak RSS {peak_rss_mb():.0f} MB"
    )
    print(
        f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine slows torch)"
    )
