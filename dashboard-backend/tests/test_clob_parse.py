"""parse_book on every recorded CLOB book, the sort-order trap, and bad levels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard_backend.errors import ParseError
from dashboard_backend.models import OrderBook
from dashboard_backend.venues.polymarket.clob_parse import parse_book, parse_book_counted


def recorded_books(shared_data: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every recorded raw book (REST /book, /orderbook-history entries, websocket snapshots)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted((shared_data / "nautilus_polymarket").glob("*book*.json")):
        out.append((path.name, json.loads(path.read_text())))
    live = shared_data / "henryzhao_live_fixtures"
    out.append(("poly_book.json", json.loads((live / "poly_book.json").read_text())))
    history = json.loads((live / "poly_orderbook_history.json").read_text())
    out += [(f"poly_orderbook_history[{i}]", b) for i, b in enumerate(history["data"])]
    return out


def assert_sorted(book: OrderBook) -> None:
    bids = [lv.price for lv in book.bids]
    asks = [lv.price for lv in book.asks]
    assert bids == sorted(bids, reverse=True)
    assert asks == sorted(asks)
    assert all(lv.size > 0 for lv in (*book.bids, *book.asks))


def test_every_recorded_book_parses_sorted(shared_data: Path) -> None:
    books = recorded_books(shared_data)
    assert len(books) == 11
    for name, raw in books:
        parsed = parse_book_counted(raw)
        book = parsed.book
        assert book.token_id == raw["asset_id"], name
        assert len(book.bids) == len(raw["bids"]), name
        assert len(book.asks) == len(raw["asks"]), name
        assert parsed.dropped_levels == 0, name
        assert book.timestamp == int(raw["timestamp"]), name
        assert_sorted(book)
        if book.bids and book.asks:
            assert book.best_bid is not None
            assert book.best_ask is not None
            assert book.best_bid < book.best_ask, name


def test_sort_order_trap_on_live_book(shared_data: Path) -> None:
    raw = json.loads((shared_data / "henryzhao_live_fixtures/poly_book.json").read_text())
    # As recorded: bids ascending, asks descending, so the best prices are the LAST entries.
    assert raw["bids"][0]["price"] == "0.01"
    assert raw["asks"][0]["price"] == "0.99"
    book = parse_book(raw)
    assert book.best_bid == float(raw["bids"][-1]["price"]) == 0.17
    assert book.best_ask == float(raw["asks"][-1]["price"]) == 0.21
    assert book.bids[0].size == 5.0
    assert book.asks[0].size == 15.0
    assert (book.tick_size, book.min_order_size) == (0.01, 5.0)
    assert book.last_trade_price == 0.2
    assert book.hash == raw["hash"]
    assert book.market == raw["market"]
    assert book.timestamp == 1781178206890


def test_nautilus_rest_book_best_levels(shared_data: Path) -> None:
    raw = json.loads((shared_data / "nautilus_polymarket/py_http_responses_book.json").read_text())
    book = parse_book(raw)
    assert (book.best_bid, book.best_ask) == (0.1, 0.14)
    assert (book.tick_size, book.min_order_size, book.last_trade_price) == (None, None, None)


def test_empty_history_snapshot_and_empty_last_trade(shared_data: Path) -> None:
    history = json.loads(
        (shared_data / "henryzhao_live_fixtures/poly_orderbook_history.json").read_text()
    )
    book = parse_book(history["data"][2])
    assert book.bids == ()
    assert book.asks == ()
    assert book.best_bid is None
    assert book.best_ask is None
    assert book.last_trade_price is None  # recorded as ""


def test_bad_levels_dropped_and_counted() -> None:
    raw = {
        "asset_id": "7",
        "bids": [
            {"price": "0.30", "size": "10"},
            {"price": "0.35", "size": "0"},
            {"price": "0.36", "size": "-4"},
            {"price": "abc", "size": "5"},
            {"price": "1.5", "size": "5"},
            "junk",
            {"price": "0.32", "size": "2.5"},
        ],
        "asks": [{"price": "0.40", "size": "nan"}, {"price": "0.41"}, {"price": 0.45, "size": 3}],
        "timestamp": "1700000000000",
    }
    parsed = parse_book_counted(raw)
    assert parsed.dropped_levels == 7
    assert [(lv.price, lv.size) for lv in parsed.book.bids] == [(0.32, 2.5), (0.30, 10.0)]
    assert [(lv.price, lv.size) for lv in parsed.book.asks] == [(0.45, 3.0)]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bids": [], "asks": []}, "without asset_id"),
        ({"asset_id": "1", "bids": "x", "asks": []}, "bids is not a list"),
        ({"asset_id": "1", "bids": [], "asks": {"price": "1"}}, "asks is not a list"),
        ([1, 2], "not an object"),
    ],
)
def test_malformed_books_raise(raw: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_book(raw)
