"""The replay server's market channel: `/ws/market`, speaking the CLOB websocket protocol.

Clients subscribe with `{"assets_ids": [...], "type": "market"}` and later
`{"assets_ids": [...], "operation": "subscribe" | "unsubscribe"}`; `PING` is answered `PONG`.
A subscription is answered with one JSON array of `book` snapshots of the new tokens. The first
subscription starts the scripted stream (`ws_script.MarketScenario`), shared by every client:
each frame is applied to the server's `BookStore` before it is sent, so REST `/book(s)` always
shows what the stream implies. Disconnects, malformed frames and held windows are played as for
every scripted channel (`ws_channel.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from dashboard_backend.replay.books import BookStore
from dashboard_backend.replay.dataset import market_tokens
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.replay.ws_channel import Client, ScriptedChannel
from dashboard_backend.replay.ws_script import (
    BinaryMarket,
    Frame,
    MarketScenario,
    ScriptConfig,
    Wire,
    book_message,
)


def live_config(seed: int = 0, rate: float = 20.0) -> ScriptConfig:
    """Continuous mode for `make demo`: a slow random walk with a window every ~20 s."""
    return ScriptConfig(
        seed=seed,
        messages=None,
        rate=rate,
        window_every=int(rate * 20),
        window_length=int(rate * 6),
    )


def binary_markets(state: ReplayState) -> list[BinaryMarket]:
    """The served markets with exactly two tokens the script may move, in dataset order."""
    out: list[BinaryMarket] = []
    for market in state.dataset.markets:
        tokens = market_tokens(market)
        if len(tokens) == 2 and str(market["id"]) not in state.unscripted:
            out.append(BinaryMarket(str(market["id"]), (tokens[0], tokens[1])))
    return out


def scenario_for(state: ReplayState, config: ScriptConfig) -> MarketScenario:
    """The scenario a channel over `state` plays (build it before the books move)."""
    books = {t: b for t in state.books if (b := state.books.get(t)) is not None}
    return MarketScenario(books, binary_markets(state), config)


def apply_message(store: BookStore, message: Wire) -> None:
    """Apply one scripted message to the server's books (the stream and REST stay in step)."""
    kind = message["event_type"]
    if kind == "price_change":
        items = message.get("price_changes") or [message]
        for item in items:
            store.set_level(item["asset_id"], item["side"], Decimal(item["price"]), item["size"])
    elif kind == "tick_size_change":
        store.set_tick_size(message["asset_id"], message["new_tick_size"])
    elif kind == "last_trade_price":
        store.set_last_trade_price(message["asset_id"], message["price"])
    elif kind == "book":
        store.replace_book(
            message["asset_id"],
            ((lv["price"], lv["size"]) for lv in message["bids"]),
            ((lv["price"], lv["size"]) for lv in message["asks"]),
        )


def _filter(messages: tuple[Wire, ...], tokens: set[str]) -> list[Wire]:
    """The parts of these messages about subscribed tokens."""
    out: list[Wire] = []
    for msg in messages:
        items = msg.get("price_changes")
        if items is not None:
            kept = [i for i in items if i["asset_id"] in tokens]
            if kept:
                out.append(msg if len(kept) == len(items) else {**msg, "price_changes": kept})
        elif msg.get("asset_id") in tokens:
            out.append(msg)
    return out


@dataclass(eq=False)
class _Client(Client):
    tokens: set[str] = field(default_factory=set)


class MarketChannel(ScriptedChannel[_Client]):
    """One scripted market channel over a replay state (see the module docstring)."""

    name = "ws"

    def __init__(self, state: ReplayState, config: ScriptConfig, hold_windows: bool = False):
        super().__init__(config, hold_windows)
        self.state = state
        self.config = config
        self.scenario = scenario_for(state, config)

    def routes(self) -> list[BaseRoute]:
        """The websocket route to add to the replay app."""
        return [WebSocketRoute("/ws/market", self.serve)]

    async def serve(self, websocket: WebSocket) -> None:
        """One client connection: subscriptions, PING/PONG, until it goes away."""
        await websocket.accept()
        client = _Client(websocket)
        self.clients.add(client)
        try:
            while True:
                text = await websocket.receive_text()
                if text == "PING":
                    await client.send("PONG")
                    continue
                await self._on_request(client, text)
        except WebSocketDisconnect:
            pass
        finally:
            self.clients.discard(client)

    async def _on_request(self, client: _Client, text: str) -> None:
        try:
            body: Any = json.loads(text)
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        ids = [t for t in body.get("assets_ids") or [] if isinstance(t, str)]
        operation = body.get("operation") or ("subscribe" if body.get("type") else None)
        if operation == "unsubscribe":
            client.tokens.difference_update(ids)
            self._refocus()
            return
        if operation != "subscribe":
            return
        new = [t for t in ids if t not in client.tokens]
        client.tokens.update(ids)
        self._refocus()
        send_books = (
            self.config.initial_books_on_reconnect
            if self.disconnects
            else self.config.initial_books
        )
        if send_books:
            frozen = self.state.frozen_tokens  # the venue never streams those
            books = [
                book_message(b)
                for t in new
                if t not in frozen and (b := self.state.books.get(t)) is not None
            ]
            if books:
                await client.send(json.dumps(books, separators=(",", ":")))
        self._started()

    def _refocus(self) -> None:
        """Continuous mode: play on what clients follow (finite scripts stay as scripted)."""
        if self.config.messages is None:
            self.scenario.focus(set().union(*(c.tokens for c in self.clients)))

    def _steps(self) -> Iterable[object]:
        return self.scenario.steps()

    async def _play(self, step: object) -> int:
        if not isinstance(step, Frame):
            return 0
        for message in step.messages:
            apply_message(self.state.books, message)
        await self._broadcast(step)
        return len(step.messages)

    async def _broadcast(self, frame: Frame) -> None:
        text = frame.text()
        for client in list(self.clients):
            kept = _filter(frame.messages, client.tokens)
            if not kept:
                continue
            if len(kept) != len(frame.messages) or any(
                a is not b for a, b in zip(kept, frame.messages, strict=False)
            ):
                body: object = kept if frame.as_array or len(kept) > 1 else kept[0]
                out = json.dumps(body, separators=(",", ":"))
            else:
                out = text
            if await client.send(out):
                self.frames_sent += 1
