"""Benchmark: the cross worker live, on a real Redis, over 10,000 related pairs.

throughput   the worker's own full reprice of every pair (`CrossWorker.rebuild` path:
             distrust checks, pricing, stale notes, diff against what it last wrote, the
             Redis write of what changed), first run (publishing every opportunity) and
             steady runs (nothing changed); baseline: the pure maths alone on the same pairs
latency      a cross worker in its own process (`python -m dashboard_backend.workers.cross
             --loop`, as `make run` starts it); this process plays the websocket ingest: a
             Polymarket `book` frame handed to `WsPipeline.process` (intra recompute, then
             the live notice on `books:updates`), the worker reprices the pair and publishes;
             a subscriber process timestamps `ops:updates` (CLOCK_MONOTONIC is shared by
             processes). Each change opens or closes a cross opportunity, one every 20 ms.
             Baseline in the same run: bare Redis PING round trips.

python -m dashboard_backend.bench cross_live [--pairs 10000] [--changes 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from dashboard_backend import keys
from dashboard_backend.bench.cross import FEES, _universe
from dashboard_backend.bench.ws import (
    DONE_CHANNEL,
    _latencies,
    _pct,
    _ping_rtts,
    start_subscriber,
)
from dashboard_backend.book_notices import BookNotices, now_ms
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.cross.index import PairIndex
from dashboard_backend.cross.opportunities import Pricing, find_cross_opportunities
from dashboard_backend.live_book import ApplyOutcome
from dashboard_backend.matching.store import dump_entries
from dashboard_backend.models import MarketDocument, MatchEntry, OrderBook, Relation
from dashboard_backend.opportunities import CatalogIndex
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket.ws_messages import decode_events
from dashboard_backend.workers.cross import CrossWorker
from dashboard_backend.workers.ws_pipeline import WsPipeline

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
MAX_AGE_SEC = 3600.0  # the Kalshi side's REST books must stay current for the whole run
GAP_SEC = 0.02


def _fresh(books: dict[str, OrderBook]) -> dict[str, OrderBook]:
    stamp = now_ms()
    return {t: b.model_copy(update={"timestamp": stamp}) for t, b in books.items()}


async def _seed(
    redis_url: str,
    markets: list[MarketDocument],
    books: dict[str, OrderBook],
    matches: dict[str, list[MatchEntry]],
) -> None:
    client = create_redis(redis_url)
    await client.flushall()
    store = CatalogStore(client)
    for venue in ("polymarket", "kalshi"):
        await store.replace_venue(venue, {m.id: m for m in markets if m.venue == venue})
    await store.write_books(books.values())
    lists = {base: dump_entries(entries) for base, entries in matches.items()}
    for start in range(0, len(lists), 1000):
        chunk = dict(list(lists.items())[start : start + 1000])
        await client.hset(keys.CROSS_MATCHES, mapping=chunk)
    await client.hset(keys.STATUS_MATCHING, "lastRun", "bench")
    await client.aclose()


async def _throughput(redis_url: str, n: int) -> list[tuple[str, float, int]]:
    """(case, seconds, opportunities) of the worker's full reprice, first and steady."""
    client = create_redis(redis_url)
    settings = Settings(redis_url=redis_url, cross_max_book_age_sec=MAX_AGE_SEC, _env_file=None)
    worker = CrossWorker(client, settings)
    await worker.rebuild()  # index, books, followed tokens; first publish
    await OpsStore(client).redis.delete(keys.OPS_SNAPSHOT)
    worker.present = {}
    out: list[tuple[str, float, int]] = []
    start = time.perf_counter()
    await worker._recompute(worker.index.everything())
    out.append(("first (publishing every one)", time.perf_counter() - start, len(worker.present)))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        await worker._recompute(worker.index.everything())
        best = min(best, time.perf_counter() - start)
    out.append(("steady (nothing changed)", best, len(worker.present)))
    await client.aclose()
    return out


def _frame(doc: MarketDocument, token: str, ask: float) -> str:
    levels = [{"price": f"{min(ask + 0.01 * i, 0.99):.2f}", "size": "100"} for i in range(20)]
    return json.dumps(
        {
            "event_type": "book",
            "asset_id": token,
            "market": doc.condition_id,
            "timestamp": str(now_ms()),
            "bids": [],
            "asks": levels,
        }
    )


def _toggled(
    markets: list[MarketDocument],
    books: dict[str, OrderBook],
    matches: dict[str, list[MatchEntry]],
) -> list[str]:
    """Equivalent pairs (A YES ⇔ B YES) with no edge now and a fair YES ask on A of 0.45 or more:
    A's YES offered at 0.30 makes A YES + B NO pay, back at its ask it does not."""
    out: list[str] = []
    for m in markets:
        entries = matches.get(m.id) or []
        if m.venue != "polymarket" or not entries or entries[0].relation is not Relation.EQUIVALENT:
            continue
        yes, other_no = books[f"{m.id}-Yes"].asks[0].price, books[f"KX{m.id}-No"].asks[0].price
        if yes >= 0.45 and yes + other_no >= 1.01:
            out.append(m.id)
    return out


