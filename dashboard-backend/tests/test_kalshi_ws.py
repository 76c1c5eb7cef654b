"""Kalshi's websocket end to end: the stand-in's signed `/trade-api/ws/v2` on loopback, real Redis.

The stand-in checks the handshake against a key pair generated here (never stored), streams
snapshots and increments with `seq` per subscription from a seeded script (with a lost message,
corrupt frames and a disconnect), and applies every change to the books its REST serves. The
expected books are computed here, independently, by replaying the script's deltas on plain dicts.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.kalshi import KalshiState, kalshi_routes
from dashboard_backend.replay.kalshi_data import KalshiDataset, load_kalshi
from dashboard_backend.replay.kalshi_script import (
    Delta,
    KalshiScenario,
    KalshiScriptConfig,
    exclusive_events,
)
from dashboard_backend.replay.kalshi_ws import KalshiChannel
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.replay.ws_script import WindowEvent
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.settings import Settings
from dashboard_backend.status import read_status
from dashboard_backend.venues.kalshi import KalshiFeed, live_feed
from dashboard_backend.venues.kalshi.auth import signed_headers, write_test_key_pair
from dashboard_backend.venues.kalshi.parse import market_id, token_id
from dashboard_backend.venues.registry import create_venue
from dashboard_backend.workers.poller import CatalogPoller
from dashboard_backend.workers.ws_ingest import WsIngest
from tests.support_ingest import fast_config, ingesting
from tests.support_redis import OpsUpdates
from tests.support_wait import eventually

KEY_ID = "test-key-id-5f1c"
EVENTS = 6  # game events (two markets each) the ingest follows
Levels = tuple[list[tuple[float, float]], list[tuple[float, float]]]


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    key: rsa.RSAPrivateKey


@pytest.fixture(scope="module")
def test_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    folder = tmp_path_factory.mktemp("kalshi-key")
    private, public = folder / "test-only.pem", folder / "test-only.pub.pem"
    return KeyPair(private, public, write_test_key_pair(private, public))


@pytest.fixture(scope="module")
def dataset(shared_data: Path) -> KalshiDataset:
    # No planted arbitrage: every followed event is free of it until the script opens a window.
    return load_kalshi(shared_data, seed=4, arb_every=0)


def followed_tickers(data: KalshiDataset) -> list[str]:
    events = exclusive_events(data.events)
    return sorted(t for e in sorted(events)[:EVENTS] for t in events[e])


def expected_books(
    data: KalshiDataset, config: KalshiScriptConfig
) -> tuple[dict[str, Levels], list[WindowEvent], int, int]:
    """Token -> (bids, asks) after the whole script, its windows, lost and corrupt deltas."""
    tickers = followed_tickers(data)
    sides = {
        t: (
            {float(p): float(s) for p, s in b.yes.items()},
            {float(p): float(s) for p, s in b.no.items()},
        )
        for t, b in data.books.items()
        if t in tickers
    }
    windows: list[WindowEvent] = []
    lost = corrupt = 0
    for step in KalshiScenario(data.books, data.events, config, tickers).steps():
        if isinstance(step, WindowEvent):
            windows.append(step)
        elif isinstance(step, Delta):
            yes, no = sides[step.ticker]
            bids = yes if step.side == "yes" else no
            price = float(step.price)
            size = round(bids.get(price, 0.0) + float(step.delta), 8)
            if size > 0:
                bids[price] = size
            else:
                bids.pop(price, None)
            lost += step.lost
            corrupt += step.corrupt
    out: dict[str, Levels] = {}
    for ticker, (yes, no) in sides.items():
        for name, own, other in (("yes", yes, no), ("no", no, yes)):
            asks = sorted((round(1.0 - p, 4), s) for p, s in other.items())
            out[token_id(ticker, name)] = (sorted(own.items(), reverse=True), asks)
    return out, windows, lost, corrupt


@dataclass
class Harness:
    channel: KalshiChannel
    ingest: WsIngest
    url: str


def kalshi_settings(url: str, redis_url: str, key: KeyPair) -> Settings:
    return Settings.model_validate(
        {
            "redis_url": redis_url,
            "kalshi_url": f"{url}/trade-api/v2",
            "kalshi_ws_url": url.replace("http://", "ws://") + "/trade-api/ws/v2",
            "kalshi_api_key_id": KEY_ID,
            "kalshi_private_key_path": str(key.private_path),
            "kalshi_rate_limit": 200.0,
            "pm_backoff_base_sec": 0.01,
            "pm_backoff_max_sec": 0.05,
            "pm_http_timeout_sec": 5.0,
        }
    )


@asynccontextmanager
async def running(
    shared_data: Path,
    data: KalshiDataset,
    redis: aioredis.Redis,
    redis_url: str,
    key: KeyPair,
    config: KalshiScriptConfig,
    public_key: rsa.RSAPublicKey | None = None,
    watched: bool = True,
) -> AsyncIterator[Harness]:
    """Stand-in (Kalshi REST + websocket), one Kalshi poll, the followed markets, the ingest."""
    state = ReplayState.from_directory(shared_data / "ghost_alpha", seed=3, limit=2)
    kalshi = KalshiState(load_kalshi(shared_data, seed=4, arb_every=0))
    tickers = followed_tickers(data)
    channel = KalshiChannel(
        kalshi, config, public_key or key.key.public_key(), hold_windows=True, tickers=tickers
    )
    routes = [*kalshi_routes(kalshi), *channel.routes()]
    with serve_in_thread(create_app(state, routes)) as url:
        settings = kalshi_settings(url, redis_url, key)
        feed = live_feed(settings)
        assert isinstance(feed, KalshiFeed)
        async with httpx.AsyncClient(timeout=5.0) as http:
            venue = create_venue("kalshi", settings, http)
            await CatalogPoller(settings, redis, venue).poll_once()
            # The markets that matter, as the poller would choose them in a live catalog.
            watch = [market_id(t) for t in tickers] if watched else []
            await CatalogStore(redis).set_watch("kalshi", watch)
            ingest = WsIngest.from_settings(settings, redis, venue, feed)
            ingest.config = fast_config(watch_only=True, resync_retry_sec=0.3)
            ingest.rng = random.Random(2)
            async with ingesting(ingest):
                yield Harness(channel, ingest, url)


def books_match(ingest: WsIngest, expected: dict[str, Levels]) -> bool:
    pipeline = ingest.pipeline
    if set(pipeline.token_market) != set(expected):
        return False
    for token, levels in expected.items():
        book = pipeline.books.trusted(token)
        if book is None or book.levels() != levels:
            return False
    return True


async def test_stream_with_a_lost_message_corrupt_frames_and_a_disconnect_ends_exact(
    shared_data: Path,
    dataset: KalshiDataset,
    redis_client: aioredis.Redis,
    redis_url: str,
    test_key: KeyPair,
    caplog: pytest.LogCaptureFixture,
    http: httpx.AsyncClient,
) -> None:
    config = KalshiScriptConfig(
        seed=7,
        messages=400,
        rate=500.0,
        start_delay_sec=0.2,
        lost_at=(60, 250),
        corrupt_at=(120, 121),
        disconnect_after=300,
        missed_after_disconnect=15,
    )
    expected, windows, lost, corrupt = expected_books(dataset, config)
    assert [w.opened for w in windows] == [True, False]
    assert (lost, corrupt) == (2, 2)
    window_id = f"event_buy_all:{market_id(windows[0].market_id)}"
    updates = await OpsUpdates.subscribe(redis_client)

    def seen(action: str) -> bool:
        return action in updates.actions(window_id)

    caplog.set_level(logging.DEBUG)
    async with running(shared_data, dataset, redis_client, redis_url, test_key, config) as h:
        # The script holds after opening the window until the ingest has published it.
        await updates.until(lambda: seen("appeared"), "the window to appear", wait=30)
        h.channel.release_window()
        await eventually(h.channel.finished.is_set, "the script to finish", wait=30)
        await eventually(lambda: books_match(h.ingest, expected), "books to match", wait=30)
        await updates.until(lambda: seen("disappeared"), "the window to disappear", wait=30)
        await asyncio.sleep(0.3)  # a status write after the last frame
        stats = h.ingest.stats
        assert h.channel.disconnects == 1
        assert h.channel.accepted >= 2  # reconnected after the scripted disconnect
        assert stats.reconnects >= 1
        assert stats.gaps >= 2  # each lost message, and the corrupt frames' skipped seqs
        assert stats.malformed == corrupt
        assert stats.resubscribed > 0
        assert h.ingest.pipeline.books.pending == {}
        status = await read_status(redis_client, keys.status_ws("kalshi"))
        assert status["connected"] == "true"
        assert int(status["gaps"]) == stats.gaps
        assert int(status["subscribedTokens"]) == 2 * len(followed_tickers(dataset))
        health = (await http.get("/healthz")).json()["venues"]
        assert health["kalshi"]["wsConnected"] is True
        assert health["kalshi"]["ws"]["gaps"] == status["gaps"]
        assert health["polymarket"]["wsConnected"] is False
    await updates.close()
    assert updates.actions(window_id) == ["appeared", "disappeared"]
    appeared = updates.first(window_id)["opportunity"]
    assert appeared["venue"] == "kalshi"
    assert appeared["edge"] > 0
    assert not await redis_client.hexists(keys.OPS_SNAPSHOT, window_id)
    # The catalog's best prices are the live books' (coalesced writes).
    docs = await CatalogStore(redis_client).get_many(
        market_id(t) for t in followed_tickers(dataset)
    )
    for doc in docs.values():
        for outcome in doc.outcomes:
            bids, asks = expected[outcome.token_id]
            assert outcome.best_bid == (bids[0][0] if bids else None)
            assert outcome.best_ask == (asks[0][0] if asks else None)
    # Neither the key id nor any of the private key's material reached a log line.
    secret = test_key.private_path.read_text().splitlines()[1:-1]
    assert caplog.records, "the run logged nothing at all"
    assert KEY_ID not in caplog.text
    assert not any(line in caplog.text for line in secret)


async def test_a_wrong_key_is_refused_and_the_right_one_accepted(
    shared_data: Path,
    dataset: KalshiDataset,
    redis_client: aioredis.Redis,
    redis_url: str,
    test_key: KeyPair,
    tmp_path: Path,
) -> None:
    other = write_test_key_pair(tmp_path / "other.pem", tmp_path / "other.pub.pem")
    config = KalshiScriptConfig(seed=1, messages=20, rate=100.0, arb_windows=0)
    # The stand-in expects another key than the ingest signs with: every handshake is refused.
    async with running(
        shared_data, dataset, redis_client, redis_url, test_key, config, other.public_key()
    ) as h:
        await eventually(lambda: h.channel.refused >= 2, "handshakes to be refused")
        assert h.channel.accepted == 0
        assert not h.ingest.stats.connected
        ws_url = h.url.replace("http://", "ws://") + "/trade-api/ws/v2"
        with pytest.raises(InvalidStatus) as refused:
            async with connect(ws_url):
                pass
        assert refused.value.response.status_code == 403
        signed = signed_headers(KEY_ID, other)
        async with connect(ws_url, additional_headers=signed) as ws:
            subscribe = {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["orderbook_delta"], "market_tickers": ["NOPE", "X"]},
            }
            await ws.send(json.dumps(subscribe))
            reply = json.loads(await ws.recv())
            assert reply == {
                "id": 1,
                "type": "subscribed",
                "msg": {"channel": "orderbook_delta", "sid": 1},
            }
            await ws.send(json.dumps({"id": 2, "cmd": "nope", "params": {}}))
            error = json.loads(await ws.recv())
            assert error["type"] == "error"
            assert error["msg"]["code"] == 5
        assert h.channel.accepted == 1
        # A stale signature is refused too.
        stale = signed_headers(KEY_ID, other, timestamp_ms=1_000_000_000_000)
        with pytest.raises(InvalidStatus):
            async with connect(ws_url, additional_headers=stale):
                pass


async def test_snapshot_then_deltas_numbered_per_subscription_match_rest(
    shared_data: Path, dataset: KalshiDataset, test_key: KeyPair
) -> None:
    state = ReplayState.from_directory(shared_data / "ghost_alpha", seed=3, limit=2)
    kalshi = KalshiState(load_kalshi(shared_data, seed=4, arb_every=0))
    tickers = followed_tickers(dataset)[:4]
    config = KalshiScriptConfig(
        seed=3, messages=80, rate=400.0, arb_windows=0, lost_at=(30,), start_delay_sec=0.3
    )
    channel = KalshiChannel(kalshi, config, test_key.key.public_key(), tickers=tickers)
    with serve_in_thread(create_app(state, [*kalshi_routes(kalshi), *channel.routes()])) as url:
        ws_url = url.replace("http://", "ws://") + "/trade-api/ws/v2"
        headers = signed_headers(KEY_ID, test_key.key)
        frames: list[dict[str, Any]] = []
        async with connect(ws_url, additional_headers=headers) as ws:
            for command_id, chunk in ((1, tickers[:2]), (2, tickers[2:])):
                params = {"channels": ["orderbook_delta"], "market_tickers": chunk}
                await ws.send(json.dumps({"id": command_id, "cmd": "subscribe", "params": params}))
            while True:
                try:
                    frames.append(json.loads(await asyncio.wait_for(ws.recv(), 1.0)))
                except TimeoutError:
                    if channel.finished.is_set():
                        break
        async with httpx.AsyncClient(base_url=f"{url}/trade-api/v2") as http:
            rest = {t: (await http.get(f"/markets/{t}/orderbook")).json() for t in tickers}
    subscribed = {f["id"]: f["msg"]["sid"] for f in frames if f["type"] == "subscribed"}
    assert subscribed == {1: 1, 2: 2}
    by_sid: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for frame in frames:
        if frame["type"] in ("orderbook_snapshot", "orderbook_delta"):
            by_sid[frame["sid"]].append(frame)
    for sid, chunk in ((1, tickers[:2]), (2, tickers[2:])):
        stream = by_sid[sid]
        assert [f["msg"]["market_ticker"] for f in stream[:2]] == chunk  # snapshots first
        assert {f["type"] for f in stream[:2]} == {"orderbook_snapshot"}
        seqs = [f["seq"] for f in stream]
        assert seqs[:2] == [1, 2]
        assert all(b > a for a, b in itertools.pairwise(seqs))
    # Exactly one message was lost: one subscription skips one seq, the other none.
    skipped = sum(
        b["seq"] - a["seq"] - 1 for s in by_sid.values() for a, b in itertools.pairwise(s)
    )
    assert skipped == 1
    # Snapshot + every received delta, with the lost one where its seq is missing, = REST now.
    scenario = KalshiScenario(dataset.books, dataset.events, config, tickers)
    lost_step = next(s for s in scenario.steps() if isinstance(s, Delta) and s.lost)
    books: dict[str, dict[str, dict[Decimal, Decimal]]] = {}

    def add(ticker: str, side: str, price: Decimal, delta: Decimal) -> None:
        levels = books[ticker][side]
        levels[price] = levels.get(price, Decimal(0)) + delta
        if levels[price] <= 0:
            del levels[price]

    last_seq: dict[int, int] = {}
    for frame in frames:
        msg = frame.get("msg") or {}
        if frame["type"] == "orderbook_snapshot":
            books[msg["market_ticker"]] = {
                side: {Decimal(p): Decimal(s) for p, s in msg[f"{side}_dollars_fp"]}
                for side in ("yes", "no")
            }
        elif frame["type"] == "orderbook_delta":
            if frame["seq"] != last_seq[frame["sid"]] + 1:
                add(lost_step.ticker, lost_step.side, lost_step.price, lost_step.delta)
            add(
                msg["market_ticker"],
                msg["side"],
                Decimal(msg["price_dollars"]),
                Decimal(msg["delta_fp"]),
            )
        if "seq" in frame:
            last_seq[frame["sid"]] = frame["seq"]
    for ticker in tickers:
        served = rest[ticker]["orderbook_fp"]
        for side in ("yes", "no"):
            assert {Decimal(p): Decimal(s) for p, s in served[f"{side}_dollars"]} == books[ticker][
                side
            ], (ticker, side)


async def test_the_ingest_follows_the_watched_markets_as_they_change(
    shared_data: Path,
    dataset: KalshiDataset,
    redis_client: aioredis.Redis,
    redis_url: str,
    test_key: KeyPair,
) -> None:
    config = KalshiScriptConfig(seed=4, messages=150, rate=200.0, arb_windows=0)
    async with running(
        shared_data, dataset, redis_client, redis_url, test_key, config, watched=False
    ) as h:
        # Nothing watched yet: connected and idle, not a feed that keeps failing.
        async def idle() -> bool:
            status = await read_status(redis_client, keys.status_ws("kalshi"))
            return status.get("connected") == "true" and status.get("subscribedTokens") == "0"

        await eventually(idle, "an idle connection reported")
        tickers = followed_tickers(dataset)
        await CatalogStore(redis_client).set_watch("kalshi", [market_id(t) for t in tickers[:4]])
        tokens = {token_id(t, side) for t in tickers[:4] for side in ("yes", "no")}
        books = h.ingest.pipeline.books
        await eventually(
            lambda: (
                set(h.ingest.pipeline.token_market) == tokens
                and all(books.trusted(t) is not None for t in tokens)
            ),
            "the newly watched markets' snapshots",
        )
        # A market no longer watched is dropped (and unsubscribed).
        await CatalogStore(redis_client).set_watch("kalshi", [market_id(t) for t in tickers[:2]])
        await eventually(
            lambda: len(h.ingest.pipeline.token_market) == 4, "two markets to be dropped"
        )
        assert h.ingest.stats.connected
        assert h.ingest.stats.reconnects == 0
