"""Kalshi websocket messages: the frame decoder, and book messages as venue-neutral events.

Every frame is one JSON object tagged by `type`:

    orderbook_snapshot  {sid, seq, msg: {market_ticker, yes_dollars_fp: [[price, count]], no_...}}
                        a market's resting bids, YES and NO (older shapes: `yes_dollars`, or
                        `yes` in integer cents)
    orderbook_delta     {sid, seq, msg: {market_ticker, price_dollars, delta_fp, side}}: `delta_fp`
                        contracts added to (negative: taken from) the bids at that price
    trade               {msg: {market_ticker, yes_price_dollars, no_price_dollars, ...}}
    subscribed          {id, msg: {channel, sid}}: the command `id` now streams as `sid`
    unsubscribed, ok    acknowledgements
    error               {id, msg: {code, msg}}: the command `id` was refused
    anything else       (ticker, lifecycle, ...) tolerated and dropped

`seq` counts every message of one subscription (`sid`) from 1. A market is one book of bids on
both sides; our YES token's asks are the NO bids mirrored (1 − p, same size) and the reverse, so a
snapshot becomes two Snapshots and a delta two LevelDeltas (a YES bid change is also a NO ask
change), carried in one `Sequenced` event so the sequence is checked once per message.
"""

from __future__ import annotations

import json
from typing import Literal

import msgspec

from dashboard_backend.book_events import (
    BookEvent,
    FrameError,
    LastTrade,
    Level,
    LevelDelta,
    Sequenced,
    Snapshot,
)
from dashboard_backend.venues.kalshi.parse import round_price, token_id

RawLevels = tuple[tuple[float, float], ...]


class _BookBody(msgspec.Struct, frozen=True):
    market_ticker: str
    yes_dollars_fp: RawLevels | None = None
    no_dollars_fp: RawLevels | None = None
    yes_dollars: RawLevels | None = None
    no_dollars: RawLevels | None = None
    yes: RawLevels | None = None  # integer cents (legacy)
    no: RawLevels | None = None


class SnapshotMessage(msgspec.Struct, frozen=True, tag="orderbook_snapshot", tag_field="type"):
    """A market's whole book on one subscription."""

    sid: int
    seq: int
    msg: _BookBody


class _DeltaBody(msgspec.Struct, frozen=True):
    market_ticker: str
    side: Literal["yes", "no"]
    price_dollars: float | None = None
    delta_fp: float | None = None
    price: float | None = None  # integer cents (legacy)
    delta: float | None = None


class DeltaMessage(msgspec.Struct, frozen=True, tag="orderbook_delta", tag_field="type"):
    """An increment to one price level of a market's YES or NO bids."""

    sid: int
    seq: int
    msg: _DeltaBody


class _TradeBody(msgspec.Struct, frozen=True):
    market_ticker: str
    yes_price_dollars: float | None = None
    no_price_dollars: float | None = None


class TradeMessage(msgspec.Struct, frozen=True, tag="trade", tag_field="type"):
    """A public trade (display only)."""

    msg: _TradeBody
    sid: int | None = None


class _SubscribedBody(msgspec.Struct, frozen=True):
    sid: int
    channel: str = ""


class SubscribedMessage(msgspec.Struct, frozen=True, tag="subscribed", tag_field="type"):
    """The command `id` now streams as subscription `msg.sid`."""

    msg: _SubscribedBody
    id: int | None = None


class _ErrorBody(msgspec.Struct, frozen=True):
    code: int | None = None
    msg: str = ""


class ErrorMessage(msgspec.Struct, frozen=True, tag="error", tag_field="type"):
    """The command `id` was refused."""

    msg: _ErrorBody
    id: int | None = None


class AckMessage(msgspec.Struct, frozen=True, tag="unsubscribed", tag_field="type"):
    """An unsubscription went through."""

    id: int | None = None
    sid: int | None = None


class OkMessage(msgspec.Struct, frozen=True, tag="ok", tag_field="type"):
    """An update_subscription went through."""

    id: int | None = None
    sid: int | None = None


Message = (
    SnapshotMessage
    | DeltaMessage
    | TradeMessage
    | SubscribedMessage
    | ErrorMessage
    | AckMessage
    | OkMessage
)
_KNOWN = frozenset(
    {"orderbook_snapshot", "orderbook_delta", "trade", "subscribed", "error", "unsubscribed", "ok"}
)
_DECODER = msgspec.json.Decoder(Message, strict=False)


