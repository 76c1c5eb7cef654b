"""The books the cross worker prices from, and when each was last known current (pure).

Books arrive as notices (`book_notices.BookNotice`) from REST fetches and live feeds. Each held
book has a time: when it was last known to be the venue's book.

- A REST book is as of its own timestamp: the venue's, or the fetch time when it states none.
- A live feed's book moves with the feed: a change applied at `at` is current at `at`, and while
  the feed vouches (once a second) every book it keeps is current at the vouching time — a book
  that does not change is as current as the connection that would have reported a change.
- A feed only vouches for books it keeps current. A book it restored from a REST copy is as of
  that copy's timestamp; when the copy was already older than the maximum age on arrival (a
  venue serving a stale copy), it stays at that time — deltas on top of a stale copy do not make
  it right — until the feed sends a fresh snapshot. A quiet connection never makes an old copy
  look current.
- A book the feed stopped trusting (a missed delta, a reconnect) is `untrusted` until restored:
  its pairs are not judged meanwhile (they keep their last terms, as intra-market opportunities
  do) and it gets no younger, so an opportunity resting on it is withdrawn once it is too old.
- While a live feed keeps a token, REST copies of it are ignored (the stream is ahead of them);
  when the feed stops vouching, REST copies take over again. A REST copy older than the book
  held is ignored too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from dashboard_backend.book_notices import BookNotice
from dashboard_backend.models import OrderBook

# A feed that vouched this recently still keeps its books (REST copies of them are ignored).
LIVE_GRACE_MS = 3_000


@dataclass(slots=True)
class HeldBook:
    """One followed token's book and how current it is."""

    book: OrderBook
    time: int | None  # ms it was last known current by itself (see the module docstring)
    feed: str | None = None  # venue of the live feed keeping it; None: a REST copy
    vouched: bool = False  # the feed's vouching moves its time forward
    trusted: bool = True


class CrossBooks:
    """Followed tokens' books, updated from notices (see the module docstring)."""

    def __init__(self, max_age_ms: int | None = None):
        self.max_age_ms = max_age_ms
        self.held: dict[str, HeldBook] = {}
        self.vouched_at: dict[str, int] = {}  # feed venue -> time of its last vouching
        self.books: dict[str, OrderBook] = {}  # every held book, for `Pricing.books`
        self.times = _Times(self)

    def time_of(self, token_id: str) -> int | None:
        """When the token's book was last known current (ms), None when unknown or absent."""
        held = self.held.get(token_id)
        if held is None:
            return None
        if held.feed is not None and held.vouched and held.trusted:
            vouched = self.vouched_at.get(held.feed)
            if vouched is not None and (held.time is None or vouched > held.time):
                return vouched
        return held.time

    def age_ms(self, token_id: str, now_ms: int) -> int | None:
        """Milliseconds since the token's book was last known current."""
        time = self.time_of(token_id)
        return None if time is None else max(0, now_ms - time)

    def awaiting(self, token_ids: Iterable[str], now_ms: int) -> bool:
        """Whether any of these tokens' books awaits its feed's restore and is not yet too old
        (a pair reading it is not judged meanwhile; once it is too old, it is judged stale)."""
        held = self.held
        for token in token_ids:
            book = held.get(token)
            if book is None or book.trusted:
                continue
            age = self.age_ms(token, now_ms)
            if self.max_age_ms is None or age is None or age <= self.max_age_ms:
                return True
        return False

    def keep_only(self, token_ids: Iterable[str]) -> None:
        """Forget every book but these tokens'."""
        keep = set(token_ids)
        for token in [t for t in self.held if t not in keep]:
            del self.held[token]
            self.books.pop(token, None)

    def missing(self, token_ids: Iterable[str]) -> list[str]:
        """The tokens among these with no book held."""
        return [t for t in token_ids if t not in self.held]

    def load(self, books: Iterable[OrderBook]) -> set[str]:
        """Stored REST books (read at start-up or for newly followed tokens); returns the tokens."""
        out: set[str] = set()
        for book in books:
            if book.token_id not in self.held:
                self._hold(book.token_id, HeldBook(book, book.timestamp))
                out.add(book.token_id)
        return out

    def apply(self, notice: BookNotice) -> set[str]:
        """Apply a notice; returns the tokens whose book or trust changed."""
        changed: set[str] = set()
        if not notice.live:
            for book in notice.books:
                if self._apply_rest(book, notice.at):
                    changed.add(book.token_id)
            return changed
        for token in notice.untrusted:  # before the vouching, which does not cover them
            held = self.held.get(token)
            if held is not None and held.trusted:
                held.time = self.time_of(token)  # last known current: its last vouching
                held.trusted = False
                held.vouched = False
                changed.add(token)
        if notice.vouch:
            previous = self.vouched_at.get(notice.venue)
            if previous is None or notice.at > previous:
                self.vouched_at[notice.venue] = notice.at
        for book in notice.current:
            self._apply_change(notice, book)
            changed.add(book.token_id)
        for book in notice.books:
            self._apply_restored(notice, book)
            changed.add(book.token_id)
        return changed

    def _apply_change(self, notice: BookNotice, book: OrderBook) -> None:
        held = self.held.get(book.token_id)
        if held is not None and held.feed == notice.venue and held.trusted and not held.vouched:
            # A change on top of a stale copy: the feed keeps it, but it is no fresher.
            self._hold(book.token_id, HeldBook(book, held.time, notice.venue, False))
            return
        self._hold(book.token_id, HeldBook(book, notice.at, notice.venue, True))

    def _apply_restored(self, notice: BookNotice, book: OrderBook) -> None:
        stated = book.timestamp
        fresh = stated is None or self.max_age_ms is None or notice.at - stated <= self.max_age_ms
        time = notice.at if stated is None else min(stated, notice.at)
        self._hold(book.token_id, HeldBook(book, time, notice.venue, fresh))

    def _apply_rest(self, book: OrderBook, at: int) -> bool:
        held = self.held.get(book.token_id)
        if held is not None and self._kept_live(held, at):
            return False  # the stream is ahead of any REST copy
        time = book.timestamp if book.timestamp is not None else at
        current = self.time_of(book.token_id)
        if held is not None and held.trusted and current is not None and time < current:
            return False  # older than the copy held
        self._hold(book.token_id, HeldBook(book, time))
        return True

    def _kept_live(self, held: HeldBook, at: int) -> bool:
        if held.feed is None or not held.trusted:
            return False
        vouched = self.vouched_at.get(held.feed)
        return vouched is not None and at - vouched <= LIVE_GRACE_MS

    def _hold(self, token: str, held: HeldBook) -> None:
        self.held[token] = held
        self.books[token] = held.book


class _Times(Mapping[str, int]):
    """`CrossBooks.time_of` as a read-only mapping (for `Pricing.book_times`)."""

    __slots__ = ("_books",)

    def __init__(self, books: CrossBooks):
        self._books = books

    def __getitem__(self, token_id: str) -> int:
        time = self._books.time_of(token_id)
        if time is None:
            raise KeyError(token_id)
        return time

    def get(self, token_id: str, default: int | None = None) -> int | None:  # type: ignore[override]
        """`time_of` straight (the pricing path calls this per leg; no KeyError round trip)."""
        time = self._books.time_of(token_id)
        return default if time is None else time

    def __iter__(self) -> Iterator[str]:
        return iter(self._books.held)

    def __len__(self) -> int:
        return len(self._books.held)