async def _latency_run(
    redis_url: str,
    markets: list[MarketDocument],
    books: dict[str, OrderBook],
    matches: dict[str, list[MatchEntry]],
    changes: int,
) -> list[tuple[int, int, str, str]]:
    """Play `changes` Polymarket book changes, each opening or closing a cross opportunity.

    Returns (handed ns, handed ns, id, action) per expected change, for `_latencies`.
    """
    client = create_redis(redis_url)
    pm = {m.id: m for m in markets if m.venue == "polymarket"}
    pipeline = WsPipeline(OpsStore(client), FEES, decode=decode_events)
    pipeline.notices = BookNotices(client, "polymarket", live=True)
    pipeline.set_catalog(pm)
    # Every book as a snapshot frame, applied without publishing: the worker holds the same books
    # from `markets:books` already (the bench times changes, not a start-up burst).
    initial = [
        _frame(pm[m], token, books[token].asks[0].price)
        for m in pm
        for token in (f"{m}-Yes", f"{m}-No")
    ]
    pipeline.ingest(initial, ApplyOutcome())
    for _ in range(600):  # the worker's status says its index is built and priced
        if await client.hget(keys.STATUS_CROSS, "rebuilds") and await pipeline.notices.refresh():
            break
        await asyncio.sleep(0.2)
    equivalent = _toggled(markets, books, matches)
    published: list[tuple[int, int, str, str]] = []
    cheap: dict[str, bool] = {}
    for i in range(changes):
        market = equivalent[i % min(len(equivalent), 50)]
        token = f"{market}-Yes"
        opening = not cheap.get(market, False)
        cheap[market] = opening
        ask = 0.30 if opening else books[token].asks[0].price
        frame = _frame(pm[market], token, ask)
        handed = time.monotonic_ns()
        await pipeline.process([frame])
        oid = f"cross_equivalent:{token}+KX{market}-No"
        published.append((handed, handed, oid, "appeared" if opening else "disappeared"))
        await asyncio.sleep(GAP_SEC)
    await asyncio.sleep(1.0)
    await client.publish(DONE_CHANNEL, "done")
    await client.aclose()
    return published


def main(argv: list[str]) -> None:
    """Print throughput and latency with the run's conditions and baselines."""
    parser = argparse.ArgumentParser(prog="bench cross_live")
    parser.add_argument("--pairs", type=int, default=10_000, help="related pairs")
    parser.add_argument("--changes", type=int, default=300, help="book changes timed")
    args = parser.parse_args(argv)
    n: int = args.pairs
    print(
        f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; "
        f"python {platform.python_version()}; redis-py {version('redis')}; {n} "
        "Polymarket/Kalshi pairs (mixed relations, 20-level books, ~2 % with an edge), "
        "a real Redis on loopback"
    )
    markets, books, matches = _universe(n)
    books = _fresh(books)
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp), free_port())
        server.start()
        try:
            asyncio.run(_seed(server.url, markets, books, matches))
            pricing = Pricing(
                CatalogIndex(markets), books, FEES, datetime.now(UTC), max_book_age_sec=MAX_AGE_SEC
            )
            everything = PairIndex.build(matches, CatalogIndex(markets)).everything()
            find_cross_opportunities(everything, pricing)
            start = time.perf_counter()
            pure = find_cross_opportunities(everything, pricing)
            pure_s = time.perf_counter() - start
            cases = asyncio.run(_throughput(server.url, n))
            print(f"throughput, {n} related pairs:")
            print(
                f"  baseline: pure maths (find_cross_opportunities)  {pure_s * 1000:8.1f} ms  "
                f"{n / pure_s:>9,.0f} pairs/s  ({len(pure)} opportunities)"
            )
            for name, secs, found in cases:
                print(
                    f"  worker full reprice, {name:<28} {secs * 1000:8.1f} ms  "
                    f"{n / secs:>9,.0f} pairs/s  ({found} opportunities; "
                    f"{secs / pure_s:4.2f}x the maths)"
                )
            asyncio.run(_seed(server.url, markets, books, matches))
            env = {
                **os.environ,
                "PYTHONPATH": str(PACKAGE_ROOT),
                "REDIS_URL": server.url,
                "CROSS_MAX_BOOK_AGE_SEC": str(MAX_AGE_SEC),
                "LOG_LEVEL": "WARNING",
            }
            worker = subprocess.Popen(
                [sys.executable, "-m", "dashboard_backend.workers.cross", "--loop"], env=env
            )
            sub, res_r = start_subscriber(server.url)
            try:
                published = asyncio.run(
                    _latency_run(server.url, markets, books, matches, args.changes)
                )
                seen = res_r.recv()
            finally:
                worker.terminate()
                worker.wait(timeout=30)
                sub.join(timeout=10)
            lat = _latencies(published, seen)
            pings = asyncio.run(_ping_rtts(server.url))
            print(
                f"latency, {args.changes} Polymarket book changes one every {GAP_SEC * 1000:.0f} ms, "
                f"{len(lat)} cross opportunity events received:"
            )
            for name, values in (
                ("baseline: one Redis PING round trip", pings),
                ("book frame handed to the ingest → cross opportunity on ops:updates", lat),
            ):
                if values:
                    print(
                        f"  {name}: p50 {statistics.median(values):.3f} ms, "
                        f"p99 {_pct(values, 0.99):.3f} ms, max {max(values):.3f} ms"
                    )
        finally:
            server.close()
