"""Kalshi's websocket edge and the sequenced-increment rules of the live books (pure, no I/O).

Recorded message shapes (`nautilus_kalshi/ws_*.json`) decode into venue-neutral events; a
subscription's `seq` gap distrusts every book it feeds; increments never go below zero; a
replaced subscription's late messages are ignored; REST books never swallow increments.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from dashboard_backend.book_events import FrameError, LastTrade, LevelDelta, Sequenced, Snapshot
from dashboard_backend.live_book import ApplyOutcome, BookSet
from dashboard_backend.models import BookLevel, OrderBook
from dashboard_backend.venues.kalshi.feed import KalshiSession
from dashboard_backend.venues.kalshi.parse import token_id

RECORDED = "KXBTC-25MAR15-B100000"
YES, NO = token_id(RECORDED, "yes"), token_id(RECORDED, "no")


def _recorded(shared_data: Path, name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((shared_data / "nautilus_kalshi" / name).read_text())
    return raw


def _snapshot(ticker: str, sid: int, seq: int, yes: list[list[str]], no: list[list[str]]) -> str:
    msg = {"market_ticker": ticker, "yes_dollars_fp": yes, "no_dollars_fp": no}
    return json.dumps({"type": "orderbook_snapshot", "sid": sid, "seq": seq, "msg": msg})


def _delta(ticker: str, sid: int, seq: int, side: str, price: str, delta: str) -> str:
    msg = {"market_ticker": ticker, "price_dollars": price, "delta_fp": delta, "side": side}
    return json.dumps({"type": "orderbook_delta", "sid": sid, "seq": seq, "msg": msg})


def _books(*tickers: str) -> BookSet:
    books = BookSet()
    books.track(token_id(t, side) for t in tickers for side in ("yes", "no"))
    return books


def _apply(books: BookSet, session: KalshiSession, *frames: str) -> ApplyOutcome:
    out = ApplyOutcome()
    for frame in frames:
        books.apply(session.decode(frame), out)
    return out


def test_recorded_snapshot_and_delta_give_both_sides_books(shared_data: Path) -> None:
    session = KalshiSession(connection=3)
    snapshot = _recorded(shared_data, "ws_orderbook_snapshot.json")
    delta = _recorded(shared_data, "ws_orderbook_delta.json")
    (event,) = session.decode(json.dumps(snapshot))
    assert isinstance(event, Sequenced)
    assert (event.stream, event.seq) == ("3:1", 1)
    books = _books(RECORDED)
    out = _apply(books, session, json.dumps(snapshot))
    assert out.changed == {YES, NO}
    yes, no = books.trusted(YES), books.trusted(NO)
    assert yes is not None
    assert no is not None
    # Bids only on the wire: each side's asks are the other side's bids at 1 − p, same size.
    assert yes.levels() == ([(0.42, 13.0), (0.35, 200.0)], [(0.44, 17.0), (0.46, 400.0)])
    assert no.levels() == ([(0.56, 17.0), (0.54, 400.0)], [(0.58, 13.0), (0.65, 200.0)])
    out = _apply(books, session, json.dumps(delta))  # +50 YES bids at 0.42, seq 2
    assert out.changed == {YES, NO}
    assert yes.levels()[0][0] == (0.42, 63.0)
    assert no.levels()[1][0] == (0.58, 63.0)
    assert out.resync == set()


def test_a_seq_gap_distrusts_every_book_of_the_subscription_until_it_is_resent() -> None:
    session = KalshiSession(connection=1)
    books = _books("A", "B", "C")
    one_level = [["0.4000", "10.00"]]
    _apply(
        books,
        session,
        _snapshot("A", 1, 1, one_level, one_level),
        _snapshot("B", 1, 2, one_level, one_level),
        _snapshot("C", 2, 1, one_level, one_level),  # another subscription
        _delta("A", 1, 3, "yes", "0.3900", "5.00"),
    )
    assert all(books.trusted(token_id(t, s)) for t in "ABC" for s in ("yes", "no"))
    out = _apply(books, session, _delta("B", 1, 5, "no", "0.3800", "5.00"))  # seq 4 lost
    assert out.gaps == 1
    affected = {token_id(t, s) for t in "AB" for s in ("yes", "no")}
    assert out.resync == affected
    assert all(books.trusted(t) is None for t in affected)
    assert books.trusted(token_id("C", "yes")) is not None  # its own seq never skipped
    # The market is subscribed again: a new sid's snapshot restores it.
    out = _apply(books, session, _snapshot("A", 3, 1, [["0.3000", "7.00"]], one_level))
    assert out.restored == 2
    restored = books.trusted(token_id("A", "yes"))
    assert restored is not None
    assert restored.levels()[0] == [(0.3, 7.0)]
    # Late messages of the subscription it left are ignored; its new one applies.
    _apply(books, session, _delta("A", 1, 6, "yes", "0.3000", "100.00"))
    assert restored.levels()[0] == [(0.3, 7.0)]
    _apply(books, session, _delta("A", 3, 2, "yes", "0.3000", "-2.00"))
    assert restored.levels()[0] == [(0.3, 5.0)]
    assert books.trusted(token_id("B", "yes")) is None  # still awaiting its snapshot


def test_an_increment_below_zero_or_before_any_snapshot_is_resynced_not_guessed() -> None:
    session = KalshiSession(connection=1)
    books = _books("A", "B")
    out = _apply(books, session, _delta("B", 1, 1, "yes", "0.4000", "5.00"))
    assert out.resync == {token_id("B", "yes"), token_id("B", "no")}
    assert books.trusted(token_id("B", "yes")) is None
    _apply(books, session, _snapshot("A", 2, 1, [["0.4000", "10.00"]], []))
    out = _apply(books, session, _delta("A", 2, 2, "yes", "0.4000", "-11.00"))
    assert token_id("A", "yes") in out.resync
    assert books.trusted(token_id("A", "yes")) is None


def test_a_rest_book_never_swallows_increments_it_cannot_be_lined_up_with() -> None:
    session = KalshiSession(connection=1)
    books = _books("A")
    yes = token_id("A", "yes")
    _apply(books, session, _snapshot("A", 1, 1, [["0.4000", "10.00"]], []))
    _apply(books, session, _delta("A", 1, 3, "yes", "0.4000", "1.00"))  # gap: pending
    rest = OrderBook(token_id=yes, bids=(BookLevel(price=0.4, size=11.0),))
    # An increment arrived after the request went out: the REST book may or may not hold it.
    requested = books.mark()
    _apply(books, session, _delta("A", 1, 4, "yes", "0.4000", "2.00"))
    assert not books.apply_snapshot(rest, ApplyOutcome(), requested)
    assert not books.apply_snapshot(rest, ApplyOutcome())  # no mark: cannot tell either
    # Asked after the last increment: everything before is in that book.
    assert books.apply_snapshot(rest, ApplyOutcome(), books.mark())
    book = books.trusted(yes)
    assert book is not None
    assert book.levels()[0] == [(0.4, 11.0)]


def test_a_new_connection_forgets_every_stream() -> None:
    first = KalshiSession(connection=1)
    books = _books("A")
    _apply(books, first, _snapshot("A", 1, 1, [["0.4000", "10.00"]], []))
    books.reset_streams()
    books.invalidate(books.books)
    second = KalshiSession(connection=2)
    # sid 1 again, on the new connection: a different stream, starting from its own snapshot.
    out = _apply(books, second, _delta("A", 1, 2, "yes", "0.4000", "1.00"))
    assert out.changes == 0
    _apply(books, second, _snapshot("A", 1, 1, [["0.4100", "3.00"]], []))
    book = books.trusted(token_id("A", "yes"))
    assert book is not None
    assert book.levels()[0] == [(0.41, 3.0)]


def test_session_subscribes_learns_sids_and_resubscribes_what_it_must() -> None:
    session = KalshiSession(connection=1, chunk=2)
    tokens = [token_id(t, s) for t in ("C", "A", "B") for s in ("yes", "no")]
    commands = [json.loads(m) for m in session.subscribe([*tokens, "0xpolymarket"])]
    assert commands == [
        {
            "id": 1,
            "cmd": "subscribe",
            "params": {"channels": ["orderbook_delta"], "market_tickers": ["A", "B"]},
        },
        {
            "id": 2,
            "cmd": "subscribe",
            "params": {"channels": ["orderbook_delta"], "market_tickers": ["C"]},
        },
    ]
    assert session.subscribe(tokens) == []  # already asked for
    # Unanswered subscriptions are not asked again: their snapshots are on their way.
    assert session.resubscribe([token_id("A", "yes")]) == []
    for command, sid in ((1, 7), (2, 8)):
        reply = {
            "id": command,
            "type": "subscribed",
            "msg": {"channel": "orderbook_delta", "sid": sid},
        }
        assert session.decode(json.dumps(reply)) == []
    assert session.subscribed == {"A": 7, "B": 7, "C": 8}
    # One market of two leaves its subscription; the only one of another ends it.
    again = [
        json.loads(m) for m in session.resubscribe([token_id("A", "no"), token_id("C", "yes")])
    ]
    assert again == [
        {
            "id": 3,
            "cmd": "update_subscription",
            "params": {"sid": 7, "market_tickers": ["A"], "action": "delete_markets"},
        },
        {"id": 4, "cmd": "unsubscribe", "params": {"sids": [8]}},
        {
            "id": 5,
            "cmd": "subscribe",
            "params": {"channels": ["orderbook_delta"], "market_tickers": ["A", "C"]},
        },
    ]
    assert session.subscribed == {"B": 7}
    dropped = [json.loads(m) for m in session.unsubscribe([token_id("B", "yes")])]
    assert dropped == [{"id": 6, "cmd": "unsubscribe", "params": {"sids": [7]}}]


def test_a_refused_command_is_logged_and_asked_again_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = KalshiSession(connection=1)
    session.subscribe([token_id("A", "yes")])
    refusal = {"id": 1, "type": "error", "msg": {"code": 6, "msg": "Already subscribed"}}
    with caplog.at_level(logging.WARNING):
        assert session.decode(json.dumps(refusal)) == []
    assert "refused (code 6: Already subscribed)" in caplog.text
    assert len(session.resubscribe([token_id("A", "yes")])) == 1


@pytest.mark.parametrize(
    ("frame", "named"),
    [
        ("{not json", frozenset()),
        ("[1, 2]", frozenset()),
        (_delta("A", 1, 1, "yes", "abc", "1.00"), frozenset({"kalshi:A:yes", "kalshi:A:no"})),
        (_delta("A", 1, 1, "yes", "1.5000", "1.00"), frozenset({"kalshi:A:yes", "kalshi:A:no"})),
        (_delta("A", 1, 1, "maybe", "0.5000", "1.00"), frozenset({"kalshi:A:yes", "kalshi:A:no"})),
        (
            _snapshot("A", 1, 1, [["0.0000", "1.00"]], []),
            frozenset({"kalshi:A:yes", "kalshi:A:no"}),
        ),
        ('{"type": "orderbook_delta", "sid": 1}', frozenset()),
    ],
)
def test_malformed_frames_raise_naming_the_markets_tokens(
    frame: str, named: frozenset[str]
) -> None:
    with pytest.raises(FrameError) as info:
        KalshiSession(connection=1).decode(frame)
    assert info.value.token_ids == named


def test_other_channels_trades_and_legacy_cents() -> None:
    session = KalshiSession(connection=1)
    assert session.decode('{"type": "ticker", "sid": 4, "msg": {"market_ticker": "A"}}') == []
    trade = {
        "type": "trade",
        "sid": 2,
        "seq": 1,
        "msg": {"market_ticker": "A", "yes_price_dollars": "0.3600", "no_price_dollars": "0.6400"},
    }
    assert session.decode(json.dumps(trade)) == [
        LastTrade("kalshi:A:yes", 0.36),
        LastTrade("kalshi:A:no", 0.64),
    ]
    legacy = {
        "type": "orderbook_snapshot",
        "sid": 1,
        "seq": 1,
        "msg": {"market_ticker": "A", "yes": [[35, 200]]},
    }
    (event,) = session.decode(json.dumps(legacy))
    assert isinstance(event, Sequenced)
    yes, no = event.events
    assert isinstance(yes, Snapshot)
    assert isinstance(no, Snapshot)
    assert [(lv.price, lv.size) for lv in yes.bids] == [(0.35, 200.0)]
    assert [(lv.price, lv.size) for lv in no.asks] == [(0.65, 200.0)]
    cents = {
        "type": "orderbook_delta",
        "sid": 1,
        "seq": 2,
        "msg": {"market_ticker": "A", "price": 35, "delta": -20, "side": "yes"},
    }
    (event,) = session.decode(json.dumps(cents))
    assert isinstance(event, Sequenced)
    assert event.events == (
        LevelDelta("kalshi:A:yes", "BUY", 0.35, -20.0),
        LevelDelta("kalshi:A:no", "SELL", 0.65, -20.0),
    )
