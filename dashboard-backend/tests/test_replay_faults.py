"""Fault injection of the replay server, over a real loopback socket."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.dataset import load_dataset, market_tokens
from dashboard_backend.replay.faults import AppliedFault, FaultPlan
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.serve import serve_in_thread

GHOST = "ghost_alpha/gamma_markets_100.json"


@pytest.fixture(scope="module")
def dataset_path(shared_data: Path) -> Path:
    return shared_data / GHOST


def serve(path: Path, spec: str) -> tuple[ReplayState, AbstractContextManager[str]]:
    state = ReplayState.build(load_dataset(path), faults=FaultPlan.parse(spec))
    return state, serve_in_thread(create_app(state))


def test_spec_syntax() -> None:
    plan = FaultPlan.parse("429=0.5@2, 500@*3:/books, timeout=2@4-5, malformed@6+:/markets")
    kinds = [(r.kind, r.first, r.last, r.every, r.path, r.arg) for r in plan.rules]
    assert kinds == [
        ("429", 2, 2, None, "/", 0.5),
        ("500", 1, None, 3, "/books", None),
        ("timeout", 4, 5, None, "/", 2.0),
        ("malformed", 6, None, None, "/markets", None),
    ]
    for bad in ("418@1", "429", "500@0", "timeout@x", "500@1:markets"):
        with pytest.raises(ValueError, match="bad fault rule"):
            FaultPlan.parse(bad)


def test_nth_request_faults(dataset_path: Path) -> None:
    state, server = serve(dataset_path, "429=0@2:/markets,500@3:/markets,503@*2:/events")
    with server as url, httpx.Client(base_url=url) as http:
        codes = [http.get("/markets", params={"limit": "5"}).status_code for _ in range(4)]
        assert codes == [200, 429, 500, 200]
        events = [http.get("/events").status_code for _ in range(4)]
        assert events == [200, 503, 200, 503]
        assert http.get("/book", params={"token_id": "1"}).status_code == 404  # not faulted
    assert [f.kind for f in state.faults.applied] == ["429", "500", "503", "503"]


def test_429_carries_retry_after(dataset_path: Path) -> None:
    _, server = serve(dataset_path, "429@1")
    with server as url:
        response = httpx.get(f"{url}/markets")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert "error" in response.json()


def test_timeout_outlasts_the_client(dataset_path: Path) -> None:
    state, server = serve(dataset_path, "timeout=3@1:/books")
    token = market_tokens(state.dataset.markets[0])[0]
    with server as url, httpx.Client(base_url=url, timeout=0.3) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post("/books", json=[{"token_id": token}])
        assert http.post("/books", json=[{"token_id": token}]).status_code == 200
    assert state.faults.applied == [AppliedFault("timeout", "/books")]


def test_malformed_markets_page(dataset_path: Path) -> None:
    state, server = serve(dataset_path, "malformed@1:/markets")
    with server as url, httpx.Client(base_url=url) as http:
        page = http.get("/markets", params={"limit": "18"}).json()
        clean = http.get("/markets", params={"limit": "18"}).json()
    broken = [i for i, (a, b) in enumerate(zip(page, clean, strict=True)) if a != b]
    assert broken == [0, 3, 6, 9, 12, 15]
    assert "question" not in page[0]
    assert "conditionId" not in page[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(page[3]["outcomes"])
    assert page[6]["clobTokenIds"] == 12345
    assert isinstance(page[9]["outcomePrices"], dict)
    assert page[12]["id"] is None
    assert state.faults.applied == [AppliedFault("malformed", "/markets", 6)]


def test_malformed_books_and_keyset(dataset_path: Path) -> None:
    state, server = serve(dataset_path, "malformed=2@1:/books,malformed@1:/markets/keyset")
    tokens = [t for m in state.dataset.markets[:2] for t in market_tokens(m)]
    with server as url, httpx.Client(base_url=url) as http:
        books = http.post("/books", json=[{"token_id": t} for t in tokens]).json()
        keyset = http.get("/markets/keyset", params={"limit": "4"}).json()
    assert books[0]["bids"] == [{"price": "abc", "size": "10"}]
    assert "asks" not in books[2]
    assert books[1]["asset_id"] == tokens[1]  # untouched
    assert "question" not in keyset["markets"][0]
    assert keyset["next_cursor"]
