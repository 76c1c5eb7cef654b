"""One token's mutable order book as the live feeds keep it (pure): price -> size per side, cached
best prices, tick and last trade, and the domain `OrderBook` built from it only when it changed.
What may change a book, and when it is trusted, is `live_book.BookSet`'s job."""

from __future__ import annotations

from collections.abc import Iterable

from dashboard_backend.book_events import Side
from dashboard_backend.models import BookLevel, OrderBook

# Prices are multiples of ≥ 0.0001; anything closer is the same price seen through float noise.
PRICE_EPSILON = 1e-9
# Increments are summed in floats; sizes are kept to this many decimals so sums do not drift.
_SIZE_DIGITS = 8


class LiveBook:
    """One token's mutable book: price -> size per side, best prices, tick and last trade."""

    __slots__ = (
        "_ask_best",
        "_ask_known",
        "_asks",
        "_bid_best",
        "_bid_known",
        "_bids",
        "_book",
        "_levels",
        "has_snapshot",
        "hash",
        "last_trade_price",
        "market",
        "min_order_size",
        "stream",
        "tick_size",
        "timestamp",
        "token_id",
    )

    def __init__(self, token_id: str, market: str = ""):
        self.token_id = token_id
        self.market = market
        self._bids: dict[float, float] = {}
        self._asks: dict[float, float] = {}
        # Cached best prices (None = side empty); recomputed when the best level was removed.
        self._bid_best: float | None = None
        self._ask_best: float | None = None
        self._bid_known = True
        self._ask_known = True
        self.tick_size: float | None = None
        self.min_order_size: float | None = None
        self.timestamp: int | None = None
        self.hash: str | None = None
        self.last_trade_price: float | None = None
        self.has_snapshot = False
        self.stream: str | None = None  # the sequenced stream of its last snapshot, if any
        # BookLevel objects by (side, price): building a pydantic level costs ~3.5 µs, so only
        # levels whose size changed are rebuilt by `to_order_book`.
        self._levels: dict[tuple[bool, float], BookLevel] = {}
        self._book: OrderBook | None = None

    def replace(
        self,
        bids: Iterable[tuple[float, float]],
        asks: Iterable[tuple[float, float]],
        timestamp: int | None = None,
        hash_: str | None = None,
        market: str | None = None,
    ) -> None:
        """Replace both sides with a snapshot (zero-size levels are skipped)."""
        self._bids = {p: s for p, s in bids if s > 0.0}
        self._asks = {p: s for p, s in asks if s > 0.0}
        self._bid_best = max(self._bids) if self._bids else None
        self._ask_best = min(self._asks) if self._asks else None
        self._bid_known = self._ask_known = True
        self.timestamp = timestamp
        self.hash = hash_
        if market:
            self.market = market
        self.has_snapshot = True
        self._book = None

    def set_level(self, side: Side, price: float, size: float) -> None:
        """Set the total size at a level; size 0 removes it. BUY = bids, SELL = asks."""
        self._book = None
        if side == "BUY":
            if size > 0.0:
                self._bids[price] = size
                if self._bid_known and (self._bid_best is None or price > self._bid_best):
                    self._bid_best = price
            elif self._bids.pop(price, None) is not None and price == self._bid_best:
                self._bid_known = False
        else:
            if size > 0.0:
                self._asks[price] = size
                if self._ask_known and (self._ask_best is None or price < self._ask_best):
                    self._ask_best = price
            elif self._asks.pop(price, None) is not None and price == self._ask_best:
                self._ask_known = False

    def add_level(self, side: Side, price: float, delta: float) -> bool:
        """Add an increment to a level (0 left removes it); False, unchanged, if it goes below 0."""
        levels = self._bids if side == "BUY" else self._asks
        size = round(levels.get(price, 0.0) + delta, _SIZE_DIGITS)
        if size < 0.0:
            return False
        self.set_level(side, price, size)
        return True

    @property
    def best_bid(self) -> float | None:
        """Highest bid price, None when there are no bids."""
        if not self._bid_known:
            self._bid_best = max(self._bids) if self._bids else None
            self._bid_known = True
        return self._bid_best

    @property
    def best_ask(self) -> float | None:
        """Lowest ask price, None when there are no asks."""
        if not self._ask_known:
            self._ask_best = min(self._asks) if self._asks else None
            self._ask_known = True
        return self._ask_best

    def is_crossed(self) -> bool:
        """Best bid at or above best ask: impossible on a live venue book, so something was lost."""
        bid, ask = self.best_bid, self.best_ask
        return bid is not None and ask is not None and bid >= ask - PRICE_EPSILON

    def levels(self) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        """(bids descending, asks ascending) as (price, size) pairs."""
        bids = sorted(self._bids.items(), reverse=True)
        asks = sorted(self._asks.items())
        return bids, asks

    def to_order_book(self) -> OrderBook:
        """The book as the domain model: bids descending, asks ascending (cached until changed)."""
        if self._book is not None:
            return self._book
        cache = self._levels
        sides: list[list[BookLevel | dict[str, float]]] = []
        for is_bid, items in ((True, self._bids), (False, self._asks)):
            out: list[BookLevel | dict[str, float]] = []
            for price in sorted(items, reverse=is_bid):
                size = items[price]
                level = cache.get((is_bid, price))
                # New levels go in as plain dicts: pydantic-core builds them in one validation
                # call, ~40% cheaper than a Python-side BookLevel(...) each.
                out.append(
                    level
                    if level is not None and level.size == size
                    else {"price": price, "size": size}
                )
            sides.append(out)
        book = OrderBook.model_validate(
            {
                "token_id": self.token_id,
                "market": self.market,
                "bids": sides[0],
                "asks": sides[1],
                "tick_size": self.tick_size,
                "min_order_size": self.min_order_size,
                "timestamp": self.timestamp,
                "hash": self.hash,
                "last_trade_price": self.last_trade_price,
            }
        )
        fresh = {(True, lv.price): lv for lv in book.bids}
        fresh.update(((False, lv.price), lv) for lv in book.asks)
        self._levels = fresh
        self._book = book
        return book

    def set_tick_size(self, tick: float) -> None:
        """The venue changed the minimum tick."""
        self.tick_size = tick
        self._book = None

    def set_last_trade(self, price: float) -> None:
        """The last traded price, for display."""
        self.last_trade_price = price
        self._book = None
