"""Benchmark: one catalog poll per venue from the replay stand-in, and Kalshi's book refresh.

Both venues are served by the local stand-in (real HTTP on loopback) with enough synthetic
copies of the recordings to list `--markets` markets each, into a real (embedded) Redis:

    polymarket poll   Gamma listing (offset, then keyset pages) + CLOB books of every token
    kalshi poll       events with nested markets (cursor pages) + books of the watched markets
    baseline          the same listing fetched and JSON-decoded only (no parsing, no Redis)
    kalshi books      full order books fetched under the client-side rate limit, books/s
                      against the configured limit, and unlimited as a baseline

Redis round trips are counted at the client (each command or pipeline execution is one), so
"round trips per market" says how the stores scale, whatever the machine.

    python -m dashboard_backend.bench poll [--markets 5000] [--books 100] [--rate 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from dashboard_backend.connections import EmbeddedRedis
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.kalshi import KalshiState, kalshi_routes
from dashboard_backend.replay.kalshi_data import load_kalshi
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.serve import free_port, serve_in_thread
from dashboard_backend.settings import Settings
from dashboard_backend.venues.kalshi import KalshiClient
from dashboard_backend.venues.kalshi import create_venue as create_kalshi
from dashboard_backend.venues.polymarket import create_venue as create_polymarket
from dashboard_backend.workers.poller import CatalogPoller

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"


class CountingPipeline(Pipeline):  # type: ignore[misc]
    """A pipeline that counts its executions (one round trip each)."""

    counter: list[int]

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        self.counter[0] += 1
        result: list[Any] = await super().execute(raise_on_error)
        return result


class CountingRedis(aioredis.Redis):  # type: ignore[misc]
    """A client that counts round trips: single commands and pipeline executions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round_trips = [0]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.round_trips[0] += 1
        return await super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        pipe = CountingPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipe.counter = self.round_trips
        return pipe


async def _listing_baseline(url: str, markets: int) -> dict[str, float]:
    """Seconds to fetch and decode each venue's listing only (no parsing, no Redis)."""
    started = time.perf_counter()
    out: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=60) as http:
        cursor: str | None = None
        got = 0
        while got < markets:
            params = {"limit": "100", **({"after_cursor": cursor} if cursor else {})}
            page = (await http.get(f"{url}/markets/keyset", params=params)).json()
            got += len(page["markets"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        out["polymarket"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor = None
        while True:
            params = {"status": "open", "with_nested_markets": "true", "limit": "200"}
            if cursor:
                params["cursor"] = cursor
            page = (await http.get(f"{url}/trade-api/v2/events", params=params)).json()
            cursor = page.get("cursor")
            if not cursor:
                break
    out["kalshi"] = time.perf_counter() - started
    return out


async def _poll(
    settings: Settings, redis: CountingRedis, venue_name: str
) -> tuple[int, float, int]:
    async with httpx.AsyncClient(timeout=60) as http:
        venue = (create_polymarket if venue_name == "polymarket" else create_kalshi)(settings, http)
        before = redis.round_trips[0]
        started = time.perf_counter()
        report = await CatalogPoller(settings, redis, venue).poll_once()
        return report.markets, time.perf_counter() - started, redis.round_trips[0] - before


async def _books(url: str, tickers: list[str], rate: float) -> float:
    async with httpx.AsyncClient(timeout=60) as http:
        client = KalshiClient(http, f"{url}/trade-api/v2", RetryPolicy(), rate_per_sec=rate)
        started = time.perf_counter()
        result = await client.fetch_books([f"kalshi:{t}:yes" for t in tickers])
        elapsed = time.perf_counter() - started
    assert len(result.books) == len(tickers)
    return len(tickers) / elapsed


async def run(markets: int, books: int, rate: float) -> None:
    pm = ReplayState.from_directory(DATA, min_markets=markets, limit=markets)
    kalshi = KalshiState(load_kalshi(DATA, min_markets=markets))
    open_tickers = [str(m["ticker"]) for m in kalshi.data.markets if m.get("status") == "active"]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), free_port()) as server:
        redis = CountingRedis.from_url(server.url, decode_responses=True)
        with serve_in_thread(create_app(pm, kalshi_routes(kalshi))) as url:
            settings = Settings(
                redis_url=server.url,
                pm_gamma_url=url,
                pm_clob_url=url,
                pm_gamma_limit=markets,
                pm_books_batch=500,
                kalshi_url=f"{url}/trade-api/v2",
                kalshi_limit=markets,
                kalshi_rate_limit=1000.0,
                kalshi_book_max=books,
            )
            baseline = await _listing_baseline(url, markets)
            print(
                "baseline: listing fetched + decoded only: "
                + ", ".join(f"{k} {v:.2f} s" for k, v in baseline.items())
            )
            for name in ("polymarket", "kalshi"):
                n, secs, trips = await _poll(settings, redis, name)
                print(
                    f"{name:10} poll: {n:6,d} markets in {secs:6.2f} s = {n / secs:8,.0f} markets/s; "
                    f"{trips} Redis round trips ({trips / max(n, 1):.4f} per market); "
                    f"{secs / baseline[name]:.1f}x its listing baseline"
                )
            sample = open_tickers[: min(len(open_tickers), int(rate * 3))]
            limited = await _books(url, sample, rate)
            unlimited = await _books(url, sample, 0)
            print(
                f"kalshi books under a {rate:g}/s limit: {limited:7.1f} books/s "
                f"({limited / rate:.2f} of the limit); unlimited baseline {unlimited:7.1f} books/s "
                f"over {len(sample)} markets; a {books}-market watch list refreshes in "
                f"{books / limited:.1f} s at this limit"
            )
        await redis.aclose()


def main(argv: list[str]) -> None:
    """Print markets/s, Redis round trips per market and book throughput, with conditions."""
    parser = argparse.ArgumentParser(prog="bench poll")
    parser.add_argument("--markets", type=int, default=5000, help="markets per venue")
    parser.add_argument("--books", type=int, default=100, help="Kalshi watched markets")
    parser.add_argument("--rate", type=float, default=20.0, help="Kalshi requests/s limit")
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; "
        f"python {platform.python_version()}; stand-in on loopback, embedded Redis; "
        f"{args.markets} markets per venue"
    )
    asyncio.run(run(args.markets, args.books, args.rate))
