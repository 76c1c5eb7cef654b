"""`record` against the replay server, and the recording replayed by a second server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from dashboard_backend.record import record
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.dataset import market_tokens
from dashboard_backend.replay.faults import FaultPlan
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.settings import Settings


def snapshot(url: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Every market, event and book a server serves, keyed by id."""
    with httpx.Client(base_url=url, timeout=30) as http:
        markets: dict[str, Any] = {}
        cursor: str | None = None
        while True:
            params = {"limit": "100", **({"after_cursor": cursor} if cursor else {})}
            page = http.get("/markets/keyset", params=params).json()
            markets.update({m["id"]: m for m in page["markets"]})
            cursor = page.get("next_cursor")
            if not cursor:
                break
        events = {e["id"]: e for e in http.get("/events", params={"limit": "500"}).json()}
        tokens = [t for m in markets.values() for t in market_tokens(m)]
        books: dict[str, Any] = {}
        for i in range(0, len(tokens), 500):
            body = [{"token_id": t} for t in tokens[i : i + 500]]
            books.update({b["asset_id"]: b for b in http.post("/books", json=body).json()})
    return markets, events, books


async def test_recording_replays_identically(tmp_path: Path, shared_data: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(shared_data / "ghost_alpha" / "gamma_markets_100.json", source)
    shutil.copy(shared_data / "steffenmax_arb_bot" / "gamma_events_nba.json", source)
    faults = FaultPlan.parse("429=0@2:/markets,500@1:/books,503@1:/events")
    first = ReplayState.from_directory(source, seed=3, faults=faults)
    out = tmp_path / "recording"
    with serve_in_thread(create_app(first)) as url:
        settings = Settings(
            pm_gamma_url=url,
            pm_clob_url=url,
            pm_max_retries=3,
            pm_backoff_base_sec=0.01,
            pm_backoff_max_sec=0.05,
        )
        summary = await record(out, settings, venues=["polymarket"], limit=5000)
        original = snapshot(url)

    markets, events, books = original
    assert len(markets) == 838  # 100 + 738 from the events file
    assert (summary.markets, summary.books) == (838, len(books))
    assert summary.events == len(events)
    assert [f.kind for f in faults.applied] == ["429", "503", "500"]  # all retried
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["markets"] == 838
    assert sorted(p.name for p in (out / "gamma").iterdir())[0] == "events-0000.json"
    assert not list(out.rglob("*.part"))

    second = ReplayState.from_directory(out, seed=99)
    assert len(second.dataset.recorded_books) == len(books)
    with serve_in_thread(create_app(second)) as url:
        replayed = snapshot(url)
    assert replayed[0] == markets
    assert replayed[2] == books
    assert replayed[1] == events
