"""Market-channel websocket messages: tagged frozen structs and the one frame decoder.

A frame is one JSON object or a JSON array of them, each tagged by `event_type`:

    book              full snapshot of one token's book (replaces it)
    price_change      new total size at price levels; `price_changes[]` form, or the older flat
                      form (one level at top level), normalised here to `price_changes`
    tick_size_change  the token's new tick size
    last_trade_price  the last trade, kept for display
    best_bid_ask, new_market, market_resolved   (custom_feature_enabled) tolerated and dropped

Prices and sizes arrive as strings and are decoded to floats once, here (msgspec, non-strict
mode), so nothing downstream touches the wire dicts. msgspec decodes a price_change about 3-5x
faster than `json.loads` alone (see bench/ws.py).

This is the venue's edge of the live books: each message struct *is* the venue-neutral book
event it stands for (`book_events.py`; a subclass decoding the venue's field names), so frames
decode straight into events with no copy — `book` is a Snapshot, `price_change` is LevelSets of
new totals, `tick_size_change` a TickSize, `last_trade_price` a LastTrade.
"""

from __future__ import annotations

import json
from typing import Literal

import msgspec

from dashboard_backend.book_events import FrameError as BookFrameError
from dashboard_backend.book_events import (
    LastTrade,
    Level,
    LevelSet,
    LevelSets,
    Snapshot,
    TickSize,
)

Side = Literal["BUY", "SELL"]
__all__ = [
    "BookMessage",
    "FrameError",
    "LastTradePriceMessage",
    "Level",
    "Message",
    "PriceChangeMessage",
    "PriceLevelChange",
    "Side",
    "TickSizeChangeMessage",
    "decode_events",
    "decode_frame",
]


class _AssetId:
    """The CLOB's name for a token id, on the messages that carry one."""

    __slots__ = ()
    token_id: str

    @property
    def asset_id(self) -> str:
        """The CLOB token id (`token_id` of the book event)."""
        return self.token_id


class BookMessage(
    Snapshot,
    _AssetId,
    frozen=True,
    tag="book",
    tag_field="event_type",
    rename={"token_id": "asset_id"},
):
    """A full snapshot: replaces the token's book."""

    token_id: str  # `asset_id` on the wire


class PriceLevelChange(LevelSet, _AssetId, frozen=True, rename={"token_id": "asset_id"}):
    """One level's new total size (0 removes it); BUY is the bid side, SELL the ask side.

    `best_bid` / `best_ask` are strings: the venue's view after the change, only compared when
    parseable."""

    token_id: str  # `asset_id` on the wire
    hash: str | None = None


class PriceChangeMessage(
    LevelSets,
    frozen=True,
    tag="price_change",
    tag_field="event_type",
    rename={"changes": "price_changes"},
):
    """Level updates for one market; the flat form's fields are folded into `price_changes`."""

    changes: tuple[PriceLevelChange, ...] = ()  # `price_changes` on the wire
    market: str = ""
    timestamp: int | None = None
    # Older flat form: one level at top level.
    asset_id: str | None = None
    price: float | None = None
    size: float | None = None
    side: Side | None = None
    hash: str | None = None

    @property
    def price_changes(self) -> tuple[PriceLevelChange, ...]:
        """The level changes, as the wire names them."""
        return self.changes


class TickSizeChangeMessage(
    TickSize,
    _AssetId,
    frozen=True,
    tag="tick_size_change",
    tag_field="event_type",
    rename={"token_id": "asset_id", "tick_size": "new_tick_size"},
):
    """The token's minimum tick changed."""

    token_id: str  # `asset_id` on the wire
    tick_size: float  # `new_tick_size` on the wire
    market: str = ""
    old_tick_size: float | None = None
    timestamp: int | None = None

    @property
    def new_tick_size(self) -> float:
        """The new tick, as the wire names it."""
        return self.tick_size


class LastTradePriceMessage(
    LastTrade,
    _AssetId,
    frozen=True,
    tag="last_trade_price",
    tag_field="event_type",
    rename={"token_id": "asset_id"},
):
    """A trade happened; kept for display."""

    token_id: str  # `asset_id` on the wire
    market: str = ""
    size: float | None = None
    side: Side | None = None
    fee_rate_bps: str | None = None
    timestamp: int | None = None


class _BestBidAsk(msgspec.Struct, frozen=True, tag="best_bid_ask", tag_field="event_type"):
    """Tolerated and dropped: our books already give the best prices."""


