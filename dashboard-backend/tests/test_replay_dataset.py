"""Loading recorded payloads into the replay catalogue (pure: files in, dataset out)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from dashboard_backend.replay.dataset import (
    build_dataset,
    event_id_of,
    load_dataset,
    market_tokens,
    yes_price,
)
from dashboard_backend.replay.loader import read_directory

BORAT = "borat_wom_polymarket_strategy"


@pytest.mark.parametrize(
    ("relpath", "markets", "events", "books", "tags"),
    [
        (f"{BORAT}/gamma_markets_active_200_wrapped.json", 200, 0, 0, 0),
        (f"{BORAT}/gamma_markets_closed_600.json", 600, 0, 0, 0),
        (f"{BORAT}/gamma_markets_500_legacyfields.json", 500, 0, 0, 0),
        (f"{BORAT}/gamma_events_1.json", 0, 1, 0, 0),
        ("ghost_alpha/gamma_markets_100.json", 100, 0, 0, 0),
        ("steffenmax_arb_bot/gamma_events_nba.json", 0, 50, 0, 0),
        ("ligengxin_btc5m/BTC-5m-markets-2026-07-24.jsonl.gz", 292, 0, 0, 0),
        ("nautilus_polymarket/rust_gamma_market.json", 1, 0, 0, 0),
        ("nautilus_polymarket/rust_search_response.json", 0, 1, 0, 0),
        ("nautilus_polymarket/rust_gamma_tags.json", 0, 0, 0, 5),
        ("henryzhao_live_fixtures/poly_book.json", 0, 0, 1, 0),
        ("henryzhao_live_fixtures/poly_orderbook_history.json", 0, 0, 5, 0),
        # Not Gamma: Kalshi, CLOB /markets pages, websocket messages.
        (f"{BORAT}/kalshi_v2_events_100.json", 0, 0, 0, 0),
        (f"{BORAT}/kalshi_v1_events_with_markets_100.json", 0, 0, 0, 0),
        (f"{BORAT}/clob_markets_page_1000.json", 0, 0, 0, 0),
        ("nautilus_polymarket/py_ws_messages_book.json", 0, 0, 0, 0),
        ("johnstew324_whale_watch/markets_geopolitics_5711.json", 0, 0, 0, 0),
    ],
)
def test_each_recorded_shape_is_recognised(
    shared_data: Path, relpath: str, markets: int, events: int, books: int, tags: int
) -> None:
    records = read_directory(shared_data / relpath)
    assert (len(records.markets), len(records.events), len(records.books), len(records.tags)) == (
        markets,
        events,
        books,
        tags,
    )


def test_wrapped_file_serves_its_200_markets(shared_data: Path) -> None:
    dataset = load_dataset(shared_data / BORAT / "gamma_markets_active_200_wrapped.json")
    assert len(dataset.markets) == 200
    assert len({m["id"] for m in dataset.markets}) == 200
    # Every market of a synthesized event is listed in it, so negRisk membership is learnable.
    for market in dataset.markets:
        event = dataset.event_by_id[event_id_of(market) or ""]
        assert market["id"] in {m["id"] for m in event["markets"]}
        assert "events" not in event["markets"][0]


def test_events_payload_markets_get_their_event(shared_data: Path) -> None:
    dataset = load_dataset(shared_data / "steffenmax_arb_bot" / "gamma_events_nba.json")
    assert len(dataset.markets) == 738
    assert len(dataset.events) == 50
    assert sum(len(e["markets"]) for e in dataset.events) == 738
    assert all(event_id_of(m) for m in dataset.markets)
    nba = next(t for t in dataset.tags if t["slug"] == "nba")
    assert nba["id"] == "745"  # tags recorded on the events are kept as they are


def test_closed_recordings_are_reopened_unless_respected(shared_data: Path) -> None:
    path = shared_data / BORAT / "gamma_markets_closed_600.json"
    opened = load_dataset(path)
    assert all(m["active"] and not m["closed"] for m in opened.markets)
    assert all(not e["closed"] for e in opened.events)
    kept = load_dataset(path, respect_closed=True)
    # 600 records hold 596 distinct ids; 296 of those are closed.
    assert len(kept.markets) == 596
    assert sum(1 for m in kept.markets if m["closed"]) == 296


def test_whole_folder_loads_and_skips_what_it_cannot_serve(shared_data: Path) -> None:
    records = read_directory(shared_data)
    assert any(p.endswith(".parquet") for p in records.skipped)
    assert any(p.endswith(".csv") for p in records.skipped)
    reports = {r.path: r for r in records.reports}
    assert not reports[f"{BORAT}/kalshi_v2_markets_200.json"].used
    dataset = build_dataset(records)
    ids = [m["id"] for m in dataset.markets]
    assert len(ids) == len(set(ids)) > 2000  # de-duplicated across overlapping files
    assert len(dataset.recorded_books) == 9


def test_broken_files_are_reported_not_fatal(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "broken.json").write_text('{"markets": [')
    with gzip.open(tmp_path / "lines.jsonl.gz", "wt") as handle:
        handle.write('{"raw": {"id": "1", "question": "q?", "conditionId": "0x1"}}\n')
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    shutil.copy(shared_data / "ghost_alpha" / "gamma_markets_100.json", tmp_path / "m.json")
    records = read_directory(tmp_path)
    reports = {r.path: r for r in records.reports}
    assert reports["broken.json"].error is not None
    assert reports["lines.jsonl.gz"].markets == 1
    assert records.skipped == ["notes.csv"]
    assert len(build_dataset(records).markets) == 101


def test_single_member_negrisk_event_is_served_as_augmented(tmp_path: Path) -> None:
    market = {
        "id": "1",
        "question": "Will A win?",
        "conditionId": "0xa",
        "outcomes": '["Yes", "No"]',
        "outcomePrices": '["0.95", "0.05"]',
        "clobTokenIds": '["11", "12"]',
        "negRisk": True,
        "events": [{"id": "9", "title": "Who wins?", "negRiskAugmented": False}],
    }
    (tmp_path / "m.json").write_text(json.dumps([market]))
    dataset = load_dataset(tmp_path)
    assert dataset.events[0]["negRiskAugmented"] is True
    assert dataset.markets[0]["events"][0]["negRiskAugmented"] is True
    assert dataset.partial_events == {"9"}


def test_copies_and_limit(shared_data: Path) -> None:
    path = shared_data / "ghost_alpha" / "gamma_markets_100.json"
    dataset = load_dataset(path, min_markets=250)
    assert len(dataset.markets) == 250
    assert len({m["id"] for m in dataset.markets}) == 250
    tokens = [t for m in dataset.markets for t in market_tokens(m)]
    assert len(tokens) == len(set(tokens))
    assert {yes_price(m) for m in dataset.markets[100:200]} <= {
        yes_price(m) for m in dataset.markets[:100]
    }
    top = load_dataset(path, limit=10)
    volumes = sorted((float(m.get("volume24hr") or 0) for m in dataset.markets[:100]), reverse=True)
    assert (
        sorted((float(m.get("volume24hr") or 0) for m in top.markets), reverse=True) == volumes[:10]
    )
