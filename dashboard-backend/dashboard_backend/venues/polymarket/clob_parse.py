"""Pure conversion of raw CLOB order books (`/book`, `/books`) into OrderBook (no I/O).

Recorded books list bids ascending and asks descending (best prices LAST); some list both
ascending. Position is never trusted: levels are sorted here, bids best-first (descending) and
asks best-first (ascending).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard_backend.errors import ParseError
from dashboard_backend.models import BookLevel, OrderBook
from dashboard_backend.venues.polymarket.coerce import to_number, to_positive


@dataclass(frozen=True)
class ParsedBook:
    """A parsed book and how many of its raw levels were dropped as unusable."""

    book: OrderBook
    dropped_levels: int


def parse_book(raw: Mapping[str, Any]) -> OrderBook:
    """Turn one raw CLOB book into an OrderBook with explicitly sorted sides."""
    return parse_book_counted(raw).book


def parse_book_counted(raw: Mapping[str, Any]) -> ParsedBook:
    """Like parse_book, also counting dropped levels (zero/negative size, bad numbers).

    Raises ParseError when the book has no token id or its sides are not lists.
    """
    if not isinstance(raw, Mapping):
        raise ParseError(f"book is a {type(raw).__name__}, not an object")
    token_id = _text(raw.get("asset_id"))
    if not token_id:
        raise ParseError("book without asset_id")
    bids, dropped_bids = _levels(raw.get("bids"), "bids", token_id)
    asks, dropped_asks = _levels(raw.get("asks"), "asks", token_id)
    book = OrderBook(
        token_id=token_id,
        market=_text(raw.get("market")) or "",
        bids=tuple(sorted(bids, key=lambda lv: lv.price, reverse=True)),
        asks=tuple(sorted(asks, key=lambda lv: lv.price)),
        tick_size=to_positive(raw.get("tick_size")),
        min_order_size=to_positive(raw.get("min_order_size")),
        timestamp=_timestamp(raw.get("timestamp")),
        hash=_text(raw.get("hash")),
        last_trade_price=_price(raw.get("last_trade_price")),
    )
    return ParsedBook(book=book, dropped_levels=dropped_bids + dropped_asks)


def _levels(value: object, side: str, token_id: str) -> tuple[list[BookLevel], int]:
    if value is None:
        return [], 0
    if not isinstance(value, list):
        raise ParseError(f"book {token_id}: {side} is not a list")
    levels: list[BookLevel] = []
    dropped = 0
    for item in value:
        if not isinstance(item, Mapping):
            dropped += 1
            continue
        price = _price(item.get("price"))
        size = to_number(item.get("size"))
        if price is None or size is None or size <= 0:
            dropped += 1
            continue
        levels.append(BookLevel(price=price, size=size))
    return levels, dropped


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _price(value: object) -> float | None:
    """A probability price in (0, 1]; an empty string (no trade yet) gives None."""
    f = to_number(value)
    return f if f is not None and 0.0 < f <= 1.0 else None


def _timestamp(value: object) -> int | None:
    """Milliseconds since the epoch; the CLOB sends it as a string."""
    f = to_number(value)
    return int(f) if f is not None and f >= 0 else None
