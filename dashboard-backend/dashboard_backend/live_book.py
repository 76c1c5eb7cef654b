"""Local order books kept from the market channel, and when each one can be trusted (pure).

A token's book is trusted once it holds a snapshot (a `book` message, or a REST book) and no rule
below has been broken since. An untrusted book is never used for opportunities; it is resynced:

- a `price_change` for a token with no snapshot yet,
- a book that is crossed (best bid ≥ best ask) after an update,
- a book whose best bid/ask disagree with the ones the venue states in the last `price_change`,
- a reconnect (deltas may have been missed while disconnected),
- more deltas buffered during a resync than `max_buffered`.

The market channel carries no sequence number, and its `hash` is computed over the venue's own
serialisation (not documented), so it is stored for display but cannot be verified here.

While a token awaits its REST snapshot its deltas are buffered, not dropped, and replayed on the
snapshot in arrival order. `size` is the level's new *total*, so replaying a delta the snapshot
already includes rewrites the value it already has, and every later change to that level is also
in the buffer: snapshot + replay equals the stream's state wherever the snapshot fell within the
buffered window. Dropping them instead would leave any level changed after the snapshot (and not
changed again) wrong until the next snapshot. A `book` message arriving meanwhile is itself an
in-stream snapshot: it is applied, the buffer is discarded and the REST answer will be ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dashboard_backend.models import BookLevel, OrderBook
from dashboard_backend.venues.polymarket.ws_messages import (
    BookMessage,
    LastTradePriceMessage,
    Message,
    PriceChangeMessage,
    PriceLevelChange,
    Side,
    TickSizeChangeMessage,
)

# Prices are multiples of ≥ 0.0001; anything closer is the same price seen through float noise.
_PRICE_EPSILON = 1e-9


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
        return bid is not None and ask is not None and bid >= ask - _PRICE_EPSILON

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


@dataclass(slots=True)
class ApplyOutcome:
    """What a batch of messages did."""

    changed: set[str] = field(default_factory=set)  # trusted books whose levels/tick moved
    dirty: set[str] = field(default_factory=set)  # books worth writing out (incl. last trade)
    resync: set[str] = field(default_factory=set)  # tokens that now need a REST snapshot
    changes: int = 0  # level changes and snapshots applied


def _agrees(ours: float | None, stated: str | None) -> bool:
    """Whether our best price matches the venue's stated one ("0" = empty side; absent = agree)."""
    if not stated:
        return True
    try:
        value = float(stated)
    except ValueError:
        return True  # unreadable: nothing to compare against
    if value <= 0.0:
        return ours is None
    return ours is not None and abs(ours - value) <= _PRICE_EPSILON


