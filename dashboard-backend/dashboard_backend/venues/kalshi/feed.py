"""Kalshi's live feed: `orderbook_delta` on the trade API websocket (a LiveFeed).

The handshake carries the signed API-key headers (`auth.py`; a fresh signature per connection).
Commands are JSON with an `id` counted per connection:

    {"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"],
                                             "market_tickers": [...]}}
        -> {"id": 1, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 7}},
           then per market an `orderbook_snapshot` and its `orderbook_delta`s, `seq` 1, 2, ...
    {"id": 2, "cmd": "update_subscription",
     "params": {"sid": 7, "market_tickers": [...], "action": "delete_markets"}}
    {"id": 3, "cmd": "unsubscribe", "params": {"sids": [7]}}

Deltas are increments, so a distrusted book (a `seq` gap on its subscription, a level taken below
zero) is restored by the stream itself: its markets leave their subscription and are subscribed
again, and the new subscription starts with fresh snapshots. A REST book could not be lined up
with the increments (it carries no `seq`). Keep-alive is the websocket's own ping frames (Kalshi
pings every 10 s; the client library answers and pings too).

The API key id and private key are never logged: the feed's repr leaves them out, and the
websocket library's handshake logging is kept off (see `workers/ws_ingest.py`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from cryptography.hazmat.primitives.asymmetric import rsa

from dashboard_backend.book_events import BookEvent
from dashboard_backend.errors import ParseError
from dashboard_backend.venues.kalshi.auth import WS_PATH, signed_headers
from dashboard_backend.venues.kalshi.parse import ticker_of
from dashboard_backend.venues.kalshi.ws_messages import (
    ErrorMessage,
    SubscribedMessage,
    book_events,
    decode_frame,
)

log = logging.getLogger(__name__)

CHANNEL = "orderbook_delta"


class KalshiSession:
    """One connection's subscriptions (a FeedSession): which `sid` streams which markets."""

    def __init__(self, connection: int, chunk: int = 500):
        self.connection = connection
        self.chunk = max(1, chunk)
        self._next_id = 1
        self._awaiting: dict[int, list[str]] = {}  # command id -> tickers awaiting their sid
        self._waiting_on: dict[str, int] = {}  # ticker -> that command id
        self._sids: dict[int, set[str]] = {}  # sid -> tickers it streams
        self._sid_of: dict[str, int] = {}  # ticker -> sid

    # --- commands ------------------------------------------------------------------------------

    def subscribe(self, tokens: Sequence[str]) -> list[str]:
        """`subscribe` commands for the markets of these tokens not yet subscribed."""
        tickers = [
            t for t in _tickers(tokens) if t not in self._sid_of and t not in self._waiting_on
        ]
        return self._subscribe(tickers)

    def unsubscribe(self, tokens: Sequence[str]) -> list[str]:
        """Commands dropping the markets of these tokens from their subscriptions."""
        tickers = _tickers(tokens)
        for ticker in tickers:
            command = self._waiting_on.pop(ticker, None)
            if command is not None:
                self._awaiting[command].remove(ticker)
        return self._leave(tickers)

    def resubscribe(self, tokens: Sequence[str]) -> list[str]:
        """Leave and subscribe again the markets of these tokens: fresh in-stream snapshots.

        Markets whose subscription is still unanswered are left alone (their snapshot is coming).
        """
        tickers = [t for t in _tickers(tokens) if t not in self._waiting_on]
        return self._leave(tickers) + self._subscribe(tickers)

    def _subscribe(self, tickers: list[str]) -> list[str]:
        out: list[str] = []
        for start in range(0, len(tickers), self.chunk):
            chunk = tickers[start : start + self.chunk]
            command = self._command("subscribe", {"channels": [CHANNEL], "market_tickers": chunk})
            out.append(command[1])
            self._awaiting[command[0]] = list(chunk)
            self._waiting_on.update(dict.fromkeys(chunk, command[0]))
        return out

    def _leave(self, tickers: Iterable[str]) -> list[str]:
        """Take these markets out of their subscriptions (a subscription left empty is ended)."""
        by_sid: dict[int, list[str]] = {}
        for ticker in tickers:
            sid = self._sid_of.pop(ticker, None)
            if sid is not None:
                by_sid.setdefault(sid, []).append(ticker)
        out: list[str] = []
        for sid, leaving in sorted(by_sid.items()):
            held = self._sids[sid]
            held.difference_update(leaving)
            if held:
                params = {"sid": sid, "market_tickers": sorted(leaving), "action": "delete_markets"}
                out.append(self._command("update_subscription", params)[1])
            else:
                del self._sids[sid]
                out.append(self._command("unsubscribe", {"sids": [sid]})[1])
        return out

    def _command(self, cmd: str, params: dict[str, Any]) -> tuple[int, str]:
        command = self._next_id
        self._next_id += 1
        return command, json.dumps({"id": command, "cmd": cmd, "params": params})

    # --- frames --------------------------------------------------------------------------------

    def decode(self, frame: str | bytes) -> list[BookEvent]:
        """Book messages as events (the stream is this connection's `sid`); replies update the
        subscriptions; FrameError for a malformed frame."""
        message = decode_frame(frame)
        if message is None:
            return []
        if isinstance(message, SubscribedMessage):
            self._subscribed(message)
            return []
        if isinstance(message, ErrorMessage):
            self._refused(message)
            return []
        sid = getattr(message, "sid", None)
        return book_events(message, f"{self.connection}:{sid}")

    def _subscribed(self, message: SubscribedMessage) -> None:
        tickers = self._awaiting.pop(message.id, None) if message.id is not None else None
        if tickers is None:
            return
        sid = message.msg.sid
        held = self._sids.setdefault(sid, set())
        for ticker in tickers:
            self._waiting_on.pop(ticker, None)
            held.add(ticker)
            self._sid_of[ticker] = sid

    def _refused(self, message: ErrorMessage) -> None:
        tickers = self._awaiting.pop(message.id, None) if message.id is not None else None
        for ticker in tickers or ():
            self._waiting_on.pop(ticker, None)  # asked again at the next resync
        log.warning(
            "kalshi ws: command %s refused (code %s: %s)%s",
            message.id,
            message.msg.code,
            message.msg.msg,
            f"; {len(tickers)} market(s) not subscribed" if tickers else "",
        )

    @property
    def subscribed(self) -> dict[str, int]:
        """Ticker -> the sid streaming it (for status and tests)."""
        return dict(self._sid_of)


def _tickers(tokens: Iterable[str]) -> list[str]:
    """The distinct market tickers of these token ids, sorted (non-Kalshi ids skipped)."""
    out: set[str] = set()
    for token in tokens:
        try:
            out.add(ticker_of(token)[0])
        except ParseError:
            continue
    return sorted(out)


@dataclass(frozen=True)
class KalshiFeed:
    """The websocket at `url`, signed with one API key (a LiveFeed)."""

    url: str
    key_id: str = field(repr=False)
    key: rsa.RSAPrivateKey = field(repr=False)
    subscribe_chunk: int = 500
    ping_text: str | None = None
    pong_text: str | None = None
    snapshots_in_stream: bool = True

    def handshake_headers(self) -> dict[str, str]:
        """The three signed headers, for the URL's path (`/trade-api/ws/v2`)."""
        return signed_headers(self.key_id, self.key, "GET", urlparse(self.url).path or WS_PATH)

    def session(self, connection: int) -> KalshiSession:
        """A connection with no subscription yet."""
        return KalshiSession(connection, self.subscribe_chunk)
