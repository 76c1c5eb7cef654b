"""The HTTP API over a real Redis, served by uvicorn on loopback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.status import write_status
from dashboard_backend.venues.base import POLYMARKET
from tests.api_fixtures import binary_market

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FEES = FeeTable({}, 0.0)


async def seed(redis: aioredis.Redis) -> tuple[list[MarketDocument], dict[str, OrderBook]]:
    """Three markets: two arbitrage (politics, crypto), one fairly priced; opportunities stored."""
    markets = [
        binary_market("1", "Will A win?", "politics", 0.40, 0.50),  # buy both: 0.90
        binary_market("2", "Will BTC hit 200k?", "crypto", 0.30, 0.65),  # buy both: 0.95
        binary_market("3", "Will C happen?", "politics", 0.52, 0.50),  # none
    ]
    docs = [doc for doc, _ in markets]
    books = {b.token_id: b for _, bs in markets for b in bs}
    await CatalogStore(redis).replace({d.id: d for d in docs})
    await CatalogStore(redis).write_books(books.values())
    await OpsStore(redis).replace_all(find_opportunities(docs, books, FEES, NOW), NOW)
    return docs, books


async def test_opportunities_are_listed_most_profitable_first(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await seed(redis_client)
    rows = (await http.get("/v1/opportunities")).json()
    assert [r["marketIds"] for r in rows] == [["1"], ["2"]]
    assert rows[0]["kind"] == "binary_buy_both"
    assert rows[0]["edge"] == pytest.approx(0.10)
    assert rows[0]["size"] == pytest.approx(100)
    assert rows[0]["expectedProfit"] == pytest.approx(10.0)


async def test_opportunity_filters(http: httpx.AsyncClient, redis_client: aioredis.Redis) -> None:
    await seed(redis_client)
    crypto = (await http.get("/v1/opportunities", params={"category": "crypto"})).json()
    assert [r["marketIds"] for r in crypto] == [["2"]]
    big = (await http.get("/v1/opportunities", params={"min_edge": 0.08})).json()
    assert [r["marketIds"] for r in big] == [["1"]]
    assert len((await http.get("/v1/opportunities", params={"limit": 1})).json()) == 1
    split = (await http.get("/v1/opportunities", params={"kind": "binary_split_sell"})).json()
    assert split == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"kind": "free_money"}, "kind"),
        ({"min_edge": "x"}, "min_edge"),
    ],
)
async def test_bad_opportunity_parameters_are_422_naming_the_parameter(
    http: httpx.AsyncClient, params: dict[str, str | int], name: str
) -> None:
    response = await http.get("/v1/opportunities", params=params)
    assert response.status_code == 422
    assert f"'{name}'" in response.json()["detail"]


async def test_market_detail_has_document_books_and_opportunities(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await seed(redis_client)
    body = (await http.get("/v1/market/1")).json()
    assert body["market"]["question"] == "Will A win?"
    assert [o["name"] for o in body["market"]["outcomes"]] == ["Yes", "No"]
    assert body["books"]["1-yes"]["asks"] == [{"price": 0.40, "size": 100.0}]
    assert [o["kind"] for o in body["opportunities"]] == ["binary_buy_both"]
    assert (await http.get("/v1/market/3")).json()["opportunities"] == []


async def test_unknown_market_is_404_with_a_message(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/market/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


async def test_history_records_appear_and_disappear(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    docs, books = await seed(redis_client)
    later = NOW + timedelta(minutes=1)
    # Market 1's arbitrage goes away: only market 2 remains.
    remaining = find_opportunities(docs[1:], books, FEES, later)
    await OpsStore(redis_client).replace_all(remaining, later)
    page = (await http.get("/v1/history")).json()
    assert page["nextCursor"] is None
    events = page["items"]
    assert [(e["action"], e["id"]) for e in events] == [
        ("disappeared", "binary_buy_both:1"),
        ("appeared", "binary_buy_both:2"),
        ("appeared", "binary_buy_both:1"),
    ]
    only_2 = (await http.get("/v1/history", params={"market_id": "2"})).json()["items"]
    assert [e["id"] for e in only_2] == ["binary_buy_both:2"]
    assert len((await http.get("/v1/history", params={"limit": 1})).json()["items"]) == 1
    bad = await http.get("/v1/history", params={"since": "yesterday"})
    assert bad.status_code == 422
    assert "'since'" in bad.json()["detail"]


async def test_history_since_excludes_older_entries(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await seed(redis_client)
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    empty = (await http.get("/v1/history", params={"since": future})).json()
    assert empty == {"items": [], "nextCursor": None}
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert len((await http.get("/v1/history", params={"since": past})).json()["items"]) == 2


async def test_stream_relays_opportunity_and_poll_events(
    api_url: str, redis_client: aioredis.Redis
) -> None:
    docs, books = await seed(redis_client)
    received: list[tuple[str, dict[str, object]]] = []
    subscribed = asyncio.Event()

    async def listen() -> None:
        async with (
            httpx.AsyncClient(base_url=api_url, timeout=10) as client,
            client.stream("GET", "/v1/stream") as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    received.append((event, json.loads(line[6:])))
                    subscribed.set()
                    if len(received) == 3:
                        return

    task = asyncio.create_task(listen())
    await asyncio.wait_for(subscribed.wait(), 10)  # hello: the subscription is live
    later = NOW + timedelta(minutes=1)
    await OpsStore(redis_client).replace_all(
        find_opportunities(docs[1:], books, FEES, later), later
    )
    await redis_client.publish(keys.POLL_UPDATES, json.dumps({"type": "poll", "markets": 3}))
    await asyncio.wait_for(task, 10)
    assert received[0][0] == "hello"
    assert received[1][0] == "opportunity"
    assert received[1][1]["action"] == "disappeared"
    assert received[1][1]["id"] == "binary_buy_both:1"
    assert received[2] == ("poll", {"type": "poll", "markets": 3})


async def test_healthz_reports_counts_and_worker_status(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    empty = (await http.get("/healthz")).json()
    assert empty["redis"] is True
    assert empty["catalogSize"] == 0
    assert empty["lastPoll"] is None
    await seed(redis_client)
    await write_status(redis_client, keys.status_poller(POLYMARKET), lastPoll=NOW.isoformat())
    body = (await http.get("/healthz")).json()
    assert body["catalogSize"] == 3
    assert body["opportunities"] == 2
    assert body["lastPoll"] == NOW.isoformat()


def test_openapi_docs_are_served(api_url: str) -> None:
    assert httpx.get(f"{api_url}/docs").status_code == 200
    paths = httpx.get(f"{api_url}/openapi.json").json()["paths"]
    assert {"/v1/opportunities", "/v1/history", "/v1/stream", "/healthz"} <= set(paths)
