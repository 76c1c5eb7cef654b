"""The replay market channel: the script's shapes and invariants, and the protocol on loopback."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.replay.ws import MarketChannel, scenario_for
from dashboard_backend.replay.ws_script import (
    Disconnect,
    Frame,
    Malformed,
    ScriptConfig,
    WindowEvent,
)
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.venues.polymarket.ws_messages import (
    BookMessage,
    FrameError,
    PriceChangeMessage,
    decode_frame,
)

GHOST = "ghost_alpha"


def _state(shared_data: Path) -> ReplayState:
    return ReplayState.from_directory(shared_data / GHOST, seed=3, limit=12)


def test_script_is_deterministic_and_uses_every_shape(shared_data: Path) -> None:
    config = ScriptConfig(
        seed=4, messages=400, arb_windows=2, malformed_at=(50, 60), disconnect_after=200
    )
    state = _state(shared_data)
    steps = list(scenario_for(state, config).steps())
    again = list(scenario_for(_state(shared_data), config).steps())
    assert [s.text() if isinstance(s, Frame) else s for s in steps] == [
        s.text() if isinstance(s, Frame) else s for s in again
    ]
    frames = [s for s in steps if isinstance(s, Frame)]
    assert sum(len(f.messages) for f in frames) == 400
    kinds = {m["event_type"] for f in frames for m in f.messages}
    assert kinds == {"price_change", "tick_size_change", "last_trade_price"}
    changes = [m for f in frames for m in f.messages if m["event_type"] == "price_change"]
    assert any("price_changes" in m for m in changes)
    assert any("price_changes" not in m for m in changes)  # the older flat form
    assert any(f.as_array for f in frames)
    assert sum(isinstance(s, Malformed) for s in steps) == 2
    assert sum(isinstance(s, Disconnect) for s in steps) == 1
    windows = [s for s in steps if isinstance(s, WindowEvent)]
    assert [w.opened for w in windows] == [True, False, True, False]
    for frame in frames:
        assert decode_frame(frame.text())  # every scripted frame decodes
    for step in steps:
        if isinstance(step, Malformed):
            try:
                decode_frame(step.text)
            except FrameError:
                continue
            raise AssertionError(f"malformed step decoded: {step.text}")


def test_books_never_cross_and_only_windows_hold_arbitrage(shared_data: Path) -> None:
    config = ScriptConfig(seed=9, messages=600, arb_windows=3)
    scenario = scenario_for(_state(shared_data), config)
    open_window: str | None = None
    free_at_start = {m.market_id for m in scenario.markets if scenario.arbitrage_free(m)}
    for step in scenario.steps():
        if isinstance(step, WindowEvent):
            open_window = step.market_id if step.opened else None
            continue
        for book in scenario.books.values():
            bid, ask = book.best_bid(), book.best_ask()
            assert bid is None or ask is None or bid < ask
        for market in scenario.markets:
            if market.market_id in free_at_start and market.market_id != open_window:
                assert scenario.arbitrage_free(market), market.market_id
        if open_window is not None:
            window = next(m for m in scenario.markets if m.market_id == open_window)
            yes, no = (scenario.books[t] for t in window.tokens)
            asks = yes.best_ask(), no.best_ask()
            assert None not in asks
            assert sum(a for a in asks if a is not None) == Decimal(1) - config.window_edge


async def test_channel_answers_ping_sends_books_streams_and_rest_follows(
    shared_data: Path,
) -> None:
    state = _state(shared_data)
    config = ScriptConfig(seed=1, messages=60, rate=400.0, arb_windows=0, start_delay_sec=0.3)
    channel = MarketChannel(state, config)
    tokens = sorted(state.books)
    half = len(tokens) // 2
    with serve_in_thread(create_app(state, channel.routes())) as url:
        ws_url = url.replace("http://", "ws://") + "/ws/market"
        async with connect(ws_url) as ws:
            await ws.send("PING")
            assert await ws.recv() == "PONG"
            await ws.send(json.dumps({"assets_ids": tokens[:half], "type": "market"}))
            snapshot = decode_frame(await ws.recv())
            assert sorted(m.asset_id for m in snapshot if isinstance(m, BookMessage)) == sorted(
                tokens[:half]
            )
            await ws.send(json.dumps({"assets_ids": tokens[half:], "operation": "subscribe"}))
            await ws.send(json.dumps({"assets_ids": tokens[:1], "operation": "unsubscribe"}))
            seen: set[str] = set()
            while True:
                try:
                    text = await asyncio.wait_for(ws.recv(), 1.0)
                except TimeoutError:
                    if channel.finished.is_set():
                        break
                    continue
                for msg in decode_frame(text):
                    if isinstance(msg, PriceChangeMessage):
                        seen.update(c.asset_id for c in msg.price_changes)
                    elif not isinstance(msg, BookMessage):
                        seen.add(msg.asset_id)
        # Only subscribed tokens are streamed; REST serves the books the stream implies.
        assert seen
        assert seen <= set(tokens[1:])
        async with httpx.AsyncClient(base_url=url) as http:
            body = (await http.post("/books", json=[{"token_id": t} for t in tokens])).json()
    expected = scenario_for(_state(shared_data), config)
    for _ in expected.steps():
        pass
    for raw in body:
        book = expected.books[raw["asset_id"]]
        assert {Decimal(lv["price"]): Decimal(lv["size"]) for lv in raw["bids"]} == book.bids
        assert {Decimal(lv["price"]): Decimal(lv["size"]) for lv in raw["asks"]} == book.asks
