"""The websocket ingest end to end: the replay market channel on loopback, real Redis.

The expected books are computed here, independently, by applying the script's wire messages to
plain dicts; the ingest must end with exactly those books.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.fees import FeeTable
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.replay.ws import MarketChannel, scenario_for
from dashboard_backend.replay.ws_script import Frame, ScriptConfig, WindowEvent
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.status import read_status
from dashboard_backend.venues.base import POLYMARKET
from dashboard_backend.venues.polymarket import PolymarketFeed
from dashboard_backend.venues.polymarket import create_venue as create_polymarket
from dashboard_backend.venues.polymarket.ws_messages import decode_events
from dashboard_backend.workers.poller import CatalogPoller
from dashboard_backend.workers.ws_ingest import WsIngest
from dashboard_backend.workers.ws_pipeline import WsPipeline
from tests.support_http import replay_settings
from tests.support_ingest import fast_config, ingesting
from tests.support_redis import OpsUpdates
from tests.support_wait import eventually

GHOST = "ghost_alpha"
Levels = tuple[list[tuple[float, float]], list[tuple[float, float]]]


@dataclass
class Expected:
    """What the script implies: final books per token and the arbitrage windows."""

    books: dict[str, Levels]
    windows: list[WindowEvent]
    malformed: int


def expected_from_script(state: ReplayState, config: ScriptConfig) -> Expected:
    """Apply every scripted message to plain dicts, starting from the served books."""
    scenario = scenario_for(state, config)
    sides: dict[str, tuple[dict[float, float], dict[float, float]]] = {}
    for token in state.books:
        book = state.books.get(token)
        assert book is not None
        sides[token] = (
            {float(p): float(s) for p, s in book.bids.items()},
            {float(p): float(s) for p, s in book.asks.items()},
        )
    windows: list[WindowEvent] = []
    malformed = 0
    for step in scenario.steps():
        if isinstance(step, WindowEvent):
            windows.append(step)
        elif isinstance(step, Frame):
            for msg in step.messages:
                if msg["event_type"] != "price_change":
                    continue
                for item in msg.get("price_changes") or [msg]:
                    bids, asks = sides[item["asset_id"]]
                    levels = bids if item["side"] == "BUY" else asks
                    price, size = float(item["price"]), float(item["size"])
                    if size > 0:
                        levels[price] = size
                    else:
                        levels.pop(price, None)
        elif type(step).__name__ == "Malformed":
            malformed += 1
    books = {t: (sorted(b.items(), reverse=True), sorted(a.items())) for t, (b, a) in sides.items()}
    return Expected(books, windows, malformed)


@dataclass
class Harness:
    channel: MarketChannel
    ingest: WsIngest
    expected: Expected


@asynccontextmanager
async def running(
    shared_data: Path,
    redis: aioredis.Redis,
    redis_url: str,
    config: ScriptConfig,
    hold_windows: bool = False,
) -> AsyncIterator[Harness]:
    """Replay server (REST + market channel), one poll for the catalog, then the ingest."""
    state = ReplayState.from_directory(shared_data / GHOST, seed=3, limit=12)
    expected = expected_from_script(state, config)
    channel = MarketChannel(state, config, hold_windows=hold_windows)
    with serve_in_thread(create_app(state, channel.routes())) as url:
        settings = replay_settings(url, redis_url, pm_http_timeout_sec=5.0)
        async with httpx.AsyncClient(timeout=5.0) as http:
            venue = create_polymarket(settings, http)
            await CatalogPoller(settings, redis, venue).poll_once()
            pipeline = WsPipeline(
                OpsStore(redis), FeeTable.from_settings(settings), decode=decode_events
            )
            feed = PolymarketFeed(
                url.replace("http://", "ws://") + "/ws/market",
                subscribe_chunk=7,  # several subscribe messages even for a small catalog
            )
            ingest = WsIngest(
                redis,
                pipeline,
                feed,
                venue.books,
                fast_config(),
                venue=POLYMARKET,
                rng=random.Random(1),
            )
            async with ingesting(ingest):
                yield Harness(channel, ingest, expected)


def local_books(ingest: WsIngest) -> dict[str, Levels]:
    out: dict[str, Levels] = {}
    for token in ingest.pipeline.token_market:
        book = ingest.pipeline.books.trusted(token)
        if book is not None:
            out[token] = book.levels()
    return out


def books_match(ingest: WsIngest, expected: Expected) -> bool:
    tokens = ingest.pipeline.token_market
    return bool(tokens) and all(local_books(ingest).get(t) == expected.books[t] for t in tokens)


async def test_stream_ends_with_the_books_the_script_implies_and_one_window_event_each(
    shared_data: Path, redis_client: aioredis.Redis, redis_url: str
) -> None:
    config = ScriptConfig(seed=11, messages=300, rate=600.0, malformed_at=(90, 200))
    updates = await OpsUpdates.subscribe(redis_client)
    async with running(shared_data, redis_client, redis_url, config, hold_windows=True) as h:
        window_id = f"binary_buy_both:{h.expected.windows[0].market_id}"

        def seen(action: str) -> bool:
            return action in updates.actions(window_id)

        # The script holds after opening the window until the ingest has published it.
        await updates.until(lambda: seen("appeared"), "the window to appear")
        h.channel.release_window()
        await eventually(h.channel.finished.is_set, "the script to finish")
        await eventually(lambda: books_match(h.ingest, h.expected), "books to match the script")
        await eventually(lambda: h.ingest.stats.malformed == 2, "both malformed frames counted")
        await updates.until(lambda: seen("disappeared"), "the window to disappear")
        await asyncio.sleep(0.3)  # a status write and a flush happen after the last frame
    await updates.close()

    assert h.expected.malformed == 2
    assert [w.opened for w in h.expected.windows] == [True, False]
    assert updates.actions(window_id) == ["appeared", "disappeared"]
    appeared = updates.first(window_id)
    assert appeared["opportunity"]["size"] == 100.0
    assert appeared["opportunity"]["edge"] > 0
    assert not await redis_client.hexists(keys.OPS_SNAPSHOT, window_id)

    status = await read_status(redis_client, keys.status_ws(POLYMARKET))
    assert status["malformed"] == "2"
    assert status["connected"] == "false"  # the ingest has stopped
    assert int(status["subscribedTokens"]) == len(h.ingest.pipeline.token_market) > 0
    assert int(status["messages"]) >= 300
    # Coalesced writes: the catalog's best prices are the live books'.
    docs = {d.id: d for d in (await h.ingest.catalog.read_all()).values()}
    for doc in docs.values():
        for outcome in doc.outcomes:
            bids, asks = h.expected.books[outcome.token_id]
            assert outcome.best_bid == (bids[0][0] if bids else None)
            assert outcome.best_ask == (asks[0][0] if asks else None)


async def test_forced_disconnect_reconnects_resyncs_from_rest_and_ends_correct(
    shared_data: Path, redis_client: aioredis.Redis, redis_url: str
) -> None:
    config = ScriptConfig(
        seed=5,
        messages=260,
        rate=800.0,
        arb_windows=0,
        disconnect_after=100,
        missed_after_disconnect=25,
        # No snapshots on the new connection: only REST can bring the books back.
        initial_books_on_reconnect=False,
    )
    async with running(shared_data, redis_client, redis_url, config) as h:
        await eventually(h.channel.finished.is_set, "the script to finish")
        await eventually(lambda: books_match(h.ingest, h.expected), "books to match the script")
        stats = h.ingest.stats
        tokens = len(h.ingest.pipeline.token_market)
        assert h.channel.disconnects == 1
        assert stats.reconnects >= 1
        # Every book was restored from REST after the reconnect.
        assert stats.resyncs >= tokens
        assert h.ingest.pipeline.books.pending == {}
        assert stats.connected


async def test_catalog_changes_subscribe_and_drop_tokens(
    shared_data: Path, redis_client: aioredis.Redis, redis_url: str
) -> None:
    config = ScriptConfig(seed=2, messages=40, rate=100.0, arb_windows=0)
    async with running(shared_data, redis_client, redis_url, config) as h:
        await eventually(lambda: h.ingest.stats.connected, "a connection")
        before = set(h.ingest.pipeline.token_market)
        catalog = await h.ingest.catalog.read_all()
        dropped_id, dropped = next(iter(catalog.items()))
        await redis_client.hdel(keys.CATALOG, dropped_id)
        gone = {o.token_id for o in dropped.outcomes}
        await eventually(
            lambda: set(h.ingest.pipeline.token_market) == before - gone, "tokens dropped"
        )
        assert not gone & set(h.ingest.pipeline.books.books)
        await redis_client.hset(keys.CATALOG, dropped_id, dropped.to_json())
        await eventually(
            lambda: all(h.ingest.pipeline.books.trusted(t) is not None for t in gone),
            "re-added tokens to get books again",
        )
