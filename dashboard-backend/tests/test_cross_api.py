"""GET /v1/cross-opportunities over a real Redis, served by uvicorn on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend.catalog import CatalogStore
from dashboard_backend.settings import Settings
from dashboard_backend.workers.matching import match_once
from tests.matching_fixtures import direction, doc, embedding, seed

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ROUTE = "/v1/cross-opportunities"


async def matched(redis: aioredis.Redis, redis_url: str) -> None:
    """Six markets, matched by the real worker pass (threshold 0.9).

    Politics: 1~2 (cos 5° = 0.996), 1~3 (cos 20° = 0.94), 2~3 (cos 15°); crypto: 4~5 (cos 25°);
    6 has no match.
    """
    docs = [
        doc("1", "Will A win?", yes_ask=0.40),
        doc("2", "Will A win the race?", yes_ask=0.46),
        doc("3", "A wins?", yes_ask=0.55),
        doc("4", "BTC 100k?", category="crypto"),
        doc("5", "Bitcoin 100k?", category="crypto"),
        doc("6", "Something else?"),
    ]
    angles = [0, 5, 20, 100, 125, 200]
    await seed(redis, docs, [embedding(d, direction(a)) for d, a in zip(docs, angles, strict=True)])
    await match_once(redis, Settings(redis_url=redis_url, similarity_threshold=0.9), NOW)


async def test_empty_array_before_any_matching_run(http: httpx.AsyncClient) -> None:
    response = await http.get(ROUTE)
    assert response.status_code == 200
    assert response.json() == []


async def test_groups_ordered_by_best_similarity_with_base_prices(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str
) -> None:
    await matched(redis_client, redis_url)
    body: list[dict[str, Any]] = (await http.get(ROUTE)).json()
    assert [g["market"]["id"] for g in body] == ["1", "2", "3", "4", "5"]
    first = body[0]
    assert first["market"] == {
        "id": "1",
        "question": "Will A win?",
        "category": "politics",
        "closeTime": "2026-12-31T00:00:00Z",
        "url": "https://polymarket.com/market/m-1",
        "liquidity": 100.0,
        "yesBestAsk": 0.4,
        "yesMid": 0.395,
        "venue": "polymarket",
    }
    assert [m["marketId"] for m in first["matches"]] == ["2", "3"]
    assert first["matches"][0]["yesAskDiff"] == 0.06
    assert first["matches"][0]["similarity"] > first["matches"][1]["similarity"] >= 0.9


async def test_parameters_filter_and_limit(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str
) -> None:
    await matched(redis_client, redis_url)
    one = (await http.get(ROUTE, params={"market_id": "3"})).json()
    assert [g["market"]["id"] for g in one] == ["3"]
    assert (await http.get(ROUTE, params={"market_id": "6"})).json() == []
    crypto = (await http.get(ROUTE, params={"category": "CRYPTO"})).json()
    assert [g["market"]["id"] for g in crypto] == ["4", "5"]
    limited = (await http.get(ROUTE, params={"limit": 1})).json()
    assert all(len(g["matches"]) == 1 for g in limited)
    strict = (await http.get(ROUTE, params={"min_similarity": 0.99})).json()
    assert [(g["market"]["id"], [m["marketId"] for m in g["matches"]]) for g in strict] == [
        ("1", ["2"]),
        ("2", ["1"]),
    ]
    capped = (await http.get(ROUTE, params={"max_markets": 2})).json()
    assert [g["market"]["id"] for g in capped] == ["1", "2"]


async def test_prices_are_live_and_vanished_markets_skipped(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str
) -> None:
    await matched(redis_client, redis_url)
    catalog = CatalogStore(redis_client)
    docs = await catalog.read_all()
    del docs["2"]
    docs["3"] = doc("3", "A wins?", yes_ask=0.70)
    await catalog.replace(docs)
    body = (await http.get(ROUTE)).json()
    assert "2" not in [g["market"]["id"] for g in body]
    first = body[0]
    assert first["market"]["id"] == "1"
    assert [m["marketId"] for m in first["matches"]] == ["3"]  # 2 left the catalog
    assert first["matches"][0]["yesAskDiff"] == 0.3  # 0.70 now, not 0.55 at matching time


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"min_similarity": 1.5}, "min_similarity"),
        ({"min_similarity": -0.1}, "min_similarity"),
        ({"max_markets": 0}, "max_markets"),
        ({"market_id": ""}, "market_id"),
        ({"category": ""}, "category"),
    ],
)
async def test_bad_values_answer_422_naming_the_parameter(
    http: httpx.AsyncClient, params: dict[str, str | int | float], name: str
) -> None:
    response = await http.get(ROUTE, params=params)
    assert response.status_code == 422
    assert name in response.json()["detail"]
