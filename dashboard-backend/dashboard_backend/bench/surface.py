"""Benchmark: what `/metrics` and the notifier cost, against the bare Redis reads they stand on.

Scrape: `read_scrape` + `families` + Prometheus rendering over catalogs whose matching left 1,000,
10,000 and 50,000 match lists (5 entries each, half judged by the relation engine) and 200
opportunities, right after a matching run (pairs recounted) and between runs (counts cached);
baseline: the same keys fetched in one pipeline with nothing parsed (the floor).
Notifier: `Notifier.handle` on opportunity changes (one Redis round trip for the de-duplication
check each), against parsing the same messages alone.

    python -m dashboard_backend.bench surface [--seconds 1.0] [--sizes 1000,10000,50000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from dashboard_backend import keys
from dashboard_backend.changes import OpportunityChange
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.matching.store import dump_entries
from dashboard_backend.metrics.exposition import PairCounts, families, read_scrape
from dashboard_backend.models import Leg, MatchEntry, Opportunity, Relation
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from dashboard_backend.workers.notifier import Notifier

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class _Ready(Collector):
    def __init__(self, ready: list[Metric]):
        self.ready = ready

    def collect(self) -> list[Metric]:
        return self.ready


async def seed(redis: aioredis.Redis, lists: int) -> None:
    """`lists` match lists of 5 entries (every other one judged) and 200 opportunities."""
    await redis.flushall()
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(lists):
            entries = [
                MatchEntry(
                    market_id=str((i + k + 1) % lists),
                    question=f"Will thing {i + k} happen?",
                    similarity=0.9,
                    relation=Relation.EQUIVALENT if k % 2 else None,
                    confidence=0.9 if k % 2 else None,
                    matched_at=NOW,
                )
                for k in range(5)
            ]
            pipe.hset(keys.CROSS_MATCHES, str(i), dump_entries(entries))
        for i in range(200):
            pipe.hset(keys.OPS_SNAPSHOT, f"binary_buy_both:{i}", opportunity(i, 5.0).to_json())
        await pipe.execute()


def opportunity(i: int, profit: float) -> Opportunity:
    """A two-leg opportunity."""
    legs = tuple(
        Leg(
            market_id=str(i),
            token_id=f"{i}-{o}",
            outcome=o,
            side="buy",
            best_price=0.45,
            avg_price=0.46,
            worst_price=0.47,
        )
        for o in ("Yes", "No")
    )
    return Opportunity(
        id=f"binary_buy_both:{i}",
        kind="binary_buy_both",
        market_ids=(str(i),),
        title=f"Will thing {i} happen?",
        legs=legs,
        edge=0.05,
        avg_edge=0.04,
        size=100,
        cost=92,
        fees=0,
        expected_profit=profit,
        detected_at=NOW,
    )


async def scrape_text(redis: aioredis.Redis, pairs: PairCounts | None = None) -> bytes:
    """One `/metrics` body, as the route builds it (without the API's own series)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Ready(list(families(await read_scrape(redis, pairs)))))
    return generate_latest(registry)


async def raw_reads(redis: aioredis.Redis) -> None:
    """Baseline: the same keys, fetched and not parsed."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hlen(keys.CATALOG)
        pipe.hlen(keys.BOOKS)
        pipe.hlen(keys.EMBEDDINGS)
        pipe.hgetall(keys.OPS_SNAPSHOT)
        pipe.hgetall(keys.CROSS_MATCHES)
        pipe.hgetall(keys.METRICS)
        await pipe.execute()


async def best_time(fn: Callable[[], Awaitable[object]], seconds: float) -> float:
    """Best seconds per call over repeated calls for about `seconds`."""
    await fn()
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or best == float("inf"):
        start = time.perf_counter()
        await fn()
        best = min(best, time.perf_counter() - start)
    return best


async def run(url: str, sizes: list[int], seconds: float) -> None:
    """Print one line per case."""
    redis = create_redis(url)
    try:
        print("scrape (best of repeated scrapes):")
        for n in sizes:
            await seed(redis, n)
            body = await scrape_text(redis)
            first = await best_time(lambda: scrape_text(redis), seconds)  # pairs recounted
            cache = PairCounts()
            await redis.hset(keys.STATUS_MATCHING, "lastRun", NOW.isoformat())
            cached = await best_time(partial(scrape_text, redis, cache), seconds)
            floor = await best_time(lambda: raw_reads(redis), seconds)
            print(
                f"  {n:>6,} match lists: /metrics after a matching run {first * 1000:7.1f} ms, "
                f"between runs {cached * 1000:5.1f} ms ({len(body):,} bytes) | raw reads "
                f"{floor * 1000:6.1f} ms | ratios {first / floor:4.1f}x, {cached / floor:4.2f}x"
            )
        await redis.flushall()
        notifier = Notifier(Settings(redis_url=url, alert_min_profit_usd=1.0), redis, [])
        messages = [
            OpportunityChange(
                action="appeared", id=f"binary_buy_both:{i}", opportunity=opportunity(i, p), ts=NOW
            ).to_json()
            for i, p in enumerate([0.5, 5.0] * 500)  # half below the threshold
        ]

        async def handle_all() -> None:
            for message in messages:
                await notifier.handle(keys.OPS_UPDATES, message)

        async def parse_all() -> None:
            for message in messages:
                OpportunityChange.from_json(message)

        ours = await best_time(handle_all, seconds)
        floor = await best_time(parse_all, seconds)
        rate = len(messages) / ours
        print(
            f"notifier: {rate:,.0f} changes/s decided (half below the threshold, the rest repeats "
            f"after the first round) | parse alone {len(messages) / floor:,.0f}/s | "
            f"ratio {ours / floor:.1f}x"
        )
    finally:
        await redis.aclose()


def main(argv: list[str]) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.bench surface")
    parser.add_argument("--seconds", type=float, default=1.0, help="time budget per case")
    parser.add_argument("--sizes", default="1000,10000,50000", help="match lists per case")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(
        f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; "
        f"python {platform.python_version()}; prometheus-client {version('prometheus-client')}, "
        f"redis-py {version('redis')}; bundled Redis on loopback TCP"
    )
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), free_port()) as server:
        asyncio.run(run(server.url, sizes, args.seconds))