class _NewMarket(msgspec.Struct, frozen=True, tag="new_market", tag_field="event_type"):
    """Tolerated and dropped: the catalog poller owns market discovery."""


class _MarketResolved(msgspec.Struct, frozen=True, tag="market_resolved", tag_field="event_type"):
    """Tolerated and dropped: the catalog poller removes resolved markets."""


Message = BookMessage | PriceChangeMessage | TickSizeChangeMessage | LastTradePriceMessage
_Wire = Message | _BestBidAsk | _NewMarket | _MarketResolved
_IGNORED = (_BestBidAsk, _NewMarket, _MarketResolved)
_KNOWN_TAGS = frozenset(
    {"book", "price_change", "tick_size_change", "last_trade_price"}
    | {"best_bid_ask", "new_market", "market_resolved"}
)

_DECODER = msgspec.json.Decoder(list[_Wire] | _Wire, strict=False)


class FrameError(BookFrameError):
    """A frame that could not be decoded; `asset_ids` are the tokens it named, if readable."""

    @property
    def asset_ids(self) -> frozenset[str]:
        """The token ids (CLOB asset ids) the frame named."""
        return self.token_ids


def decode_frame(text: str | bytes) -> list[Message]:
    """Decode one websocket frame (object or array) into messages, dropping ignored kinds.

    Each message is also the book event it stands for (see the module docstring). Raises
    FrameError when any element is malformed (the whole frame is skipped: a partial frame could
    hide a lost delta, so the caller resyncs the tokens the error names).
    """
    try:
        decoded = _DECODER.decode(text)
    except msgspec.MsgspecError:
        decoded = _decode_lenient(text)
    items = decoded if isinstance(decoded, list) else [decoded]
    out: list[Message] = []
    for item in items:
        if isinstance(item, PriceChangeMessage):
            if not item.changes:
                item = _fold_flat(item)
            out.append(item)
        elif not isinstance(item, _IGNORED):
            out.append(item)
    return out


# The venue's edge: a frame as book events (the messages are the events).
decode_events = decode_frame


def _fold_flat(msg: PriceChangeMessage) -> PriceChangeMessage:
    """The flat price_change form as a one-element `price_changes`."""
    if msg.asset_id is None or msg.price is None or msg.size is None or msg.side is None:
        raise FrameError("price_change with neither price_changes nor a flat level")
    change = PriceLevelChange(
        token_id=msg.asset_id, side=msg.side, price=msg.price, size=msg.size, hash=msg.hash
    )
    return msgspec.structs.replace(msg, changes=(change,))


def _infer_tag(item: dict[str, object]) -> str | None:
    """The event_type of an untagged object, from the keys only its kind has."""
    if "price_changes" in item:
        return "price_change"
    if "bids" in item or "asks" in item:
        return "book"
    if "new_tick_size" in item:
        return "tick_size_change"
    if "fee_rate_bps" in item:
        return "last_trade_price"
    return None


def _decode_lenient(text: str | bytes) -> list[_Wire]:
    """Slow path: untagged objects (kind inferred), unknown kinds skipped, else FrameError."""
    try:
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameError(f"frame is not JSON: {exc}") from exc
    items = raw if isinstance(raw, list) else [raw]
    out: list[_Wire] = []
    for item in items:
        if not isinstance(item, dict):
            raise FrameError(f"frame element is not an object: {type(item).__name__}")
        tag = item.get("event_type")
        if tag is None:
            tag = _infer_tag(item)
            if tag is None:
                raise FrameError("untagged message of unknown shape", _asset_ids(items))
            item = {**item, "event_type": tag}
        elif isinstance(tag, str) and tag not in _KNOWN_TAGS:
            continue  # a kind added by the venue after this code: not ours to judge
        try:
            out.append(msgspec.convert(item, _Wire, strict=False))
        except msgspec.ValidationError as exc:
            raise FrameError(f"malformed {tag} message: {exc}", _asset_ids(items)) from exc
    return out


def _asset_ids(items: list[object]) -> frozenset[str]:
    """Every token id a raw frame names, so the caller can resync what it may have missed."""
    found: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("asset_id"), str):
            found.add(item["asset_id"])
        changes = item.get("price_changes")
        if isinstance(changes, list):
            for ch in changes:
                if isinstance(ch, dict) and isinstance(ch.get("asset_id"), str):
                    found.add(ch["asset_id"])
    return frozenset(found)
