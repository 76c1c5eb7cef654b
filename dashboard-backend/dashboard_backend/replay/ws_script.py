"""A deterministic, seeded market-channel script for the replay server (pure, no I/O).

`MarketScenario` copies the starting books and yields steps: frames of `price_change` (the
`price_changes[]` form and the older flat form), `tick_size_change` and `last_trade_price`
messages in the recorded wire shapes, some batched as JSON arrays; arbitrage windows that open
and close on binary markets; malformed frames; and an abrupt disconnect. The same books and
`ScriptConfig` always give the same steps, so a test can build its own scenario and know the
exact books the stream implies.

Invariant of the random walk: a token's bids never rise above its starting best bid and its
asks never fall below its starting best ask. Starting books free of arbitrage therefore stay
free of it, and the only arbitrage the walk shows is the scripted windows: a window improves both
asks of one binary market (Σ asks = 1 − edge, crossing bids lifted out of the way), the walk
leaves that market alone while it is open, and closing it restores the market's books exactly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dashboard_backend.replay.books import OrderBook, wire_number
from dashboard_backend.replay.script_config import ScriptBase

TICK = Decimal("0.01")
ONE = Decimal(1)
SIZES = ("5", "10", "25", "40", "75", "100", "250", "500")
WINDOW_SIZE = Decimal(100)
BASE_TS = 1_767_000_000_000  # scripted timestamps advance 1 ms per message from here

Wire = dict[str, Any]


@dataclass(frozen=True)
class ScriptConfig(ScriptBase):
    """How the market-channel script plays (see `ScriptBase` for the shared fields)."""

    batch_prob: float = 0.3  # frames sent as JSON arrays of 2-4 messages
    flat_prob: float = 0.25  # single-level price changes sent in the older flat form
    malformed_at: tuple[int, ...] = ()  # a malformed frame after each of these message counts
    initial_books: bool = True  # send `book` snapshots on subscribe ...
    initial_books_on_reconnect: bool = True  # ... also after the scripted disconnect
    # True: each change carries the book's content hash (as REST `/book` shows it). False: a
    # unique 40-hex hash without hashing the whole book per change (fast streams for benches).
    content_hashes: bool = True


@dataclass(frozen=True)
class Frame:
    """One websocket frame: a single message or a JSON array of them."""

    messages: tuple[Wire, ...]
    as_array: bool

    def text(self) -> str:
        """The frame's JSON text."""
        body: object = list(self.messages) if self.as_array else self.messages[0]
        return json.dumps(body, separators=(",", ":"))


@dataclass(frozen=True)
class Malformed:
    """A frame the client must count and skip (never applied to any book)."""

    text: str


@dataclass(frozen=True)
class Disconnect:
    """Abort every connection here."""


@dataclass(frozen=True)
class WindowEvent:
    """An arbitrage window opens or closes with the frame that follows (for tests; not sent)."""

    market_id: str
    opened: bool


Step = Frame | Malformed | Disconnect | WindowEvent


@dataclass(frozen=True)
class BinaryMarket:
    """A market with exactly two tokens."""

    market_id: str
    tokens: tuple[str, str]


@dataclass
class _Bounds:
    bid_cap: Decimal
    ask_floor: Decimal


@dataclass
class _Window:
    market: BinaryMarket
    closes_at: int
    restore: list[tuple[str, str, Decimal, Decimal]] = field(default_factory=list)


def _copy(book: OrderBook) -> OrderBook:
    """A private copy (levels are Decimals, immutable: copying the dicts is enough)."""
    return dataclasses.replace(book, bids=dict(book.bids), asks=dict(book.asks))


def book_message(book: OrderBook) -> Wire:
    """A `book` snapshot in the recorded market-channel shape."""
    wire = book.to_wire()
    return {
        "event_type": "book",
        "asset_id": book.asset_id,
        "market": book.market,
        "bids": wire["bids"],
        "asks": wire["asks"],
        "timestamp": str(book.timestamp),
        "hash": book.hash,
    }


