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
    """Six markets, related by the real worker pass (embedding threshold 0.9).

    1 (Polymarket) and 2 (Kalshi) are the same bet; 3 is the other side of that game (a draw is
    possible, so mutually exclusive with both); 4 and 5 are the same Bitcoin question worded two
    ways; 6 relates to nothing. Embeddings: 1~2 (cos 5°), 1~3 (20°), 2~3 (15°), 4~5 (25°).
    """
    docs = [
        doc(
            "1",
            "Will Spain win on 2026-06-15?",
            yes_ask=0.40,
            event_id="e1",
            event_title="Spain vs. Cape Verde",
        ),
        doc(
            "2",
            "Spain vs Cape Verde Winner?",
            yes_ask=0.46,
            venue="kalshi",
            event_id="KXWCGAME-26JUN15ESPCPV",
            group_item="Spain",
        ),
        doc(
            "3",
            "Will Cape Verde win on 2026-06-15?",
            yes_ask=0.55,
            event_id="e3",
            event_title="Spain vs. Cape Verde",
        ),
        doc("4", "Will Bitcoin reach $100,000 by December 31, 2026?", category="crypto"),
        doc("5", "Will BTC hit $100k by end of 2026?", category="crypto"),
        doc("6", "Will it snow in Miami in 2026?"),
    ]
    angles = [0, 5, 20, 100, 125, 200]
    await seed(redis, docs, [embedding(d, direction(a)) for d, a in zip(docs, angles, strict=True)])
    # Same-venue pairs (1~3, 4~5) are part of the story: candidates within a venue too.
    settings = Settings(
        redis_url=redis_url, similarity_threshold=0.9, match_across_venues_only=False
    )
    await match_once(redis, settings, NOW)


async def test_empty_array_before_any_matching_run(http: httpx.AsyncClient) -> None:
    response = await http.get(ROUTE)
    assert response.status_code == 200
    assert response.json() == []


async def test_groups_ordered_by_strongest_relation_with_base_prices(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str
) -> None:
    await matched(redis_client, redis_url)
    body: list[dict[str, Any]] = (await http.get(ROUTE)).json()
    # Equivalent pairs first (the game's 0.95 confidence before the Bitcoin question's), then 3,
    # whose strongest relation is mutual exclusion.
    assert [g["market"]["id"] for g in body] == ["1", "2", "4", "5", "3"]
    first = body[0]
    assert first["market"] == {
        "id": "1",
        "question": "Will Spain win on 2026-06-15?",
        "category": "politics",
        "closeTime": "2026-12-31T00:00:00Z",
        "url": "https://polymarket.com/market/m-1",
        "liquidity": 100.0,
        "yesBestAsk": 0.4,
        "yesMid": 0.395,
        "venue": "polymarket",
    }
    assert [(m["marketId"], m["relation"]) for m in first["matches"]] == [
        ("2", "equivalent"),
        ("3", "mutually_exclusive"),
    ]
    same = first["matches"][0]
    assert same["yesAskDiff"] == 0.06
    assert [(o["aOutcome"], o["bOutcome"]) for o in same["outcomeMap"]] == [
        ("Yes", "Yes"),
        ("No", "No"),
    ]
    assert same["reasons"]
    assert 0 < same["confidence"] <= 1


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
    exclusive = (await http.get(ROUTE, params={"relation": "mutually_exclusive"})).json()
    assert {g["market"]["id"]: [m["marketId"] for m in g["matches"]] for g in exclusive} == {
        "1": ["3"],
        "2": ["3"],
        "3": ["2", "1"],  # 2 is the nearer embedding (15° against 20°)
    }
    both = await http.get(ROUTE, params=[("relation", "equivalent"), ("relation", "inverse")])
    assert {m["relation"] for g in both.json() for m in g["matches"]} == {"equivalent"}


async def test_prices_are_live_and_vanished_markets_skipped(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str
) -> None:
    await matched(redis_client, redis_url)
    catalog = CatalogStore(redis_client)
    docs = await catalog.read_all()
    del docs["2"]
    docs["3"] = doc(
        "3",
        "Will Cape Verde win on 2026-06-15?",
        yes_ask=0.70,
        event_id="e3",
        event_title="Spain vs. Cape Verde",
    )
    await catalog.replace(docs)
    body = (await http.get(ROUTE)).json()
    assert "2" not in [g["market"]["id"] for g in body]
    first = next(g for g in body if g["market"]["id"] == "1")
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
        ({"relation": "same"}, "relation"),
    ],
)
async def test_bad_values_answer_422_naming_the_parameter(
    http: httpx.AsyncClient, params: dict[str, str | int | float], name: str
) -> None:
    response = await http.get(ROUTE, params=params)
    assert response.status_code == 422
    assert name in response.json()["detail"]
