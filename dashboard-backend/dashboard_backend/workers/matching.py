"""Matching worker: catalog + embeddings -> `markets:cross_matches`, changes on `matches:updates`.

`python -m dashboard_backend.workers.matching [--loop]`: once mode runs one pass and exits; loop
mode follows the embedding worker: a pass as soon as an embedding run finishes (seen in
`status:embedding`), and at least every EMBEDDING_REFRESH_SEC; a failed pass is logged, not fatal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import redis_session
from dashboard_backend.embeddings.store import EmbeddingStore
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import (
    Decoded,
    MatchState,
    select_embedded,
    venue_sides,
)
from dashboard_backend.matching.store import MatchRunStatus, MatchStore
from dashboard_backend.metrics.names import MATCHING_DURATION
from dashboard_backend.metrics.store import MetricsRecorder
from dashboard_backend.models import MarketDocument, MarketEmbedding
from dashboard_backend.outage import REDIS_DOWN, Outage, reraise_if_cancelling
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.status import read_status_field, utc_now, write_status
from dashboard_backend.stored import ParseMemo
from dashboard_backend.verifier.factory import worker_verifier
from dashboard_backend.verifier.matches import review_matches
from dashboard_backend.verifier.review import Verifier

log = logging.getLogger("dashboard_backend.workers.matching")

# Loop mode: how often to check whether the embedding worker has finished a new run.
FOLLOW_POLL_SEC = 2.0


@dataclass
class Reads:
    """What loop mode keeps of the previous pass's reads: documents and embeddings stored
    unchanged are not parsed again and come back as the same objects (so the matching state sees
    them unchanged without computing a key), and their vectors are not decoded again."""

    catalog: ParseMemo[MarketDocument] = field(
        default_factory=lambda: ParseMemo(MarketDocument.from_json)
    )
    embeddings: ParseMemo[MarketEmbedding] = field(
        default_factory=lambda: ParseMemo(MarketEmbedding.from_json)
    )
    vectors: Decoded = field(default_factory=dict)


async def match_once(
    redis: aioredis.Redis,
    settings: Settings,
    now: datetime | None = None,
    state: MatchState | None = None,
    verifier: Verifier | None = None,
    reads: Reads | None = None,
) -> MatchRunStatus:
    """One matching pass over the current catalog and embeddings.

    `state` is kept between passes (loop mode): cards, neighbour lists and verdicts of markets
    that did not change are reused, so a pass costs what changed (the result is a full pass's);
    `reads` likewise for parsing what was read.
    With several venues in the catalog, candidates are cross-venue only (MATCH_ACROSS_VENUES_ONLY).
    """
    started = time.perf_counter()
    now = now or utc_now()
    reads = reads if reads is not None else Reads()
    reads.catalog.next_read()
    reads.embeddings.next_read()
    catalog = await CatalogStore(redis).read_all(parse=reads.catalog)
    stored = await EmbeddingStore(redis).read_all(parse=reads.embeddings)
    embedded = select_embedded(catalog, stored, reads.vectors)
    filters = MatchFilters.from_settings(settings)
    state = state if state is not None else MatchState()
    sides = venue_sides(embedded.docs) if settings.match_across_venues_only else None
    # CPU-bound (numpy releases the GIL in BLAS; parsing and rules do not): keep the loop responsive.
    result = await asyncio.to_thread(
        state.run, embedded.docs, embedded.vectors, filters, now, sides, None, embedded.model
    )
    matches = result.matches
    if verifier is not None:
        matches, llm = await review_matches(verifier, {d.id: d for d in embedded.docs}, matches)
        await write_status(redis, keys.STATUS_MATCHING, **llm.status_fields())
        log.info("LLM verifier: %s", llm.summary())
    store = MatchStore(redis)
    changes = await store.replace(matches, now)
    status = MatchRunStatus(
        last_run=now,
        duration_sec=time.perf_counter() - started,
        markets=len(embedded.docs),
        markets_with_matches=len(matches),
        pairs=sum(len(v) for v in matches.values()),
        candidates_compared=result.neighbours.compared,
        candidates_judged=result.candidates,
        relations=result.relations,
    )
    await store.write_status(status)
    await MetricsRecorder(redis).observe(MATCHING_DURATION, status.duration_sec)
    actions = {
        a: sum(c.action == a for c in changes) for a in ("new", "dropped", "repriced", "related")
    }
    log.info(
        "matched %d markets (model %s; skipped %d without embedding, %d stale, %d other model, "
        "%d unreadable): %d with matches, %d entries, %d candidate pairs (%d from cards; %d "
        "decided, the rest reused), %d markets changed, %d rows searched, relations %s, "
        "%d similarities computed, changes %s, %.2fs (phases %s)",
        len(embedded.docs),
        embedded.model,
        embedded.missing,
        embedded.stale,
        embedded.other_model,
        embedded.unreadable,
        status.markets_with_matches,
        status.pairs,
        result.candidates,
        result.from_cards,
        result.decided,
        result.changed,
        result.searched,
        result.relations,
        status.candidates_compared,
        actions,
        status.duration_sec,
        {k: round(v, 2) for k, v in result.timings.items()},
    )
    return status


async def embedding_run_marker(redis: aioredis.Redis) -> str:
    """When the embedding worker last finished a run ('' if never)."""
    return await read_status_field(redis, keys.STATUS_EMBEDDING, "lastRun")


async def wait_for_next_pass(
    redis: aioredis.Redis, seen: str, refresh_sec: float, poll_sec: float = FOLLOW_POLL_SEC
) -> None:
    """Return after `refresh_sec`, or as soon as the embedding worker finishes a newer run."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + refresh_sec
    while (left := deadline - loop.time()) > 0:
        await asyncio.sleep(min(poll_sec, left))
        if await embedding_run_marker(redis) != seen:
            return


async def run(
    redis: aioredis.Redis, settings: Settings, loop: bool, verifier: Verifier | None = None
) -> None:
    """One pass, or passes forever: after each embedding run, and at least every refresh."""
    state = MatchState()  # kept between passes: unchanged markets are not parsed or judged again
    reads = Reads()  # and stored values unchanged are not parsed again
    redis_outage = Outage("matching: redis", log)
    while True:
        reraise_if_cancelling()  # a cancel redis-py swallowed still stops the loop
        try:
            seen = await embedding_run_marker(redis)
            await match_once(redis, settings, state=state, verifier=verifier, reads=reads)
            redis_outage.ok()
        except REDIS_DOWN as exc:
            if not loop:
                raise
            # Redis restarting: try again soon (quietly), not after a whole refresh, and in full.
            state.reset()
            await asyncio.sleep(redis_outage.failed(exc))
            continue
        except Exception as exc:
            if not loop:
                raise
            log.exception("matching pass failed; previous matches left in place")
            state.reset()  # the next pass is a full one: nothing half-updated is trusted
            with contextlib.suppress(*REDIS_DOWN, aioredis.RedisError):
                await MatchStore(redis).write_failure(exc, utc_now())
        if not loop:
            return
        try:
            await wait_for_next_pass(redis, seen, settings.embedding_refresh_sec)
        except REDIS_DOWN as exc:
            await asyncio.sleep(redis_outage.failed(exc))


async def amain(loop: bool, settings: Settings) -> None:
    """Create the Redis client, run, close everything."""
    async with redis_session(settings) as redis, worker_verifier(settings, redis) as verifier:
        await run(redis, settings, loop, verifier)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.workers.matching")
    parser.add_argument("--loop", action="store_true", help="match every EMBEDDING_REFRESH_SEC")
    args = parser.parse_args(argv)
    settings = process_settings()
    try:
        asyncio.run(amain(args.loop, settings))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
