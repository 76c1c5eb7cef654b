"""Venue-neutral order-book events: what every venue's live feed is decoded into (pure types).

Each venue's edge (`venues/NAME/`) turns its websocket frames into these, and `live_book.BookSet`
applies them whatever the venue:

    Snapshot    a token's whole book (replaces it)
    LevelSets   new *total* sizes at levels, judged together (Polymarket's `price_change`); each
                may state the venue's best bid/ask after the change, which the book must match
    Sequenced   the events of one message of a sequenced stream (Kalshi's `orderbook_delta`
                subscription): `seq` must follow the stream's previous one, or every book the
                stream feeds is distrusted until the stream sends it again. Carries snapshots and
                LevelDeltas: *increments* (a size added to, or taken from, a level)
    TickSize    the token's new minimum tick
    LastTrade   the last traded price, kept for display

Sides: "BUY" is the bid side, "SELL" the ask side. Prices and sizes are floats. A frame that cannot
be decoded raises `FrameError`, naming the tokens it may have carried changes for.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from dashboard_backend.errors import ParseError

Side = Literal["BUY", "SELL"]


class Level(msgspec.Struct, frozen=True):
    """One price level of a snapshot."""

    price: float
    size: float


class Snapshot(msgspec.Struct, frozen=True):
    """A token's whole book: replaces it."""

    token_id: str
    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()
    market: str = ""  # the venue's market (condition) id, for display
    timestamp: int | None = None
    hash: str | None = None


class LevelSet(msgspec.Struct, frozen=True):
    """A level's new total size (0 removes it)."""

    token_id: str
    side: Side
    price: float
    size: float
    # The venue's best prices after the change, when it states them (strings, compared only
    # when parseable; "0" = that side is empty).
    best_bid: str | None = None
    best_ask: str | None = None


class LevelSets(msgspec.Struct, frozen=True):
    """Level totals of one venue message: each token is checked once, after its last change."""

    changes: tuple[LevelSet, ...] = ()


class LevelDelta(msgspec.Struct, frozen=True):
    """An increment: `delta` contracts added to (negative: taken from) a level."""

    token_id: str
    side: Side
    price: float
    delta: float


class Sequenced(msgspec.Struct, frozen=True):
    """One message of a sequenced stream (`stream` is unique per connection and subscription)."""

    stream: str
    seq: int
    events: tuple[Snapshot | LevelDelta, ...]


class TickSize(msgspec.Struct, frozen=True):
    """The token's minimum tick changed."""

    token_id: str
    tick_size: float


class LastTrade(msgspec.Struct, frozen=True):
    """A trade happened; kept for display."""

    token_id: str
    price: float


BookEvent = Snapshot | LevelSets | Sequenced | TickSize | LastTrade


class FrameError(ParseError):
    """A frame that could not be decoded; `token_ids` are the tokens it named, if readable."""

    def __init__(self, message: str, token_ids: frozenset[str] = frozenset()):
        super().__init__(message)
        self.token_ids = token_ids