class BookSet:
    """Every followed token's LiveBook plus its trust state (see the module docstring)."""

    def __init__(self, max_buffered: int = 50_000):
        self.max_buffered = max_buffered
        self.books: dict[str, LiveBook] = {}
        # Tokens awaiting a snapshot -> their deltas since, in arrival order.
        self.pending: dict[str, list[PriceLevelChange]] = {}
        # When each token's buffer started, on a counter bumped at every start: a REST snapshot
        # requested before the buffer started may miss deltas the buffer does not hold.
        self._pending_since: dict[str, int] = {}
        self._epoch = 0

    def mark(self) -> int:
        """A point to pass to `apply_snapshot` for snapshots requested from now on."""
        return self._epoch

    def _start_pending(self, token_id: str, first: PriceLevelChange | None = None) -> None:
        self._epoch += 1
        self.pending[token_id] = [first] if first is not None else []
        self._pending_since[token_id] = self._epoch

    def track(self, token_ids: Iterable[str], markets: dict[str, str] | None = None) -> None:
        """Follow these tokens (an empty, untrusted book each until a snapshot arrives)."""
        for tid in token_ids:
            if tid not in self.books:
                self.books[tid] = LiveBook(tid, (markets or {}).get(tid, ""))

    def untrack(self, token_ids: Iterable[str]) -> None:
        """Stop following these tokens and forget their books."""
        for tid in token_ids:
            self.books.pop(tid, None)
            self.pending.pop(tid, None)
            self._pending_since.pop(tid, None)

    def invalidate(self, token_ids: Iterable[str]) -> set[str]:
        """Distrust these books until a snapshot arrives; returns the ones newly pending."""
        newly: set[str] = set()
        for tid in token_ids:
            if tid in self.books and tid not in self.pending:
                self._start_pending(tid)
                newly.add(tid)
        return newly

    def trusted(self, token_id: str) -> LiveBook | None:
        """The book if it can be used for opportunities, else None."""
        book = self.books.get(token_id)
        if book is None or not book.has_snapshot or token_id in self.pending:
            return None
        return book

    def apply(self, messages: Iterable[Message], out: ApplyOutcome) -> None:
        """Apply decoded messages in order, recording what changed and what needs a resync."""
        books = self.books
        pending = self.pending
        for msg in messages:
            if isinstance(msg, PriceChangeMessage):
                last: dict[str, PriceLevelChange] = {}
                for ch in msg.price_changes:
                    tid = ch.asset_id
                    book = books.get(tid)
                    if book is None:
                        continue
                    buffered = pending.get(tid)
                    if buffered is not None:
                        if len(buffered) >= self.max_buffered:
                            # Too far behind: only a snapshot requested from now on will do.
                            self._start_pending(tid, ch)
                            out.resync.add(tid)
                        else:
                            buffered.append(ch)
                        continue
                    if not book.has_snapshot:
                        self._start_pending(tid, ch)
                        out.resync.add(tid)
                        continue
                    book.set_level(ch.side, ch.price, ch.size)
                    last[tid] = ch
                    out.changes += 1
                for tid, ch in last.items():
                    self._check(books[tid], ch, out)
            elif isinstance(msg, BookMessage):
                book = books.get(msg.asset_id)
                if book is None:
                    continue
                book.replace(
                    ((lv.price, lv.size) for lv in msg.bids),
                    ((lv.price, lv.size) for lv in msg.asks),
                    msg.timestamp,
                    msg.hash,
                    msg.market,
                )
                if pending.pop(msg.asset_id, None) is not None:
                    del self._pending_since[msg.asset_id]
                out.changes += 1
                self._check(book, None, out)
            elif isinstance(msg, TickSizeChangeMessage):
                book = books.get(msg.asset_id)
                if book is not None:
                    book.set_tick_size(msg.new_tick_size)
                    out.dirty.add(msg.asset_id)
                    if msg.asset_id not in pending and book.has_snapshot:
                        out.changed.add(msg.asset_id)
            elif isinstance(msg, LastTradePriceMessage):
                book = books.get(msg.asset_id)
                if book is not None:
                    book.set_last_trade(msg.price)
                    out.dirty.add(msg.asset_id)

    def _check(self, book: LiveBook, last: PriceLevelChange | None, out: ApplyOutcome) -> None:
        """Keep the book trusted if consistent, else mark it for resync."""
        tid = book.token_id
        out.dirty.add(tid)
        consistent = not book.is_crossed()
        if consistent and last is not None:
            consistent = _agrees(book.best_bid, last.best_bid) and _agrees(
                book.best_ask, last.best_ask
            )
        if consistent:
            out.changed.add(tid)
        else:
            self._start_pending(tid)
            out.resync.add(tid)
            out.changed.discard(tid)

    def apply_snapshot(
        self, snapshot: OrderBook, out: ApplyOutcome, requested_at: int | None = None
    ) -> bool:
        """Apply a REST snapshot to a pending token and replay its buffered deltas.

        Ignored (False) when the token is not pending (an in-stream `book` got there first) or,
        given the `mark()` taken when it was requested, when its buffer started after that.
        """
        tid = snapshot.token_id
        book = self.books.get(tid)
        since = self._pending_since.get(tid)
        if book is None or since is None:
            return False
        if requested_at is not None and since > requested_at:
            return False
        buffered = self.pending.pop(tid)
        del self._pending_since[tid]
        book.replace(
            ((lv.price, lv.size) for lv in snapshot.bids),
            ((lv.price, lv.size) for lv in snapshot.asks),
            snapshot.timestamp,
            snapshot.hash,
            snapshot.market,
        )
        if snapshot.tick_size is not None:
            book.tick_size = snapshot.tick_size
        if snapshot.min_order_size is not None:
            book.min_order_size = snapshot.min_order_size
        if snapshot.last_trade_price is not None:
            book.last_trade_price = snapshot.last_trade_price
        for ch in buffered:
            book.set_level(ch.side, ch.price, ch.size)
        out.changes += 1 + len(buffered)
        self._check(book, buffered[-1] if buffered else None, out)
        return True
