"""The replay server's Kalshi websocket: `/trade-api/ws/v2`, speaking the trade API's protocol.

The handshake must carry `KALSHI-ACCESS-KEY`, `KALSHI-ACCESS-TIMESTAMP` and a valid
`KALSHI-ACCESS-SIGNATURE` (RSA-PSS over `{timestamp}GET/trade-api/ws/v2`, checked against the
public half of a test key pair the stand-in is given); anything else is refused before the
upgrade (HTTP 403), as is every connection when the stand-in has no key. Commands (JSON, with a
client `id`):

    subscribe            {"channels": ["orderbook_delta"], "market_ticker(s)": ...} -> `subscribed`
                         {sid}, then an `orderbook_snapshot` of each market (already subscribed
                         markets are skipped; all of them: error 6)
    update_subscription  {"sid" | "sids": [sid], "market_tickers", "action": "add_markets" |
                         "delete_markets"} -> snapshots of added markets, then `ok`
    unsubscribe          {"sids": [...]} -> `unsubscribed` per sid
    anything else        `error` {code, msg} with Kalshi's codes (1 unreadable, 2 no params,
                         3 no channels, 4 no sids, 5 unknown command, 7 unknown sid, 8 unknown
                         channel, 13 unsupported action)

Every subscription numbers its messages `seq` 1, 2, ... The script (`kalshi_script.py`) starts at
the first subscription, shared by every client; each `Delta` is applied to the served books first
(so REST `/orderbook` shows what the stream implies) and then sent as an `orderbook_delta` to
every subscription holding the market, with that subscription's next `seq` — except a lost one
(the `seq` is used, nothing is sent) and a corrupt one (the `seq` is used, an unreadable frame is
sent). Disconnects and held windows are played as for every scripted channel (`ws_channel.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from dashboard_backend.replay.kalshi import KalshiState
from dashboard_backend.replay.kalshi_data import KalshiBook
from dashboard_backend.replay.kalshi_script import Delta, KalshiScenario, KalshiScriptConfig
from dashboard_backend.replay.ws_channel import Client, ScriptedChannel
from dashboard_backend.venues.kalshi.auth import WS_PATH, verify_headers

log = logging.getLogger(__name__)

CHANNEL = "orderbook_delta"


def live_config(seed: int = 0, rate: float = 5.0) -> KalshiScriptConfig:
    """Continuous mode for `make demo`: a slow walk, a window every ~80 s (when an event that
    can hold one is followed) and a lost message every ~minute (the client resubscribes)."""
    return KalshiScriptConfig(
        seed=seed,
        messages=None,
        rate=rate,
        window_every=int(rate * 80),
        window_length=int(rate * 20),
        lost_every=int(rate * 60),
    )


@dataclass
class _Subscription:
    sid: int
    tickers: set[str]
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


@dataclass(eq=False)
class _Client(Client):
    subscriptions: dict[int, _Subscription] = field(default_factory=dict)
    next_sid: int = 1

    def tickers(self) -> set[str]:
        return set().union(*(s.tickers for s in self.subscriptions.values()))

    async def send_all(self, texts: Iterable[str]) -> None:
        """Send frames back to back: nothing another task sends lands in between."""
        async with self.lock:
            for text in texts:
                try:
                    await self.websocket.send_text(text)
                except (WebSocketDisconnect, RuntimeError, OSError):
                    return


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def _levels(bids: dict[Decimal, Decimal]) -> list[list[str]]:
    return [[f"{p:.4f}", f"{s:.2f}"] for p, s in sorted(bids.items())]


def _market_id(ticker: str) -> str:
    digest = hashlib.sha256(ticker.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


class KalshiChannel(ScriptedChannel[_Client]):
    """One scripted Kalshi websocket over the served Kalshi books (see the module docstring)."""

    name = "kalshi ws"

    def __init__(
        self,
        state: KalshiState,
        config: KalshiScriptConfig,
        public_key: rsa.RSAPublicKey | None,
        hold_windows: bool = False,
        tickers: Iterable[str] | None = None,
    ):
        super().__init__(config, hold_windows)
        self.state = state
        self.config = config
        self.public_key = public_key
        self.scenario = KalshiScenario(state.data.books, state.data.events, config, tickers)
        self.accepted = 0
        self.refused = 0
        self.lost = 0  # messages whose seq was used but never sent
        self.corrupted = 0

    def restrict(self, tickers: Iterable[str]) -> None:
        """Play on these markets only (before the script starts; tests follow a few markets)."""
        self.scenario = KalshiScenario(
            self.state.data.books, self.state.data.events, self.config, tickers
        )

    def routes(self) -> list[BaseRoute]:
        """The websocket route to add to the replay app."""
        return [WebSocketRoute(WS_PATH, self.serve)]

    async def serve(self, websocket: WebSocket) -> None:
        """One connection: the signed handshake, then commands until it goes away."""
        headers = dict(websocket.headers)
        if self.public_key is None or not verify_headers(headers, self.public_key):
            self.refused += 1
            log.info("kalshi ws: handshake refused (missing or invalid signature)")
            await websocket.close(code=1008)  # before accept: the upgrade answers 403
            return
        self.accepted += 1
        await websocket.accept()
        client = _Client(websocket)
        self.clients.add(client)
        try:
            while True:
                await self._on_command(client, await websocket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            self.clients.discard(client)
            self._refocus()

    # --- commands ------------------------------------------------------------------------------

    async def _on_command(self, client: _Client, text: str) -> None:
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            await client.send(_error(None, 1, "Unable to process message"))
            return
        command_id = body.get("id")
        params = body.get("params")
        cmd = body.get("cmd")
        if cmd not in ("subscribe", "update_subscription", "unsubscribe"):
            await client.send(_error(command_id, 5, "Unknown command"))
            return
        if not isinstance(params, dict):
            await client.send(_error(command_id, 2, "Params required"))
            return
        if cmd == "subscribe":
            await self._subscribe(client, command_id, params)
        elif cmd == "update_subscription":
            await self._update(client, command_id, params)
        else:
            await self._unsubscribe(client, command_id, params)
        self._refocus()

    async def _subscribe(self, client: _Client, command_id: Any, params: dict[str, Any]) -> None:
        channels = params.get("channels")
        if not isinstance(channels, list) or not channels:
            await client.send(_error(command_id, 3, "Channels required"))
            return
        if any(c != CHANNEL for c in channels):
            await client.send(_error(command_id, 8, "Unknown channel name"))
            return
        held = client.tickers()
        tickers = [t for t in _tickers(params) if t not in held]
        if not tickers:
            await client.send(_error(command_id, 6, "Already subscribed"))
            return
        sid = client.next_sid
        client.next_sid += 1
        subscription = _Subscription(sid, set())
        client.subscriptions[sid] = subscription
        reply = {"id": command_id, "type": "subscribed", "msg": {"channel": CHANNEL, "sid": sid}}
        await client.send_all([_dump(reply), *self._snapshots(subscription, tickers)])
        self._started()

    async def _update(self, client: _Client, command_id: Any, params: dict[str, Any]) -> None:
        sids = params.get("sids")
        sid = params.get("sid", sids[0] if isinstance(sids, list) and sids else None)
        subscription = client.subscriptions.get(sid) if isinstance(sid, int) else None
        if subscription is None:
            await client.send(_error(command_id, 7, "Unknown subscription ID"))
            return
        action = params.get("action")
        tickers = _tickers(params)
        frames: list[str] = []
        if action == "add_markets":
            held = client.tickers()
            frames = self._snapshots(subscription, [t for t in tickers if t not in held])
        elif action == "delete_markets":
            subscription.tickers.difference_update(tickers)
        else:
            await client.send(_error(command_id, 13, "Unsupported action"))
            return
        ok = {"id": command_id, "sid": subscription.sid, "seq": subscription.seq, "type": "ok"}
        await client.send_all([*frames, _dump({**ok, "msg": {"market_tickers": tickers}})])

    async def _unsubscribe(self, client: _Client, command_id: Any, params: dict[str, Any]) -> None:
        sids = params.get("sids")
        if not isinstance(sids, list) or not sids:
            await client.send(_error(command_id, 4, "Subscription IDs required"))
            return
        for sid in sids:
            if client.subscriptions.pop(sid, None) is None:
                await client.send(_error(command_id, 7, "Unknown subscription ID"))
            else:
                await client.send(_dump({"id": command_id, "sid": sid, "type": "unsubscribed"}))

    def _snapshots(self, subscription: _Subscription, tickers: Iterable[str]) -> list[str]:
        """Snapshot frames of these markets on a subscription (which now holds them)."""
        frames: list[str] = []
        with self.state.lock:
            for ticker in tickers:
                book = self.state.book(ticker)
                if book is None:
                    continue  # not a served market: nothing to stream
                subscription.tickers.add(ticker)
                frames.append(
                    snapshot_message(ticker, book, subscription.sid, subscription.next_seq())
                )
        return frames

    def _refocus(self) -> None:
        """Continuous mode: play on what clients follow (finite scripts stay as scripted)."""
        if self.config.messages is None:
            self.scenario.focus(set().union(*(c.tickers() for c in self.clients)))

    # --- the script ----------------------------------------------------------------------------

    def _steps(self) -> Iterable[object]:
        return self.scenario.steps()

    async def _play(self, step: object) -> int:
        if not isinstance(step, Delta):
            return 0
        with self.state.lock:
            book = self.state.book(step.ticker)
            if book is not None:
                bids = book.yes if step.side == "yes" else book.no
                size = bids.get(step.price, Decimal(0)) + step.delta
                if size > 0:
                    bids[step.price] = size
                else:
                    bids.pop(step.price, None)
        self.lost += step.lost
        self.corrupted += step.corrupt
        for client in list(self.clients):
            for subscription in list(client.subscriptions.values()):
                if step.ticker not in subscription.tickers:
                    continue
                seq = subscription.next_seq()
                if step.lost:
                    continue
                text = _corrupt(step, subscription.sid, seq) if step.corrupt else None
                if await client.send(text or delta_message(step, subscription.sid, seq)):
                    self.frames_sent += 1
        return 1


def _tickers(params: dict[str, Any]) -> list[str]:
    many = params.get("market_tickers")
    one = params.get("market_ticker")
    found = [t for t in many if isinstance(t, str)] if isinstance(many, list) else []
    if isinstance(one, str):
        found.append(one)
    return list(dict.fromkeys(found))


def _error(command_id: Any, code: int, message: str) -> str:
    return _dump({"id": command_id, "type": "error", "msg": {"code": code, "msg": message}})


def _delta_msg(step: Delta) -> dict[str, Any]:
    return {
        "market_ticker": step.ticker,
        "market_id": _market_id(step.ticker),
        "price_dollars": f"{step.price:.4f}",
        "delta_fp": f"{step.delta:.2f}",
        "side": step.side,
        "ts": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }


def delta_message(step: Delta, sid: int, seq: int) -> str:
    """A delta as the `orderbook_delta` message number `seq` of subscription `sid`."""
    return _dump({"type": "orderbook_delta", "sid": sid, "seq": seq, "msg": _delta_msg(step)})


def snapshot_message(ticker: str, book: KalshiBook, sid: int, seq: int) -> str:
    """A market's book as the `orderbook_snapshot` message number `seq` of subscription `sid`."""
    msg = {
        "market_ticker": ticker,
        "market_id": _market_id(ticker),
        "yes_dollars_fp": _levels(book.yes),
        "no_dollars_fp": _levels(book.no),
    }
    return _dump({"type": "orderbook_snapshot", "sid": sid, "seq": seq, "msg": msg})


def _corrupt(step: Delta, sid: int, seq: int) -> str:
    """The delta's message, unreadable: an unparsable price, or cut short (alternately)."""
    if seq % 2:
        msg = {**_delta_msg(step), "price_dollars": "not-a-price"}
        return _dump({"type": "orderbook_delta", "sid": sid, "seq": seq, "msg": msg})
    return delta_message(step, sid, seq)[:40]
