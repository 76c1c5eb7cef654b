"""CrossBooks: which book the cross worker prices from and when it was last known current."""

from __future__ import annotations

from dashboard_backend.book_notices import BookNotice
from dashboard_backend.cross.books import LIVE_GRACE_MS, CrossBooks
from dashboard_backend.models import BookLevel, OrderBook

MAX_AGE_MS = 30_000
T0 = 1_767_000_000_000


def ask_book(token: str, price: float, stamp: int | None = None) -> OrderBook:
    return OrderBook(token_id=token, asks=(BookLevel(price=price, size=10.0),), timestamp=stamp)


def rest(*books: OrderBook, at: int, venue: str = "kalshi") -> BookNotice:
    return BookNotice(venue=venue, at=at, books=books)


def live(at: int, **fields: object) -> BookNotice:
    return BookNotice.model_validate({"venue": "polymarket", "live": True, "at": at, **fields})


def test_a_rest_book_is_as_of_its_own_time_and_an_older_copy_never_replaces_it() -> None:
    books = CrossBooks(MAX_AGE_MS)
    assert books.apply(rest(ask_book("k", 0.40, T0), at=T0 + 500)) == {"k"}
    assert books.time_of("k") == T0
    assert books.age_ms("k", T0 + 12_000) == 12_000
    # A copy the venue stamped earlier (a slow response overtaken) is ignored.
    assert books.apply(rest(ask_book("k", 0.45, T0 - 1_000), at=T0 + 900)) == set()
    assert books.books["k"].asks[0].price == 0.40
    # Kalshi states no time: the notice's time (the fetch) is used.
    assert books.apply(rest(ask_book("k", 0.42), at=T0 + 5_000)) == {"k"}
    assert books.time_of("k") == T0 + 5_000


def test_a_live_feed_keeps_quiet_books_current_by_vouching() -> None:
    books = CrossBooks(MAX_AGE_MS)
    books.apply(live(T0, current=[ask_book("p", 0.55, T0 - 3_600_000)]))
    assert books.time_of("p") == T0  # changed by the feed now, whatever its snapshot time
    books.apply(live(T0 + 60_000, vouch=True))
    assert books.time_of("p") == T0 + 60_000
    assert books.age_ms("p", T0 + 61_000) == 1_000
    # Another venue's vouching says nothing of this feed's books.
    books.apply(BookNotice(venue="kalshi", live=True, at=T0 + 90_000, vouch=True))
    assert books.time_of("p") == T0 + 60_000


def test_an_untrusted_book_stops_aging_gracefully_until_the_feed_restores_it() -> None:
    books = CrossBooks(MAX_AGE_MS)
    books.apply(live(T0, current=[ask_book("p", 0.55)]))
    books.apply(live(T0 + 500, vouch=True))
    assert books.apply(live(T0 + 1_000, untrusted=["p"], vouch=True)) == {"p"}
    assert books.awaiting(["p"], T0 + 1_000)
    assert books.time_of("p") == T0 + 500  # its last vouching; this one skips it
    books.apply(live(T0 + 2_000, vouch=True))
    assert books.time_of("p") == T0 + 500
    assert not books.awaiting(["p"], T0 + 500 + MAX_AGE_MS + 1)  # too old to wait: judged stale
    books.apply(live(T0 + 3_000, current=[ask_book("p", 0.50)]))
    assert not books.awaiting(["p"], T0 + 3_000)
    assert books.time_of("p") == T0 + 3_000


def test_a_stale_rest_copy_restored_by_the_feed_is_never_made_current() -> None:
    books = CrossBooks(MAX_AGE_MS)
    old = T0 - 3_600_000  # the venue served an hour-old copy
    books.apply(live(T0, books=[ask_book("p", 0.55, old)]))
    assert books.time_of("p") == old
    books.apply(live(T0 + 1_000, vouch=True))
    assert books.time_of("p") == old
    books.apply(live(T0 + 2_000, current=[ask_book("p", 0.54, old)]))  # deltas on the stale copy
    assert books.time_of("p") == old
    # A copy fresh on arrival is as current as the feed.
    books.apply(live(T0 + 3_000, books=[ask_book("q", 0.30, T0 + 2_500)]))
    books.apply(live(T0 + 9_000, vouch=True))
    assert books.time_of("q") == T0 + 9_000


def test_rest_copies_are_ignored_while_the_feed_vouches_and_used_when_it_falls_silent() -> None:
    books = CrossBooks(MAX_AGE_MS)
    books.apply(live(T0, current=[ask_book("p", 0.55)], vouch=True))
    newer_rest = rest(ask_book("p", 0.60, T0 + 1_000), at=T0 + 1_000, venue="polymarket")
    assert books.apply(newer_rest) == set()
    assert books.books["p"].asks[0].price == 0.55
    silent = T0 + LIVE_GRACE_MS + 1_000
    assert books.apply(rest(ask_book("p", 0.60, silent), at=silent, venue="polymarket")) == {"p"}
    assert books.books["p"].asks[0].price == 0.60
    assert books.time_of("p") == silent


def test_load_and_keep_only() -> None:
    books = CrossBooks(MAX_AGE_MS)
    assert books.load([ask_book("a", 0.1, T0), ask_book("b", 0.2, T0)]) == {"a", "b"}
    assert books.load([ask_book("a", 0.9, T0 + 1)]) == set()  # held books are not reloaded
    assert books.missing(["a", "c"]) == ["c"]
    books.keep_only(["b"])
    assert set(books.books) == set(books.held) == {"b"}
    assert dict(books.times) == {"b": T0}
