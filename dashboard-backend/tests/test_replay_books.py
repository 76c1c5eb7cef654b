"""The replay server's book store and synthesized books (pure, no I/O)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest

from dashboard_backend.replay.books import BookStore, OrderBook, book_from_wire
from dashboard_backend.replay.dataset import load_dataset, market_tokens, yes_index
from dashboard_backend.replay.synth import plan_arbitrage, synthesize_books, tick_of

RECORDED = {
    "market": "0xabc",
    "asset_id": "42",
    "timestamp": "1781178206890",
    "hash": "edd5",
    "bids": [{"price": "0.01", "size": "1091"}, {"price": "0.17", "size": "5"}],
    "asks": [{"price": "0.99", "size": "15000"}, {"price": "0.21", "size": "15"}],
    "min_order_size": "5",
    "tick_size": "0.01",
    "neg_risk": False,
    "last_trade_price": "0.200",
}


def test_recorded_book_round_trips() -> None:
    book = book_from_wire(RECORDED)
    wire = book.to_wire()
    assert wire["bids"] == RECORDED["bids"]
    assert wire["asks"] == RECORDED["asks"]
    assert (wire["hash"], wire["timestamp"]) == ("edd5", "1781178206890")
    with pytest.raises(ValueError, match="asset_id"):
        book_from_wire({"bids": [], "asks": []})
    with pytest.raises(ValueError, match="not a number"):
        book_from_wire({**RECORDED, "bids": [{"price": "abc", "size": "1"}]})


def test_store_changes_in_one_place() -> None:
    store = BookStore()
    store.put(book_from_wire(RECORDED))
    changed: list[str] = []
    store.add_listener(changed.append)
    store.set_level("42", "BUY", "0.18", "12.50")
    store.set_level("42", "SELL", "0.21", "0")  # size 0 removes the level
    store.set_tick_size("42", "0.001")
    store.set_last_trade_price("42", Decimal("0.19"))
    book = store.get("42")
    assert book is not None
    wire = book.to_wire()
    assert book.best_bid() == Decimal("0.18")
    assert cast(list[dict[str, str]], wire["bids"])[-1] == {"price": "0.18", "size": "12.5"}
    assert wire["asks"] == [{"price": "0.99", "size": "15000"}]
    assert (wire["tick_size"], wire["last_trade_price"]) == ("0.001", "0.19")
    assert wire["hash"] != "edd5"
    store.replace_book("42", bids=[("0.3", "10")], asks=[("0.4", "20"), ("0.5", "0")])
    assert store.get("42").to_wire()["asks"] == [{"price": "0.4", "size": "20"}]  # type: ignore[union-attr]
    assert changed == ["42"] * 5
    with pytest.raises(KeyError):
        store.set_level("nope", "BUY", "0.1", "1")


def test_synthesized_books_sit_on_the_tick_grid(shared_data: Path) -> None:
    dataset = load_dataset(
        shared_data / "borat_wom_polymarket_strategy" / "gamma_markets_active_200_wrapped.json"
    )
    plan = plan_arbitrage(dataset, seed=5)
    books: dict[str, OrderBook] = {b.asset_id: b for b in synthesize_books(dataset, 5, plan)}
    assert len(books) == sum(len(market_tokens(m)) for m in dataset.markets)
    for market in dataset.markets:
        tick = tick_of(market)
        for token in market_tokens(market):
            book = books[token]
            assert book.tick_size == format(tick.normalize(), "f")
            for price in [*book.bids, *book.asks]:
                assert Decimal(0) < price < Decimal(1)
                assert price % tick == 0
            bid, ask = book.best_bid(), book.best_ask()
            assert bid is None or ask is None or bid < ask
    # Complete negRisk events stay without a buy-every-YES arbitrage unless planted.
    for event in dataset.events:
        if event.get("negRiskAugmented") or str(event["id"]) in plan.neg_risk_events:
            continue
        if not all(m.get("negRisk") for m in event["markets"]):
            continue
        asks = [books[market_tokens(m)[yes_index(m)]].best_ask() for m in event["markets"]]
        if len(asks) >= 2 and all(a is not None for a in asks):
            assert sum(a for a in asks if a is not None) > 1
