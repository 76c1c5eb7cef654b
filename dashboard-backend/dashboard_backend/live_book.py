"""Local order books kept from venue-neutral book events, and when each one can be trusted (pure).

Every venue's feed is decoded at its edge into the events of `book_events.py`; this module applies
them the same way whatever the venue. A token's book is trusted once it holds a snapshot (in the
stream, or from REST) and no rule below has been broken since. An untrusted book is never used for
opportunities; it is resynced:

- a level change for a token with no snapshot yet,
- a book that is crossed (best bid ≥ best ask) after an update,
- a book whose best bid/ask disagree with the ones the venue states with a level total,
- an increment that would take a level below zero,
- a gap in a sequenced stream (`Sequenced.seq` not following the previous one): every book that
  stream feeds is distrusted, since the lost message may have moved any of them,
- a reconnect (changes may have been missed while disconnected),
- more level totals buffered during a resync than `max_buffered`.

Level totals (Polymarket's market channel) carry no sequence number, and the venue's `hash` is
computed over its own serialisation (not documented), so it is stored for display but cannot be
verified here. While such a token awaits its REST snapshot its changes are buffered, not dropped,
and replayed on the snapshot in arrival order. A total is idempotent, so replaying one the
snapshot already includes rewrites the value it already has, and every later change to that level
is also in the buffer: snapshot + replay equals the stream's state wherever the snapshot fell
within the buffered window. An in-stream snapshot arriving meanwhile is applied, the buffer is
discarded and the REST answer will be ignored.

Increments (Kalshi's `orderbook_delta`) are not idempotent, and a REST book carries no sequence
number: nothing tells which buffered increments it already includes. So a book fed by a sequenced
stream is bound to the stream of its last snapshot and restored by that stream's own snapshots
(the feed resubscribes it); increments from any other stream (a subscription replaced since) are
ignored. A REST snapshot is only accepted for a pending book when no increment for it arrived
after the request was sent: increments that arrived before are in that book.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dashboard_backend.book_events import (
    BookEvent,
    LastTrade,
    LevelDelta,
    LevelSet,
    LevelSets,
    Sequenced,
    Snapshot,
    TickSize,
)
from dashboard_backend.local_book import PRICE_EPSILON, LiveBook
from dashboard_backend.models import OrderBook

__all__ = ["ApplyOutcome", "BookSet", "LiveBook"]


@dataclass(slots=True)
class ApplyOutcome:
    """What a batch of events did."""

    changed: set[str] = field(default_factory=set)  # trusted books whose levels/tick moved
    dirty: set[str] = field(default_factory=set)  # books worth writing out (incl. last trade)
    resync: set[str] = field(default_factory=set)  # tokens that now need a snapshot
    changes: int = 0  # level changes and snapshots applied
    gaps: int = 0  # sequence gaps seen
    restored: int = 0  # distrusted books restored by an in-stream snapshot


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
    return ours is not None and abs(ours - value) <= PRICE_EPSILON


class BookSet:
    """Every followed token's LiveBook plus its trust state (see the module docstring)."""

    def __init__(self, max_buffered: int = 50_000):
        self.max_buffered = max_buffered
        self.books: dict[str, LiveBook] = {}
        # Tokens awaiting a snapshot -> their level totals since, in arrival order.
        self.pending: dict[str, list[LevelSet]] = {}
        # When each token's buffer started, on a counter bumped at every start: a REST snapshot
        # requested before the buffer started may miss changes the buffer does not hold.
        self._pending_since: dict[str, int] = {}
        # Pending tokens -> the counter when their last increment arrived (not replayable).
        self._increment_at: dict[str, int] = {}
        self._epoch = 0
        # Sequenced streams: the last seq seen, and the tokens whose snapshot each one sent.
        self._seqs: dict[str, int] = {}
        self._bound: dict[str, set[str]] = {}

    def mark(self) -> int:
        """A point to pass to `apply_snapshot` for snapshots requested from now on."""
        return self._epoch

    def _start_pending(self, token_id: str, first: LevelSet | None = None) -> None:
        self._epoch += 1
        self.pending[token_id] = [first] if first is not None else []
        self._pending_since[token_id] = self._epoch

    def _end_pending(self, token_id: str) -> list[LevelSet] | None:
        """Stop buffering a token (a snapshot arrived); its buffer, or None if it had none."""
        buffered = self.pending.pop(token_id, None)
        if buffered is not None:
            del self._pending_since[token_id]
            self._increment_at.pop(token_id, None)
        return buffered

    def track(self, token_ids: Iterable[str], markets: dict[str, str] | None = None) -> None:
        """Follow these tokens (an empty, untrusted book each until a snapshot arrives)."""
        for tid in token_ids:
            if tid not in self.books:
                self.books[tid] = LiveBook(tid, (markets or {}).get(tid, ""))

    def untrack(self, token_ids: Iterable[str]) -> None:
        """Stop following these tokens and forget their books."""
        for tid in token_ids:
            book = self.books.pop(tid, None)
            if book is not None:
                self._bind(book, None)
            self._end_pending(tid)

    def invalidate(self, token_ids: Iterable[str]) -> set[str]:
        """Distrust these books until a snapshot arrives; returns the ones newly pending."""
        newly: set[str] = set()
        for tid in token_ids:
            if tid in self.books and tid not in self.pending:
                self._start_pending(tid)
                newly.add(tid)
        return newly

    def reset_streams(self) -> None:
        """Forget every sequenced stream (a new connection numbers its own from scratch)."""
        for book in self.books.values():
            book.stream = None
        self._seqs.clear()
        self._bound.clear()

    def trusted(self, token_id: str) -> LiveBook | None:
        """The book if it can be used for opportunities, else None."""
        book = self.books.get(token_id)
        if book is None or not book.has_snapshot or token_id in self.pending:
            return None
        return book

    def apply(self, events: Iterable[BookEvent], out: ApplyOutcome) -> None:
        """Apply book events in order, recording what changed and what needs a resync."""
        books = self.books
        pending = self.pending
        for ev in events:
            if isinstance(ev, LevelSets):
                last: dict[str, LevelSet] = {}
                for ch in ev.changes:
                    tid = ch.token_id
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
            elif isinstance(ev, Snapshot):
                self._snapshot(ev, None, out)
            elif isinstance(ev, Sequenced):
                self._sequenced(ev, out)
            elif isinstance(ev, TickSize):
                book = books.get(ev.token_id)
                if book is not None:
                    book.set_tick_size(ev.tick_size)
                    out.dirty.add(ev.token_id)
                    if ev.token_id not in pending and book.has_snapshot:
                        out.changed.add(ev.token_id)
            elif isinstance(ev, LastTrade):
                book = books.get(ev.token_id)
                if book is not None:
                    book.set_last_trade(ev.price)
                    out.dirty.add(ev.token_id)

    def _snapshot(self, snap: Snapshot, stream: str | None, out: ApplyOutcome) -> None:
        book = self.books.get(snap.token_id)
        if book is None:
            return
        _load(book, snap)
        self._bind(book, stream)
        if self._end_pending(snap.token_id) is not None:
            out.restored += 1
        out.changes += 1
        self._check(book, None, out)

    def _bind(self, book: LiveBook, stream: str | None) -> None:
        """Record which sequenced stream now feeds the book (None: none)."""
        if book.stream == stream:
            return
        if book.stream is not None:
            self._bound.get(book.stream, set()).discard(book.token_id)
        if stream is not None:
            self._bound.setdefault(stream, set()).add(book.token_id)
        book.stream = stream

    def _sequenced(self, ev: Sequenced, out: ApplyOutcome) -> None:
        stream = ev.stream
        previous = self._seqs.get(stream)
        self._seqs[stream] = ev.seq
        if previous is not None and ev.seq != previous + 1:
            # A message was lost (or repeated): any book of this stream may have missed it.
            out.gaps += 1
            for tid in self._bound.get(stream, ()):
                self._start_pending(tid)
                out.resync.add(tid)
                out.changed.discard(tid)
        touched: dict[str, None] = {}
        for inner in ev.events:
            if isinstance(inner, Snapshot):
                self._snapshot(inner, stream, out)
                touched.pop(inner.token_id, None)
            else:
                self._increment(inner, stream, out, touched)
        for tid in touched:
            self._check(self.books[tid], None, out)

    def _increment(
        self, delta: LevelDelta, stream: str, out: ApplyOutcome, touched: dict[str, None]
    ) -> None:
        tid = delta.token_id
        book = self.books.get(tid)
        if book is None:
            return
        if book.stream != stream:
            if book.stream is not None:
                return  # a late message of a subscription replaced since
            if tid not in self.pending:
                # An increment before this stream's snapshot: nothing to add it to.
                self._start_pending(tid)
                out.resync.add(tid)
            return
        if tid in self.pending:
            self._epoch += 1
            self._increment_at[tid] = self._epoch
            return
        if not book.add_level(delta.side, delta.price, delta.delta):
            # More taken from a level than it held: an increment was missed.
            self._start_pending(tid)
            out.resync.add(tid)
            out.changed.discard(tid)
            touched.pop(tid, None)
            return
        out.changes += 1
        touched[tid] = None

    def _check(self, book: LiveBook, last: LevelSet | None, out: ApplyOutcome) -> None:
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
        """Apply a REST snapshot to a pending token and replay its buffered level totals.

        Ignored (False) when the token is not pending (an in-stream snapshot got there first)
        or, given the `mark()` taken when it was requested, when its buffer started after that,
        or when an increment for it arrived after that (or at all, without a mark).
        """
        tid = snapshot.token_id
        book = self.books.get(tid)
        since = self._pending_since.get(tid)
        if book is None or since is None:
            return False
        if requested_at is not None and since > requested_at:
            return False
        increment = self._increment_at.get(tid)
        if increment is not None and (requested_at is None or increment > requested_at):
            return False
        buffered = self._end_pending(tid) or []
        _load(book, snapshot)
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


def _load(book: LiveBook, snapshot: Snapshot | OrderBook) -> None:
    """Replace the book's levels with a snapshot's, from the stream or from REST."""
    book.replace(
        ((lv.price, lv.size) for lv in snapshot.bids),
        ((lv.price, lv.size) for lv in snapshot.asks),
        snapshot.timestamp,
        snapshot.hash,
        snapshot.market,
    )
