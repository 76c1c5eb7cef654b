"""Mutable CLOB order books of the replay server, rendered in the venue's exact `/book` shape.

Books live in one `BookStore`; every change goes through its methods (`replace_book`,
`set_level`, `set_tick_size`, `set_last_trade_price`), so REST `/book(s)` always shows what
a websocket stream has applied so far. Rendering reproduces the venue's sort-order trap: bids
ascending and asks descending, so the best levels are the LAST entries.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

Side = Literal["BUY", "SELL"]  # BUY = bids, SELL = asks, as in `price_change` messages
Levels = Iterable[tuple[Decimal | str | float, Decimal | str | float]]
Listener = Callable[[str], None]


def to_decimal(value: Decimal | str | float | int) -> Decimal:
    """A price or size as a Decimal (floats go through str to avoid binary noise)."""
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def wire_number(value: Decimal) -> str:
    """Format like the venue: no exponent, no trailing zeros (`0.5`, `1091`, `280.52`)."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def now_ms() -> int:
    """Wall-clock milliseconds, the venue's timestamp unit."""
    return int(time.time() * 1000)


@dataclass
class OrderBook:
    """One token's book: price -> size per side, plus the metadata `/book` carries."""

    market: str
    asset_id: str
    bids: dict[Decimal, Decimal] = field(default_factory=dict)
    asks: dict[Decimal, Decimal] = field(default_factory=dict)
    tick_size: str = "0.01"
    min_order_size: str = "5"
    neg_risk: bool = False
    last_trade_price: str = ""
    timestamp: int = 0
    hash: str = ""

    def rehash(self) -> None:
        """Recompute the content hash (sha1 of the levels, like the venue's 40-hex hash)."""
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(self.asset_id.encode())
        for name, side in (("b", self.bids), ("a", self.asks)):
            for price in sorted(side):
                digest.update(f"|{name}{wire_number(price)}:{wire_number(side[price])}".encode())
        self.hash = digest.hexdigest()

    def best_bid(self) -> Decimal | None:
        """Highest bid price, None when the side is empty."""
        return max(self.bids) if self.bids else None

    def best_ask(self) -> Decimal | None:
        """Lowest ask price, None when the side is empty."""
        return min(self.asks) if self.asks else None

    def to_wire(self) -> dict[str, object]:
        """The exact `/book` JSON: strings for numbers, bids ascending, asks descending."""
        if not self.hash:
            self.rehash()  # computed lazily: most books are never asked for
        return {
            "market": self.market,
            "asset_id": self.asset_id,
            "timestamp": str(self.timestamp),
            "hash": self.hash,
            "bids": [
                {"price": wire_number(p), "size": wire_number(self.bids[p])}
                for p in sorted(self.bids)
            ],
            "asks": [
                {"price": wire_number(p), "size": wire_number(self.asks[p])}
                for p in sorted(self.asks, reverse=True)
            ],
            "min_order_size": self.min_order_size,
            "tick_size": self.tick_size,
            "neg_risk": self.neg_risk,
            "last_trade_price": self.last_trade_price,
        }


def _levels(levels: Levels) -> dict[Decimal, Decimal]:
    out: dict[Decimal, Decimal] = {}
    for price, size in levels:
        p, s = to_decimal(price), to_decimal(size)
        if s > 0:
            out[p] = s
    return out


def book_from_wire(raw: Mapping[str, object]) -> OrderBook:
    """Build a book from a recorded `/book` response; raises ValueError when malformed."""
    asset_id = raw.get("asset_id")
    if not isinstance(asset_id, str) or not asset_id:
        raise ValueError("book without asset_id")
    sides: list[dict[Decimal, Decimal]] = []
    for name in ("bids", "asks"):
        entries = raw.get(name) or []
        if not isinstance(entries, list):
            raise ValueError(f"book {name} is not a list")
        pairs: list[tuple[str, str]] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise ValueError(f"book {name} entry is not an object")
            pairs.append((str(entry.get("price")), str(entry.get("size"))))
        sides.append(_levels(pairs))
    timestamp = raw.get("timestamp")
    book = OrderBook(
        market=str(raw.get("market") or ""),
        asset_id=asset_id,
        bids=sides[0],
        asks=sides[1],
        tick_size=str(raw.get("tick_size") or "0.01"),
        min_order_size=str(raw.get("min_order_size") or "5"),
        neg_risk=bool(raw.get("neg_risk", False)),
        last_trade_price=str(raw.get("last_trade_price") or ""),
        timestamp=int(timestamp)
        if isinstance(timestamp, str | int) and str(timestamp).isdigit()
        else 0,
    )
    recorded_hash = raw.get("hash")
    if isinstance(recorded_hash, str) and recorded_hash:
        book.hash = recorded_hash  # keep the recorded hash until the book changes
    else:
        book.rehash()
    return book


class BookStore:
    """All books of the replay server, keyed by token id; the one place books change."""

    def __init__(self) -> None:
        self._books: dict[str, OrderBook] = {}
        self._listeners: list[Listener] = []

    def __len__(self) -> int:
        return len(self._books)

    def __contains__(self, token_id: object) -> bool:
        return token_id in self._books

    def __iter__(self) -> Iterator[str]:
        return iter(self._books)

    def get(self, token_id: str) -> OrderBook | None:
        """The current book of a token, None when unknown."""
        book = self._books.get(token_id)
        if book is not None and not book.hash:
            book.rehash()  # synthesized books get their hash on first read
        return book

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(token_id)` after every change (e.g. to push websocket updates)."""
        self._listeners.append(listener)

    def put(self, book: OrderBook) -> None:
        """Insert or replace a whole book object (used at start-up)."""
        if book.timestamp == 0:
            book.timestamp = now_ms()
        self._books[book.asset_id] = book

    def replace_book(self, token_id: str, bids: Levels, asks: Levels) -> OrderBook:
        """Replace both sides of a known token's book (a `book` snapshot)."""
        book = self._require(token_id)
        book.bids, book.asks = _levels(bids), _levels(asks)
        return self._touched(book)

    def set_level(
        self, token_id: str, side: Side, price: Decimal | str | float, size: Decimal | str | float
    ) -> OrderBook:
        """Set the total size at one price level (a `price_change`); size 0 removes the level."""
        book = self._require(token_id)
        levels = book.bids if side == "BUY" else book.asks
        p, s = to_decimal(price), to_decimal(size)
        if s > 0:
            levels[p] = s
        else:
            levels.pop(p, None)
        return self._touched(book)

    def set_tick_size(self, token_id: str, tick_size: Decimal | str | float) -> OrderBook:
        """Change the tick size (a `tick_size_change`)."""
        book = self._require(token_id)
        book.tick_size = wire_number(to_decimal(tick_size))
        return self._touched(book)

    def set_last_trade_price(self, token_id: str, price: Decimal | str | float) -> OrderBook:
        """Record the last trade price (a `last_trade_price`)."""
        book = self._require(token_id)
        book.last_trade_price = wire_number(to_decimal(price))
        return self._touched(book)

    def _require(self, token_id: str) -> OrderBook:
        book = self._books.get(token_id)
        if book is None:
            raise KeyError(f"unknown token {token_id}")
        return book

    def _touched(self, book: OrderBook) -> OrderBook:
        book.timestamp = max(now_ms(), book.timestamp + 1)
        book.rehash()
        for listener in self._listeners:
            listener(book.asset_id)
        return book