class MarketScenario:
    """The script over private copies of the starting books (see the module docstring)."""

    def __init__(
        self,
        books: Mapping[str, OrderBook],
        markets: Iterable[BinaryMarket],
        config: ScriptConfig,
    ):
        self.config = config
        self.books: dict[str, OrderBook] = {t: _copy(b) for t, b in books.items()}
        self.markets = [m for m in markets if all(t in self.books for t in m.tokens)]
        self.rng = random.Random(config.seed)
        self.bounds: dict[str, _Bounds] = {}
        for market in self.markets:
            self._init_bounds(market)
        self.markets = [m for m in self.markets if all(t in self.bounds for t in m.tokens)]
        self.sent = 0  # messages yielded so far
        self.ts = BASE_TS
        self.window: _Window | None = None
        self._hashes = 0
        self._focus: list[BinaryMarket] = []

    def focus(self, tokens: set[str]) -> None:
        """Play on the markets whose tokens are all in `tokens` (when any): the live demo's
        clients follow a few hundred markets of a catalog of thousands. Changes the script, so
        only continuous mode uses it."""
        self._focus = [m for m in self.markets if all(t in tokens for t in m.tokens)]

    @property
    def _playing(self) -> list[BinaryMarket]:
        return self._focus or self.markets

    def _init_bounds(self, market: BinaryMarket) -> None:
        a, b = (self.books[t] for t in market.tokens)
        for me, other in ((a, b), (b, a)):
            cap = me.best_bid()
            floor = me.best_ask()
            if cap is None:
                other_ask = other.best_ask()
                cap = ONE - other_ask if other_ask is not None else Decimal("0.01")
            if floor is None:
                other_bid = other.best_bid()
                floor = ONE - other_bid if other_bid is not None else Decimal("0.99")
            if TICK <= cap < floor <= ONE - TICK:
                self.bounds[me.asset_id] = _Bounds(cap, floor)

    def arbitrage_free(self, market: BinaryMarket) -> bool:
        """Whether the market's current books hold no buy-both or split-sell at all."""
        a, b = (self.books[t] for t in market.tokens)
        asks = (a.best_ask(), b.best_ask())
        bids = (a.best_bid(), b.best_bid())
        buy_ok = None in asks or sum(x for x in asks if x is not None) >= ONE
        sell_ok = None in bids or sum(x for x in bids if x is not None) <= ONE
        return buy_ok and sell_ok

    # --- steps ---------------------------------------------------------------------------------

    def steps(self) -> Iterator[Step]:
        """Every step in order (endless when `messages` is None)."""
        cfg = self.config
        total = cfg.messages
        windows = cfg.windows()
        malformed = sorted(cfg.malformed_at)
        disconnected = False
        while total is None or self.sent < total:
            due = windows.due(self.sent) if self.window is None else None
            opened = self._open_window(due) if due is not None else None
            if opened is not None:
                yield from opened
            elif self.window is not None and self.sent >= self.window.closes_at:
                yield from self._close_window()
            else:
                yield self._walk_frame(total)
            while malformed and self.sent >= malformed[0]:
                malformed.pop(0)
                yield Malformed(self._malformed_text(len(malformed)))
            after = cfg.disconnect_after
            if not disconnected and after is not None and self.sent >= after:
                disconnected = True
                yield Disconnect()
        if self.window is not None:
            yield from self._close_window()

    def _next_ts(self) -> str:
        self.ts += 1
        return str(self.ts)

    def _walk_frame(self, total: int | None) -> Frame:
        batched = self.rng.random() < self.config.batch_prob
        count = self.rng.randint(2, 4) if batched else 1
        if total is not None:
            count = max(1, min(count, total - self.sent))
        messages = tuple(self._walk_message() for _ in range(count))
        self.sent += len(messages)
        return Frame(messages, as_array=batched)

    def _walk_message(self) -> Wire:
        rng = self.rng
        free = [m for m in self._playing if self.window is None or m != self.window.market]
        if not free:
            return self._last_trade_message(self.markets[0].tokens[0])
        market = rng.choice(free)
        roll = rng.random()
        if roll < 0.08:
            return self._tick_size_message(rng.choice(market.tokens))
        if roll < 0.18:
            return self._last_trade_message(rng.choice(market.tokens))
        changes = [self._walk_change(rng.choice(market.tokens)) for _ in range(rng.randint(1, 3))]
        return self._price_change_message(changes, allow_flat=True)

    def _walk_change(self, token: str) -> tuple[str, str, Decimal, Decimal]:
        rng = self.rng
        book = self.books[token]
        side = rng.choice(("BUY", "SELL"))
        levels = book.bids if side == "BUY" else book.asks
        if levels and rng.random() < 0.35:
            return token, side, rng.choice(sorted(levels)), Decimal(0)
        bound = self.bounds[token]
        steps = rng.randint(0, 6)
        if side == "BUY":
            price = max(TICK, bound.bid_cap - steps * TICK)
        else:
            price = min(ONE - TICK, bound.ask_floor + steps * TICK)
        return token, side, price, Decimal(rng.choice(SIZES))

    def _price_change_message(
        self,
        changes: Sequence[tuple[str, str, Decimal, Decimal]],
        allow_flat: bool,
    ) -> Wire:
        # The wire's `market` is the condition id, which every book of the market carries.
        market_id = self.books[changes[0][0]].market
        items: list[Wire] = []
        for token, side, price, size in changes:
            book = self.books[token]
            levels = book.bids if side == "BUY" else book.asks
            if size > 0:
                levels[price] = size
            else:
                levels.pop(price, None)
            self._rehash(book)
            best_bid, best_ask = book.best_bid(), book.best_ask()
            items.append(
                {
                    "asset_id": token,
                    "price": wire_number(price),
                    "size": wire_number(size),
                    "side": side,
                    "hash": book.hash,
                    "best_bid": wire_number(best_bid) if best_bid is not None else "0",
                    "best_ask": wire_number(best_ask) if best_ask is not None else "0",
                }
            )
        ts = self._next_ts()
        if allow_flat and len(items) == 1 and self.rng.random() < self.config.flat_prob:
            flat = {k: v for k, v in items[0].items() if k not in ("best_bid", "best_ask")}
            return {"event_type": "price_change", "market": market_id, **flat, "timestamp": ts}
        return {
            "event_type": "price_change",
            "market": market_id,
            "price_changes": items,
            "timestamp": ts,
        }

    def _rehash(self, book: OrderBook) -> None:
        if self.config.content_hashes:
            book.rehash()
        else:
            self._hashes += 1
            book.hash = hashlib.sha1(
                f"{book.asset_id}:{self._hashes}".encode(), usedforsecurity=False
            ).hexdigest()

    def _tick_size_message(self, token: str) -> Wire:
        book = self.books[token]
        old = book.tick_size
        new = "0.001" if old == "0.01" else "0.01"
        book.tick_size = new
        return {
            "event_type": "tick_size_change",
            "asset_id": token,
            "market": book.market,
            "old_tick_size": old,
            "new_tick_size": new,
            "timestamp": self._next_ts(),
        }

    def _last_trade_message(self, token: str) -> Wire:
        book = self.books[token]
        side = self.rng.choice(("BUY", "SELL"))
        price = (book.best_ask() if side == "BUY" else book.best_bid()) or Decimal("0.5")
        book.last_trade_price = wire_number(price)
        return {
            "event_type": "last_trade_price",
            "asset_id": token,
            "market": book.market,
            "price": wire_number(price),
            "size": self.rng.choice(SIZES),
            "side": side,
            "fee_rate_bps": "0",
            "timestamp": self._next_ts(),
        }

    # --- arbitrage windows ---------------------------------------------------------------------

    def _open_window(self, length: int) -> list[Step] | None:
        candidates = [m for m in self._playing if self.arbitrage_free(m)]
        if not candidates:
            return None
        market = self.rng.choice(candidates)
        yes, no = market.tokens
        ask_yes = self.books[yes].best_ask() or self.bounds[yes].ask_floor
        a = max(TICK * 2, min(ONE - TICK * 10, ask_yes - TICK * 2))
        b = ONE - self.config.window_edge - a
        if b < TICK:
            return None
        window = _Window(market, closes_at=self.sent + length)
        changes: list[tuple[str, str, Decimal, Decimal]] = []
        for token, ask in ((yes, a), (no, b)):
            book = self.books[token]
            for price in sorted(p for p in book.bids if p >= ask):
                window.restore.append((token, "BUY", price, book.bids[price]))
                changes.append((token, "BUY", price, Decimal(0)))
            changes.append((token, "SELL", ask, WINDOW_SIZE))
            window.restore.append((token, "SELL", ask, book.asks.get(ask, Decimal(0))))
        self.window = window
        message = self._price_change_message(changes, allow_flat=False)
        self.sent += 1
        return [WindowEvent(market.market_id, True), Frame((message,), as_array=False)]

    def _close_window(self) -> list[Step]:
        window = self.window
        if window is None:
            return []
        self.window = None
        self.sent += 1
        message = self._price_change_message(list(reversed(window.restore)), allow_flat=False)
        frame = Frame((message,), as_array=self.rng.random() < 0.5)
        return [WindowEvent(window.market.market_id, False), frame]

    def _malformed_text(self, n: int) -> str:
        token = self.markets[0].tokens[0] if self.markets else "0"
        if n % 2 == 0:
            return '{"event_type":"book","asset_id":"' + token + '","bids":[{"price":"0.4"'
        return json.dumps(
            {
                "event_type": "price_change",
                "market": "0xmalformed",
                "price_changes": [
                    {"asset_id": token, "price": "not-a-number", "size": "1", "side": "BUY"}
                ],
                "timestamp": self._next_ts(),
            }
        )
