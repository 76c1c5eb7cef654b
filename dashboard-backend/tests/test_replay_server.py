"""The replay server over a real loopback socket: Gamma listings, CLOB books, planted arbitrage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.dataset import market_tokens, to_float, yes_index
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.serve import serve_in_thread

FEE_RATE = 0.07  # the highest taker rate in API_FACTS.md
GHOST = "ghost_alpha/gamma_markets_100.json"


@pytest.fixture(scope="module")
def state(shared_data: Path) -> ReplayState:
    """The whole recorded folder, as `make demo` serves it."""
    return ReplayState.from_directory(shared_data, seed=7)


@pytest.fixture(scope="module")
def http(state: ReplayState) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(state)) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


def best(levels: list[dict[str, str]], highest: bool) -> float | None:
    """Best price of a side, found by sorting (never by position)."""
    prices = [float(level["price"]) for level in levels]
    return (max(prices) if highest else min(prices)) if prices else None


def fee(price: float) -> float:
    return FEE_RATE * price * (1 - price)


def all_markets(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "100", **params, **({"after_cursor": cursor} if cursor else {})}
        page = http.get("/markets/keyset", params=query).json()
        out += page["markets"]
        cursor = page.get("next_cursor")
        if cursor is None:
            return out


def all_books(http: httpx.Client, tokens: list[str]) -> dict[str, dict[str, Any]]:
    books: dict[str, dict[str, Any]] = {}
    for i in range(0, len(tokens), 500):
        batch = [{"token_id": t} for t in tokens[i : i + 500]]
        books.update({b["asset_id"]: b for b in http.post("/books", json=batch).json()})
    return books


def test_markets_are_ordered_by_volume_and_paged(http: httpx.Client) -> None:
    query = {"active": "true", "closed": "false", "order": "volume24hr", "ascending": "false"}
    first = http.get("/markets", params={**query, "limit": "100", "offset": "0"}).json()
    second = http.get("/markets", params={**query, "limit": "100", "offset": "100"}).json()
    assert len(first) == len(second) == 100
    volumes = [float(m.get("volume24hr") or 0) for m in first + second]
    assert volumes == sorted(volumes, reverse=True)
    assert not {m["id"] for m in first} & {m["id"] for m in second}
    assert isinstance(first[0]["outcomes"], str)  # raw Gamma: JSON inside a string


def test_offset_pagination_fails_from_2100(http: httpx.Client, state: ReplayState) -> None:
    assert len(state.dataset.markets) > 2100
    assert len(http.get("/markets", params={"limit": "5", "offset": "2099"}).json()) == 5
    for path in ("/markets", "/events"):
        response = http.get(path, params={"limit": "5", "offset": "2100"})
        assert response.status_code == 422
        assert "offset" in response.json()["error"]


def test_keyset_pagination_walks_everything(http: httpx.Client, state: ReplayState) -> None:
    markets = all_markets(http, order="volume24hr", ascending="false")
    ids = [m["id"] for m in markets]
    assert len(ids) == len(set(ids)) == len(state.dataset.markets)
    events = http.get("/events/keyset", params={"limit": "500"}).json()
    assert len(events["events"]) == 500
    assert events["next_cursor"]
    assert http.get("/markets/keyset", params={"offset": "0"}).status_code == 422
    assert http.get("/markets/keyset", params={"limit": "101"}).status_code == 422
    assert http.get("/markets/keyset", params={"after_cursor": "garbage"}).status_code == 400


def test_events_lookups_and_tags(http: httpx.Client, state: ReplayState) -> None:
    event_id = sorted(state.plan.neg_risk_events)[0]
    [event] = http.get("/events", params={"id": event_id}).json()
    members = {m["id"] for m in event["markets"]}
    assert len(members) >= 2
    for market_id in members:
        market = http.get(f"/markets/{market_id}").json()
        assert market["events"][0]["id"] == event_id
    assert http.get(f"/events/{event_id}").json()["id"] == event_id
    assert http.get("/markets/999999999999").status_code == 404
    crypto = http.get("/tags/slug/crypto").json()
    tagged = http.get("/events", params={"tag_slug": "crypto", "limit": "50"}).json()
    assert tagged
    assert all(crypto["id"] in {t["id"] for t in e["tags"]} for e in tagged)
    by_tag = http.get("/markets", params={"tag_id": crypto["id"], "limit": "500"}).json()
    assert by_tag
    assert len(by_tag) <= 500


def test_book_has_the_venue_shape_and_sort_order(http: httpx.Client, state: ReplayState) -> None:
    market = state.dataset.market_by_id[sorted(state.plan.buy_both)[0]]
    book = http.get("/book", params={"token_id": market_tokens(market)[0]}).json()
    assert set(book) == {
        "market",
        "asset_id",
        "timestamp",
        "hash",
        "bids",
        "asks",
        "min_order_size",
        "tick_size",
        "neg_risk",
        "last_trade_price",
    }
    assert book["market"] == market["conditionId"]
    levels = book["bids"] + book["asks"]
    assert len(book["bids"]) >= 3
    assert len(book["asks"]) >= 3
    assert all(isinstance(v, str) for level in levels for v in level.values())
    bids = [float(b["price"]) for b in book["bids"]]
    asks = [float(a["price"]) for a in book["asks"]]
    assert bids == sorted(bids)
    assert asks == sorted(asks, reverse=True)
    missing = http.get("/book", params={"token_id": "123"})
    assert missing.status_code == 404
    assert "error" in missing.json()
    assert http.get("/book").status_code == 400


def test_books_batch_omits_unknown_tokens(http: httpx.Client, state: ReplayState) -> None:
    tokens = [t for m in state.dataset.markets[:2] for t in market_tokens(m)]
    body = [{"token_id": t} for t in [*tokens[:2], "999", tokens[2]]]
    books = http.post("/books", json=body).json()
    assert [b["asset_id"] for b in books] == [*tokens[:2], tokens[2]]
    assert http.post("/books", json={"token_id": tokens[0]}).status_code == 400


def test_books_follow_recorded_best_prices(http: httpx.Client, state: ReplayState) -> None:
    planted = state.plan.buy_both | state.plan.split_sell
    checked = 0
    for market in state.dataset.markets:
        bid, ask = to_float(market.get("bestBid")), to_float(market.get("bestAsk"))
        tokens = market_tokens(market)
        if market.get("negRisk") or str(market["id"]) in planted or len(tokens) != 2:
            continue
        if not (bid and ask and 0.02 < bid < ask < 0.98) or yes_index(market) != 0:
            continue
        yes, no = http.post("/books", json=[{"token_id": t} for t in tokens]).json()
        assert best(yes["bids"], True) == pytest.approx(bid)
        assert best(yes["asks"], False) == pytest.approx(ask)
        assert best(no["bids"], True) == pytest.approx(1 - ask)  # the mirrored NO book
        checked += 1
        if checked == 20:
            break
    assert checked == 20


def test_same_seed_same_books(shared_data: Path) -> None:
    def books(seed: int) -> list[dict[str, Any]]:
        state = ReplayState.from_directory(shared_data / GHOST, seed=seed)
        tokens = [t for m in state.dataset.markets for t in market_tokens(m)]
        with serve_in_thread(create_app(state)) as url:
            found = httpx.post(f"{url}/books", json=[{"token_id": t} for t in tokens]).json()
        return [{k: v for k, v in b.items() if k != "timestamp"} for b in found]

    first = books(1)
    assert len(first) == 200
    assert books(1) == first
    assert books(2) != first


def test_planted_arbitrage_is_real_after_sorting(http: httpx.Client, state: ReplayState) -> None:
    markets = all_markets(http)
    events = http.get("/events/keyset", params={"limit": "500"}).json()["events"]
    cursor = http.get("/events/keyset", params={"limit": "500"}).json().get("next_cursor")
    while cursor:
        page = http.get("/events/keyset", params={"limit": "500", "after_cursor": cursor}).json()
        events += page["events"]
        cursor = page.get("next_cursor")
    books = all_books(http, [t for m in markets for t in market_tokens(m)])
    top200 = {
        m["id"] for m in sorted(markets, key=lambda m: -float(m.get("volume24hr") or 0))[:200]
    }

    buy_both: set[str] = set()
    split_sell: set[str] = set()
    naive_buy_both: set[str] = set()
    for m in markets:
        tokens = market_tokens(m)
        if len(tokens) != 2 or not all(t in books for t in tokens):
            continue
        yes, no = books[tokens[0]], books[tokens[1]]
        asks = [best(yes["asks"], False), best(no["asks"], False)]
        bids = [best(yes["bids"], True), best(no["bids"], True)]
        if all(a is not None for a in asks) and sum(a + fee(a) for a in asks if a) < 1:
            buy_both.add(m["id"])
        if all(b is not None for b in bids) and sum(b - fee(b) for b in bids if b) > 1:
            split_sell.add(m["id"])
        if yes["asks"] and no["asks"]:
            first = float(yes["asks"][0]["price"]) + float(no["asks"][0]["price"])
            if first < 1:
                naive_buy_both.add(m["id"])
    assert len(buy_both) >= 3
    assert len(split_sell) >= 3
    # Exactly the planted ones: mirrored books elsewhere leave no accidental arbitrage.
    assert buy_both == state.plan.buy_both
    assert split_sell == state.plan.split_sell
    assert buy_both & top200
    assert split_sell & top200
    assert buy_both - naive_buy_both  # reading asks[0] (the worst ask) misses some of them

    neg_arb: list[dict[str, Any]] = []
    decoys: list[dict[str, Any]] = []
    for e in events:
        members = e["markets"]
        if len(members) < 2 or not all(m.get("negRisk") for m in members):
            continue
        yes_books = [books.get(market_tokens(m)[yes_index(m)]) for m in members]
        if any(b is None or not b["asks"] for b in yes_books):
            continue
        yes_asks = [best(b["asks"], False) or 0.0 for b in yes_books if b is not None]
        if sum(a + fee(a) for a in yes_asks) < 1:
            (decoys if e.get("negRiskAugmented") else neg_arb).append(e)
    assert neg_arb
    assert decoys
    assert any({m["id"] for m in e["markets"]} <= top200 for e in neg_arb)


def test_book_changes_show_in_rest(shared_data: Path) -> None:
    state = ReplayState.from_directory(shared_data / GHOST)
    token = market_tokens(state.dataset.markets[0])[0]
    with serve_in_thread(create_app(state)) as url:
        state.books.set_level(token, "SELL", "0.001", "7")
        book = httpx.get(f"{url}/book", params={"token_id": token}).json()
        assert book["asks"][-1] == {"price": "0.001", "size": "7"}
        state.books.set_level(token, "SELL", "0.001", "0")
        book = httpx.get(f"{url}/book", params={"token_id": token}).json()
        assert {"price": "0.001", "size": "7"} not in book["asks"]
