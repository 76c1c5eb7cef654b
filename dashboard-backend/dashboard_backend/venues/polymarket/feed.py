"""Polymarket's live feed: the CLOB websocket market channel (a LiveFeed).

Subscribe with `{"assets_ids": [...], "type": "market", "custom_feature_enabled": true}` (the
first message of a connection) and later `{"assets_ids": [...], "operation": "subscribe" |
"unsubscribe"}`, in chunks of WS_SUBSCRIBE_CHUNK tokens. The channel answers a subscription with
`book` snapshots and then sends level totals (`price_change`), so a distrusted book is restored
from REST `POST /books` (a total is idempotent: buffered changes replay on the REST book). Keep-alive
is the text `PING`, answered `PONG`. No handshake headers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dashboard_backend.book_events import BookEvent
from dashboard_backend.venues.polymarket.ws_messages import decode_events


def subscribe_messages(tokens: Sequence[str], chunk: int, initial: bool) -> list[str]:
    """The subscription messages for these tokens: the first may be the initial one."""
    out: list[str] = []
    for start in range(0, len(tokens), chunk):
        ids = list(tokens[start : start + chunk])
        if initial and start == 0:
            body: dict[str, Any] = {
                "assets_ids": ids,
                "type": "market",
                "custom_feature_enabled": True,
            }
        else:
            body = {"assets_ids": ids, "operation": "subscribe"}
        out.append(json.dumps(body))
    return out


class MarketChannelSession:
    """One connection to the market channel (a FeedSession)."""

    def __init__(self, chunk: int):
        self.chunk = chunk
        self._initial = True

    def subscribe(self, tokens: Sequence[str]) -> list[str]:
        """The connection's initial subscription, then `operation: subscribe` messages."""
        ids = sorted(tokens)
        if not ids:
            return []
        messages = subscribe_messages(ids, self.chunk, self._initial)
        self._initial = False
        return messages

    def unsubscribe(self, tokens: Sequence[str]) -> list[str]:
        """`operation: unsubscribe` messages."""
        ids = sorted(tokens)
        return [
            json.dumps({"assets_ids": ids[i : i + self.chunk], "operation": "unsubscribe"})
            for i in range(0, len(ids), self.chunk)
        ]

    def resubscribe(self, tokens: Sequence[str]) -> list[str]:
        """None: distrusted books come back from REST."""
        return []

    def decode(self, frame: str | bytes) -> Sequence[BookEvent]:
        """The frame's messages as book events."""
        return decode_events(frame)


@dataclass(frozen=True)
class PolymarketFeed:
    """The market channel at `url` (a LiveFeed)."""

    url: str
    subscribe_chunk: int = 500
    ping_text: str | None = "PING"
    pong_text: str | None = "PONG"
    snapshots_in_stream: bool = False

    def handshake_headers(self) -> dict[str, str]:
        """None needed."""
        return {}

    def session(self, connection: int) -> MarketChannelSession:
        """A fresh session: its first subscription is the initial `type: market` one."""
        return MarketChannelSession(self.subscribe_chunk)
