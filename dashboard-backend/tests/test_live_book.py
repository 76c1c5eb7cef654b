"""LiveBook mutations and BookSet trust rules (pure, no I/O), on Polymarket's market-channel
messages (which its edge decodes as venue-neutral book events)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.live_book import ApplyOutcome, BookSet, LiveBook
from dashboard_backend.models import BookLevel, OrderBook
from dashboard_backend.venues.polymarket.ws_messages import (
    BookMessage,
    Level,
    PriceChangeMessage,
    PriceLevelChange,
    decode_frame,
)


def _book_msg(
    tid: str, bids: list[tuple[float, float]], asks: list[tuple[float, float]]
) -> BookMessage:
    return BookMessage(
        token_id=tid,
        market="m",
        bids=tuple(Level(p, s) for p, s in bids),
        asks=tuple(Level(p, s) for p, s in asks),
        timestamp=1,
        hash="h0",
    )


def _change(
    tid: str,
    side: str,
    price: float,
    size: float,
    best_bid: str | None = None,
    best_ask: str | None = None,
) -> PriceChangeMessage:
    return PriceChangeMessage(
        market="m",
        timestamp=2,
        changes=(
            PriceLevelChange(
                token_id=tid,
                price=price,
                size=size,
                side=side,  # type: ignore[arg-type]
                best_bid=best_bid,
                best_ask=best_ask,
            ),
        ),
    )


def test_recorded_snapshot_is_sorted_best_first(shared_data: Path) -> None:
    text = (shared_data / "nautilus_polymarket" / "py_ws_messages_book.json").read_text()
    raw = json.loads(text)
    books = BookSet()
    books.track([raw["asset_id"]])
    out = ApplyOutcome()
    books.apply(decode_frame(text), out)
    book = books.trusted(raw["asset_id"])
    assert book is not None
    ob = book.to_order_book()
    bid_prices = [lv.price for lv in ob.bids]
    ask_prices = [lv.price for lv in ob.asks]
    assert bid_prices == sorted(bid_prices, reverse=True)
    assert ask_prices == sorted(ask_prices)
    assert ob.best_bid == max(float(lv["price"]) for lv in raw["bids"])
    assert ob.best_ask == min(float(lv["price"]) for lv in raw["asks"])
    assert len(ob.bids) == len(raw["bids"])
    assert len(ob.asks) == len(raw["asks"])
    assert out.changed == {raw["asset_id"]}


def test_price_change_sets_and_zero_removes_levels() -> None:
    book = LiveBook("t")
    book.replace([(0.40, 10.0), (0.41, 5.0)], [(0.45, 7.0), (0.46, 3.0)])
    book.set_level("BUY", 0.42, 8.0)
    book.set_level("BUY", 0.40, 12.0)
    book.set_level("SELL", 0.45, 0.0)
    book.set_level("SELL", 0.44, 1.5)
    ob = book.to_order_book()
    assert ob.bids == (
        BookLevel(price=0.42, size=8.0),
        BookLevel(price=0.41, size=5.0),
        BookLevel(price=0.40, size=12.0),
    )
    assert ob.asks == (BookLevel(price=0.44, size=1.5), BookLevel(price=0.46, size=3.0))
    book.set_level("SELL", 0.44, 0.0)
    book.set_level("BUY", 0.42, 0.0)
    assert (book.best_bid, book.best_ask) == (0.41, 0.46)
    book.set_level("SELL", 0.46, 0.0)
    assert book.best_ask is None
    assert book.to_order_book().asks == ()


def test_to_order_book_is_cached_until_a_change() -> None:
    book = LiveBook("t")
    book.replace([(0.4, 1.0)], [(0.6, 1.0)])
    first = book.to_order_book()
    assert book.to_order_book() is first
    book.set_last_trade(0.5)
    second = book.to_order_book()
    assert second is not first
    assert second.last_trade_price == 0.5
    book.set_tick_size(0.001)
    assert book.to_order_book().tick_size == 0.001


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["BUY", "SELL"]),
            st.integers(min_value=1, max_value=99),
            st.sampled_from([0.0, 0.0, 1.0, 2.5, 100.0]),
        ),
        max_size=80,
    )
)
def test_best_prices_match_a_full_scan(ops: list[tuple[str, int, float]]) -> None:
    book = LiveBook("t")
    book.replace([(0.2, 1.0)], [(0.8, 1.0)])
    bids: dict[float, float] = {0.2: 1.0}
    asks: dict[float, float] = {0.8: 1.0}
    for side, cents, size in ops:
        price = cents / 100
        book.set_level(side, price, size)  # type: ignore[arg-type]
        levels = bids if side == "BUY" else asks
        if size > 0:
            levels[price] = size
        else:
            levels.pop(price, None)
        assert book.best_bid == (max(bids) if bids else None)
        assert book.best_ask == (min(asks) if asks else None)
    ob = book.to_order_book()
    assert [(lv.price, lv.size) for lv in ob.bids] == sorted(bids.items(), reverse=True)
    assert [(lv.price, lv.size) for lv in ob.asks] == sorted(asks.items())


def test_delta_before_any_snapshot_is_buffered_and_replayed_on_rest_snapshot() -> None:
    books = BookSet()
    books.track(["a"])
    out = ApplyOutcome()
    books.apply([_change("a", "BUY", 0.30, 5.0), _change("a", "SELL", 0.60, 0.0)], out)
    assert out.resync == {"a"}
    assert out.changed == set()
    assert books.trusted("a") is None
    snapshot = OrderBook(
        token_id="a",
        bids=(BookLevel(price=0.3, size=1.0), BookLevel(price=0.29, size=4.0)),
        asks=(BookLevel(price=0.6, size=9.0), BookLevel(price=0.7, size=2.0)),
        tick_size=0.01,
        min_order_size=5.0,
    )
    out = ApplyOutcome()
    assert books.apply_snapshot(snapshot, out)
    book = books.trusted("a")
    assert book is not None
    bids, asks = book.levels()
    assert bids == [(0.30, 5.0), (0.29, 4.0)]
    assert asks == [(0.7, 2.0)]
    assert book.min_order_size == 5.0
    assert out.changed == {"a"}
    # A second REST answer for a token no longer pending is ignored.
    assert not books.apply_snapshot(snapshot, ApplyOutcome())
    assert book.levels()[1] == [(0.7, 2.0)]


def test_in_stream_book_supersedes_a_pending_resync() -> None:
    books = BookSet()
    books.track(["a"])
    assert books.invalidate(["a"]) == {"a"}
    books.apply([_change("a", "BUY", 0.1, 1.0)], ApplyOutcome())
    out = ApplyOutcome()
    books.apply([_book_msg("a", [(0.4, 1.0)], [(0.5, 1.0)])], out)
    assert out.changed == {"a"}
    book = books.trusted("a")
    assert book is not None
    assert book.levels() == ([(0.4, 1.0)], [(0.5, 1.0)])
    stale = OrderBook(token_id="a", bids=(BookLevel(price=0.2, size=1.0),))
    assert not books.apply_snapshot(stale, ApplyOutcome())
    assert book.levels() == ([(0.4, 1.0)], [(0.5, 1.0)])


def test_crossed_book_after_update_is_resynced_not_used() -> None:
    books = BookSet()
    books.track(["a"])
    books.apply([_book_msg("a", [(0.4, 1.0)], [(0.5, 1.0)])], ApplyOutcome())
    out = ApplyOutcome()
    books.apply([_change("a", "BUY", 0.55, 3.0)], out)
    assert out.resync == {"a"}
    assert "a" not in out.changed
    assert books.trusted("a") is None
    # Deltas now wait for the snapshot.
    books.apply([_change("a", "BUY", 0.55, 0.0)], ApplyOutcome())
    assert books.pending["a"][-1].size == 0.0


def test_disagreeing_stated_best_prices_trigger_a_resync() -> None:
    books = BookSet()
    books.track(["a", "b"])
    books.apply(
        [_book_msg("a", [(0.4, 1.0)], [(0.5, 1.0)]), _book_msg("b", [(0.4, 1.0)], [(0.5, 1.0)])],
        ApplyOutcome(),
    )
    out = ApplyOutcome()
    books.apply(
        [
            _change("a", "BUY", 0.45, 2.0, best_bid="0.45", best_ask="0.5"),
            _change("b", "BUY", 0.45, 2.0, best_bid="0.42", best_ask="0.5"),
        ],
        out,
    )
    assert out.changed == {"a"}
    assert out.resync == {"b"}
    out = ApplyOutcome()
    books.apply([_change("a", "SELL", 0.5, 0.0, best_bid="0.45", best_ask="0")], out)
    assert out.changed == {"a"}
    assert out.resync == set()


def test_untracked_tokens_are_ignored_and_untrack_forgets() -> None:
    books = BookSet()
    books.track(["a"])
    out = ApplyOutcome()
    books.apply([_book_msg("zz", [(0.4, 1.0)], []), _change("zz", "BUY", 0.1, 1.0)], out)
    assert out.changed == set()
    assert out.resync == set()
    assert "zz" not in books.books
    books.untrack(["a"])
    assert books.books == {}
    assert books.pending == {}


def test_buffer_overflow_restarts_the_resync() -> None:
    books = BookSet(max_buffered=3)
    books.track(["a"])
    books.invalidate(["a"])
    out = ApplyOutcome()
    books.apply([_change("a", "BUY", 0.1 + i / 100, 1.0) for i in range(4)], out)
    assert out.resync == {"a"}
    assert len(books.pending["a"]) == 1


def test_snapshot_plus_replay_equals_stream_state_wherever_the_snapshot_falls() -> None:
    rng = random.Random(7)
    deltas: list[tuple[str, float, float]] = []
    for _ in range(60):
        side = rng.choice(["BUY", "SELL"])
        # Bids below 0.21, asks above 0.50: never crossed, so only the replay is under test.
        price = rng.randint(1, 20) / 100 + (0.0 if side == "BUY" else 0.5)
        deltas.append((side, price, rng.choice([0.0, 1.0, 2.0, 3.0])))

    def state_after(n: int) -> tuple[dict[float, float], dict[float, float]]:
        bids: dict[float, float] = {}
        asks: dict[float, float] = {}
        for side, price, size in deltas[:n]:
            levels = bids if side == "BUY" else asks
            if size > 0:
                levels[price] = size
            else:
                levels.pop(price, None)
        return bids, asks

    final_bids, final_asks = state_after(len(deltas))
    for cut in (0, 10, 30, 59, 60):
        books = BookSet()
        books.track(["a"])
        books.invalidate(["a"])
        for side, price, size in deltas:
            books.apply([_change("a", side, price, size)], ApplyOutcome())
        bids, asks = state_after(cut)
        snapshot = OrderBook(
            token_id="a",
            bids=tuple(BookLevel(price=p, size=s) for p, s in bids.items()),
            asks=tuple(BookLevel(price=p, size=s) for p, s in asks.items()),
        )
        books.apply_snapshot(snapshot, ApplyOutcome())
        book = books.trusted("a")
        assert book is not None
        assert book.levels() == (
            sorted(final_bids.items(), reverse=True),
            sorted(final_asks.items()),
        ), cut


def test_rest_snapshot_requested_before_the_buffer_started_is_refused() -> None:
    books = BookSet()
    books.track(["a"])
    books.apply([_book_msg("a", [(0.4, 1.0)], [(0.5, 1.0)])], ApplyOutcome())
    requested = books.mark()  # a REST request goes out now ...
    # ... then the book breaks (crossed) and starts a new buffer the request cannot cover.
    books.apply([_change("a", "BUY", 0.6, 1.0)], ApplyOutcome())
    snapshot = OrderBook(token_id="a", bids=(BookLevel(price=0.3, size=1.0),))
    assert not books.apply_snapshot(snapshot, ApplyOutcome(), requested)
    assert books.trusted("a") is None
    assert books.apply_snapshot(snapshot, ApplyOutcome(), books.mark())
    book = books.trusted("a")
    assert book is not None
    assert book.levels() == ([(0.3, 1.0)], [])
