"""Embedding worker: embeds new or changed catalog markets and drops embeddings of removed ones.

    python -m dashboard_backend.workers.embedding [--loop]

Once mode embeds what is pending and exits; `--loop` repeats every EMBEDDING_REFRESH_SEC. Exit
codes: 0 success, 1 the run failed or left markets unembedded (retry later), 2 a fatal error that
needs an operator (bad settings, key refused, unknown model).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from tqdm import tqdm

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import redis_session
from dashboard_backend.embeddings.cost import estimate_cost_usd
from dashboard_backend.embeddings.factory import create_provider
from dashboard_backend.embeddings.plan import catalog_signature, plan_embeddings
from dashboard_backend.embeddings.provider import CountsTokens, EmbeddingProvider, is_fatal
from dashboard_backend.embeddings.store import EmbeddingStore
from dashboard_backend.embeddings.vectors import encode_vector
from dashboard_backend.errors import ConfigError, ParseError, UpstreamError
from dashboard_backend.logs import configure_logging
from dashboard_backend.metrics.names import EMBEDDED, EMBEDDING_COST, EMBEDDING_TOKENS
from dashboard_backend.metrics.store import MetricsRecorder
from dashboard_backend.models import MarketDocument, MarketEmbedding, embedding_text
from dashboard_backend.outage import REDIS_DOWN, Outage, reraise_if_cancelling
from dashboard_backend.settings import Settings, load_settings
from dashboard_backend.status import utc_now, write_status

# Named explicitly: under `python -m` __name__ would be "__main__".
log = logging.getLogger("dashboard_backend.workers.embedding")

EXIT_OK, EXIT_FAILED, EXIT_FATAL = 0, 1, 2
# Loop mode: how soon to look again when the catalog was still empty.
EMPTY_CATALOG_RETRY_SEC = 5.0


@dataclass(frozen=True)
class EmbeddingRun:
    """What one run did (also written to `status:embedding`)."""

    provider: str
    model: str
    pending: int  # markets that needed embedding at the start
    embedded: int
    skipped: int  # unchanged markets left untouched
    deleted: int
    failures: int  # pending markets not embedded by this run
    tokens: int  # billed tokens (paid providers)
    cost_usd: float | None  # None for unpriced (local) models
    duration_sec: float
    count: int  # HLEN markets:embeddings after the run
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Every pending market was embedded."""
        return self.failures == 0 and self.error is None


@dataclass
class _Tally:
    pending: int = 0
    embedded: int = 0
    skipped: int = 0
    deleted: int = 0
    failures: int = 0
    error: str | None = None


def _tokens(provider: EmbeddingProvider) -> int:
    return provider.tokens_used if isinstance(provider, CountsTokens) else 0


def _check_shape(vectors: npt.NDArray[np.float32], expected: int) -> None:
    if vectors.ndim != 2 or vectors.shape[0] != expected or vectors.shape[1] == 0:
        raise ParseError(f"provider returned shape {vectors.shape} for {expected} texts")


def _to_embeddings(
    ids: Sequence[str],
    docs: Sequence[MarketDocument],
    vectors: npt.NDArray[np.float32],
    model: str,
) -> list[MarketEmbedding]:
    now = utc_now()
    return [
        MarketEmbedding(
            market_id=market_id,
            signature=catalog_signature(doc),
            model=model,
            dimensions=int(vectors.shape[1]),
            vector=encode_vector(vector),
            embedded_at=now,
        )
        for market_id, doc, vector in zip(ids, docs, vectors, strict=True)
    ]


async def embed_pending(
    redis: aioredis.Redis,
    provider: EmbeddingProvider,
    settings: Settings,
    *,
    progress: bool = False,
) -> EmbeddingRun:
    """One pass: plan, delete removed markets, embed pending ones batch by batch, write status.

    Each batch is stored as soon as it is embedded, so a failure keeps every earlier batch.
    Transient upstream failures end the run with `failures` set; fatal ones are raised.
    """
    started, started_mono, tokens_before = utc_now(), time.monotonic(), _tokens(provider)
    store = EmbeddingStore(redis)
    tally = _Tally()
    try:
        catalog = await CatalogStore(redis).read_all()
        plan = plan_embeddings(catalog, await store.read_all(), provider.model)
        tally.pending, tally.skipped = len(plan.to_embed), len(plan.unchanged)
        log.info(
            "embedding with %s/%s: %d in catalog, %d pending, %d unchanged, %d to delete",
            provider.name,
            provider.model,
            len(catalog),
            tally.pending,
            tally.skipped,
            len(plan.to_delete),
        )
        tally.deleted = await store.delete(plan.to_delete)
        batch_size = settings.embedding_batch_size
        with tqdm(total=tally.pending, unit="mkt", desc="embedding", disable=not progress) as bar:
            for start in range(0, tally.pending, batch_size):
                if start and settings.embedding_batch_sleep_sec > 0:
                    await asyncio.sleep(settings.embedding_batch_sleep_sec)
                ids = plan.to_embed[start : start + batch_size]
                docs = [catalog[market_id] for market_id in ids]
                try:
                    vectors = await provider.embed([embedding_text(d) for d in docs])
                    _check_shape(vectors, len(ids))
                except ParseError as exc:
                    # A malformed answer spoils this batch only; later batches may be fine.
                    tally.failures += len(ids)
                    tally.error = str(exc)
                    log.warning("skipping a batch of %d markets: %s", len(ids), exc)
                    continue
                except UpstreamError as exc:
                    if is_fatal(exc):
                        raise
                    # Retries already ran out: stop here and leave the rest for the next run.
                    tally.failures += tally.pending - start
                    tally.error = str(exc)
                    log.error(
                        "embedding stopped, %d of %d embedded: %s",
                        tally.embedded,
                        tally.pending,
                        exc,
                    )
                    break
                await store.write_batch(_to_embeddings(ids, docs, vectors, provider.model))
                tally.embedded += len(ids)
                bar.update(len(ids))
    except BaseException as exc:
        tally.error = str(exc) or type(exc).__name__
        with contextlib.suppress(RedisError, OSError):
            failed = _finish(provider, tally, started_mono, tokens_before, count=-1)
            await _write_status(redis, failed, started_iso=started.isoformat())
        raise
    run = _finish(provider, tally, started_mono, tokens_before, await store.size())
    await _write_status(redis, run, started_iso=started.isoformat())
    await _record_metrics(redis, run)
    _log_run(run)
    return run


