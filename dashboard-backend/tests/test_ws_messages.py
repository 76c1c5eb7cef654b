"""The market-channel decoder on every recorded message and on malformed frames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard_backend.venues.polymarket.ws_messages import (
    BookMessage,
    FrameError,
    LastTradePriceMessage,
    PriceChangeMessage,
    TickSizeChangeMessage,
    decode_frame,
)

# Recorded file -> the message kind it holds (None: a custom-feature kind that is dropped).
RECORDED: dict[str, type | None] = {
    "py_ws_messages_book.json": BookMessage,
    "py_ws_messages_last_trade_price.json": LastTradePriceMessage,
    "py_ws_messages_price_change.json": PriceChangeMessage,
    "py_ws_messages_price_change_v2.json": PriceChangeMessage,
    "py_ws_messages_tick_size_change.json": TickSizeChangeMessage,
    "rust_ws_book_snapshot.json": BookMessage,
    "rust_ws_last_trade.json": LastTradePriceMessage,
    "rust_ws_market_best_bid_ask_msg.json": None,
    "rust_ws_market_book_msg.json": BookMessage,
    "rust_ws_market_last_trade_msg.json": LastTradePriceMessage,
    "rust_ws_market_new_market_msg.json": None,
    "rust_ws_market_price_change_msg.json": PriceChangeMessage,
    "rust_ws_market_resolved_msg.json": None,
    "rust_ws_market_tick_size_msg.json": TickSizeChangeMessage,
    "rust_ws_quotes.json": PriceChangeMessage,
    "rust_ws_tick_size_change.json": TickSizeChangeMessage,
}


def _ws_dir(shared_data: Path) -> Path:
    return shared_data / "nautilus_polymarket"


def test_every_recorded_ws_file_is_covered(shared_data: Path) -> None:
    files = {p.name for p in _ws_dir(shared_data).glob("*ws*.json")}
    assert files == set(RECORDED)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_message_decodes_to_its_kind(shared_data: Path, name: str) -> None:
    text = (_ws_dir(shared_data) / name).read_text()
    raw = json.loads(text)
    messages = decode_frame(text)
    expected = RECORDED[name]
    if expected is None:
        assert messages == []
        return
    assert len(messages) == 1
    msg = messages[0]
    assert isinstance(msg, expected)
    if isinstance(msg, BookMessage):
        assert msg.asset_id == raw["asset_id"]
        assert [(lv.price, lv.size) for lv in msg.bids] == [
            (float(lv["price"]), float(lv["size"])) for lv in raw["bids"]
        ]
        assert len(msg.asks) == len(raw["asks"])
        assert msg.timestamp == int(raw["timestamp"])
    elif isinstance(msg, PriceChangeMessage):
        flat = raw.get("price_changes", [raw])
        assert [(c.asset_id, c.price, c.size, c.side) for c in msg.price_changes] == [
            (c["asset_id"], float(c["price"]), float(c["size"]), c["side"]) for c in flat
        ]
    elif isinstance(msg, TickSizeChangeMessage):
        assert msg.new_tick_size == float(raw["new_tick_size"])
        assert msg.old_tick_size == float(raw["old_tick_size"])
    elif isinstance(msg, LastTradePriceMessage):
        assert msg.price == float(raw["price"])
        assert msg.side == raw["side"]


def test_arrays_of_mixed_kinds_keep_order(shared_data: Path) -> None:
    parts = [
        json.loads((_ws_dir(shared_data) / n).read_text())
        for n in (
            "rust_ws_market_book_msg.json",
            "rust_ws_market_best_bid_ask_msg.json",
            "py_ws_messages_price_change.json",
            "rust_ws_market_price_change_msg.json",
        )
    ]
    messages = decode_frame(json.dumps(parts))
    assert [type(m) for m in messages] == [BookMessage, PriceChangeMessage, PriceChangeMessage]


def test_flat_price_change_is_folded_into_price_changes() -> None:
    frame = {
        "event_type": "price_change",
        "asset_id": "t1",
        "market": "m",
        "price": "0.45",
        "size": "0",
        "side": "SELL",
        "hash": "h",
        "timestamp": "17",
    }
    (msg,) = decode_frame(json.dumps(frame))
    assert isinstance(msg, PriceChangeMessage)
    assert len(msg.price_changes) == 1
    ch = msg.price_changes[0]
    assert (ch.asset_id, ch.price, ch.size, ch.side, ch.hash) == ("t1", 0.45, 0.0, "SELL", "h")
    assert msg.timestamp == 17


def test_unknown_event_type_is_skipped_not_malformed() -> None:
    frame = [
        {"event_type": "something_new", "x": 1},
        {"event_type": "tick_size_change", "asset_id": "t", "new_tick_size": "0.001"},
    ]
    (msg,) = decode_frame(json.dumps(frame))
    assert isinstance(msg, TickSizeChangeMessage)
    assert msg.new_tick_size == 0.001


@pytest.mark.parametrize(
    ("frame", "named"),
    [
        ("{not json", frozenset()),
        ("PONG", frozenset()),
        ("[1, 2]", frozenset()),
        ('{"event_type": "book", "bids": []}', frozenset()),
        (
            '{"event_type": "price_change", "market": "m", "price_changes": '
            '[{"asset_id": "t9", "price": "abc", "size": "1", "side": "BUY"}]}',
            frozenset({"t9"}),
        ),
        ('{"event_type": "price_change", "market": "m"}', frozenset()),
        (
            '[{"event_type": "book", "asset_id": "t1", "bids": [], "asks": []},'
            ' {"event_type": "price_change", "asset_id": "t2", "price": "0.5",'
            ' "size": "1", "side": "SIDEWAYS"}]',
            frozenset({"t1", "t2"}),
        ),
        ('{"market": "m", "nothing": "recognisable"}', frozenset()),
    ],
)
def test_malformed_frames_raise_frame_error_naming_tokens(
    frame: str, named: frozenset[str]
) -> None:
    with pytest.raises(FrameError) as info:
        decode_frame(frame)
    assert info.value.asset_ids == named