def decode_frame(text: str | bytes) -> Message | None:
    """One frame as a message; None for a kind this client does not use; FrameError if bad."""
    try:
        return _DECODER.decode(text)
    except msgspec.MsgspecError as exc:
        try:
            raw = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise FrameError(f"kalshi frame is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise FrameError("kalshi frame is not an object") from None
        kind = raw.get("type")
        if isinstance(kind, str) and kind not in _KNOWN:
            return None  # a channel or kind we do not subscribe to
        raise FrameError(f"malformed kalshi {kind} message: {exc}", _tokens_named(raw)) from None


def book_events(message: Message, stream: str) -> list[BookEvent]:
    """A book message as venue-neutral events (`stream` names its subscription); FrameError for
    a price outside (0, 1)."""
    if isinstance(message, DeltaMessage):
        body = message.msg
        price = _price(body.price_dollars, body.price, body.market_ticker)
        delta = body.delta_fp if body.delta_fp is not None else body.delta
        if delta is None:
            raise FrameError("kalshi delta without a size", _both(body.market_ticker))
        own, other = ("yes", "no") if body.side == "yes" else ("no", "yes")
        ticker = body.market_ticker
        return [
            Sequenced(
                stream,
                message.seq,
                (
                    LevelDelta(token_id(ticker, own), "BUY", price, delta),
                    LevelDelta(token_id(ticker, other), "SELL", round_price(1.0 - price), delta),
                ),
            )
        ]
    if isinstance(message, SnapshotMessage):
        body_ = message.msg
        ticker = body_.market_ticker
        yes = _levels(body_.yes_dollars_fp, body_.yes_dollars, body_.yes, ticker)
        no = _levels(body_.no_dollars_fp, body_.no_dollars, body_.no, ticker)
        return [
            Sequenced(
                stream,
                message.seq,
                (_side(ticker, "yes", yes, no), _side(ticker, "no", no, yes)),
            )
        ]
    if isinstance(message, TradeMessage):
        trade = message.msg
        out: list[BookEvent] = []
        for side, paid in (("yes", trade.yes_price_dollars), ("no", trade.no_price_dollars)):
            if paid is not None and 0.0 < paid < 1.0:
                out.append(LastTrade(token_id(trade.market_ticker, side), paid))
        return out
    return []


def _side(ticker: str, side: str, bids: dict[float, float], other: dict[float, float]) -> Snapshot:
    """One token's book: its own bids, and the other side's bids mirrored as asks."""
    return Snapshot(
        token_id(ticker, side),
        tuple(Level(p, s) for p, s in sorted(bids.items(), reverse=True)),
        tuple(Level(round_price(1.0 - p), s) for p, s in sorted(other.items(), reverse=True)),
        ticker,
    )


def _levels(
    fp: RawLevels | None, dollars: RawLevels | None, cents: RawLevels | None, ticker: str
) -> dict[float, float]:
    """Bid levels price -> contracts (positive only, prices in dollars)."""
    raw, scale = (fp, 1.0) if fp is not None else (dollars, 1.0)
    if raw is None:
        raw, scale = (cents or (), 0.01)
    out: dict[float, float] = {}
    for price, size in raw:
        p = round_price(price * scale)
        if not 0.0 < p < 1.0:
            raise FrameError(f"kalshi snapshot {ticker}: price {price!r}", _both(ticker))
        if size > 0.0:
            out[p] = out.get(p, 0.0) + size
    return out


def _price(dollars: float | None, cents: float | None, ticker: str) -> float:
    value = dollars if dollars is not None else (cents / 100.0 if cents is not None else None)
    if value is None or not 0.0 < value < 1.0:
        raise FrameError(f"kalshi delta {ticker}: bad price", _both(ticker))
    return round_price(value)


def _both(ticker: str) -> frozenset[str]:
    return frozenset({token_id(ticker, "yes"), token_id(ticker, "no")})


def _tokens_named(raw: dict[str, object]) -> frozenset[str]:
    body = raw.get("msg")
    ticker = body.get("market_ticker") if isinstance(body, dict) else None
    return _both(ticker) if isinstance(ticker, str) and ticker else frozenset()