def _finish(
    provider: EmbeddingProvider, tally: _Tally, started_mono: float, tokens_before: int, count: int
) -> EmbeddingRun:
    tokens = _tokens(provider) - tokens_before
    return EmbeddingRun(
        provider=provider.name,
        model=provider.model,
        pending=tally.pending,
        embedded=tally.embedded,
        skipped=tally.skipped,
        deleted=tally.deleted,
        failures=tally.failures,
        tokens=tokens,
        cost_usd=estimate_cost_usd(provider.model, tokens),
        duration_sec=time.monotonic() - started_mono,
        count=count,
        error=tally.error,
    )


async def _write_status(redis: aioredis.Redis, run: EmbeddingRun, started_iso: str = "") -> None:
    fields: dict[str, str | int | float] = {
        "provider": run.provider,
        "model": run.model,
        "lastRun": utc_now().isoformat(),
        "lastStart": started_iso,
        "lastDuration": round(run.duration_sec, 3),
        "pending": run.pending,
        "embedded": run.embedded,
        "skipped": run.skipped,
        "deleted": run.deleted,
        "failures": run.failures,
        "tokens": run.tokens,
        "estimatedCostUsd": "" if run.cost_usd is None else f"{run.cost_usd:.6f}",
        "lastError": run.error or "",
        "ok": int(run.ok),
    }
    if run.count >= 0:
        fields["count"] = run.count
    await write_status(redis, keys.STATUS_EMBEDDING, **fields)


async def _record_metrics(redis: aioredis.Redis, run: EmbeddingRun) -> None:
    metrics = MetricsRecorder(redis)
    if run.embedded:
        await metrics.increment(EMBEDDED, run.embedded, provider=run.provider)
    if run.tokens:
        await metrics.increment(EMBEDDING_TOKENS, run.tokens, provider=run.provider)
    if run.cost_usd:
        await metrics.increment(EMBEDDING_COST, run.cost_usd, provider=run.provider)


def _log_run(run: EmbeddingRun) -> None:
    cost = "" if run.cost_usd is None else f", {run.tokens} tokens ≈ ${run.cost_usd:.3g}"
    log.log(
        logging.INFO if run.ok else logging.WARNING,
        "embedding run: %d pending, %d embedded, %d skipped (unchanged), %d deleted, "
        "%d failures, %d stored%s, %.2fs",
        run.pending,
        run.embedded,
        run.skipped,
        run.deleted,
        run.failures,
        run.count,
        cost,
        run.duration_sec,
    )


def next_run_delay(run: EmbeddingRun | None, refresh_sec: float) -> float:
    """Seconds until the next loop run: soon while the catalog is still empty, else the refresh.

    At start-up the poller has usually not filled the catalog yet; waiting a whole refresh
    (15 minutes by default) before the first real run would leave matching empty that long.
    """
    empty = run is not None and run.pending + run.skipped == 0 and run.count == 0
    return min(EMPTY_CATALOG_RETRY_SEC, refresh_sec) if empty else refresh_sec


async def run_worker(settings: Settings, *, loop: bool) -> int:
    """Connect, run once or forever, and return the process exit code."""
    async with redis_session(settings) as redis:
        provider = create_provider(settings)
        redis_outage = Outage("embedding: redis", log)
        try:
            while True:
                reraise_if_cancelling()  # a cancel redis-py swallowed still stops the loop
                run: EmbeddingRun | None = None
                try:
                    run = await embed_pending(
                        redis, provider, settings, progress=sys.stderr.isatty()
                    )
                    code = EXIT_OK if run.ok else EXIT_FAILED
                    redis_outage.ok()
                except REDIS_DOWN as exc:
                    if not loop:
                        log.error("embedding run failed: %s", exc)
                        return EXIT_FAILED
                    # Redis restarting: try again soon (quietly), not after a whole refresh.
                    await asyncio.sleep(redis_outage.failed(exc))
                    continue
                except (UpstreamError, ConfigError, RedisError) as exc:
                    if is_fatal(exc):
                        log.error("embedding worker stopped: %s", exc)
                        return EXIT_FATAL
                    log.error("embedding run failed: %s", exc)
                    code = EXIT_FAILED
                if not loop:
                    return code
                await asyncio.sleep(next_run_delay(run, settings.embedding_refresh_sec))
        finally:
            await provider.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, load settings, run; errors become one log line."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.workers.embedding")
    parser.add_argument("--loop", action="store_true", help="repeat every EMBEDDING_REFRESH_SEC")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        configure_logging()
        log.error("embedding worker stopped: %s", exc)
        return EXIT_FATAL
    configure_logging(settings.log_level)
    try:
        return asyncio.run(run_worker(settings, loop=args.loop))
    except ConfigError as exc:
        log.error("embedding worker stopped: %s", exc)
        return EXIT_FATAL
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
