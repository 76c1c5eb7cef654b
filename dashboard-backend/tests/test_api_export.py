"""The typed API surface: cursor pages of history, CSV exports, rounding at the edge, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import httpx
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.matching.store import dump_entries
from dashboard_backend.models import MatchEntry, OutcomeLink, Relation
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from tests.api_fixtures import binary_market
from tests.matching_fixtures import doc
from tests.test_api import FEES, NOW, seed


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


async def seven_history_entries(redis: aioredis.Redis) -> None:
    """Markets 1 and 2 appear, then 1 flickers away and back three times (7 entries)."""
    docs, books = await seed(redis)
    ops = OpsStore(redis)
    for i in range(1, 6):
        at = NOW + timedelta(minutes=i)
        kept = docs[1:] if i % 2 else docs
        await ops.replace_all(find_opportunities(kept, books, FEES, at), at)


async def test_history_pages_follow_the_cursor_to_the_end(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await seven_history_entries(redis_client)
    everything = (await http.get("/v1/history", params={"limit": 100})).json()["items"]
    assert len(everything) == 7
    pages: list[list[dict[str, object]]] = []
    params: dict[str, str | int] = {"limit": 3}
    while True:
        body = (await http.get("/v1/history", params=params)).json()
        pages.append(body["items"])
        if body["nextCursor"] is None:
            break
        params = {"limit": 3, "cursor": body["nextCursor"]}
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [e for p in pages for e in p] == everything  # no gap, no repeat, newest first
    only_1 = (await http.get("/v1/history", params={"market_id": "1", "limit": 2})).json()
    rest = await http.get(
        "/v1/history", params={"market_id": "1", "limit": 10, "cursor": only_1["nextCursor"]}
    )
    ids = [e["id"] for e in only_1["items"] + rest.json()["items"]]
    assert ids == ["binary_buy_both:1"] * 6


async def test_a_malformed_cursor_is_a_422_naming_it(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/history", params={"cursor": "page-2"})
    assert response.status_code == 422
    assert "'cursor'" in response.json()["detail"]


async def test_history_csv_has_one_row_per_change_and_the_next_cursor(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await seven_history_entries(redis_client)
    response = await http.get("/v1/history", params={"format": "csv", "limit": 4})
    rows = read_csv(response)
    json_page = (await http.get("/v1/history", params={"limit": 4})).json()
    assert [r["action"] for r in rows] == [e["action"] for e in json_page["items"]]
    assert rows[0]["opportunity.kind"] == "binary_buy_both"
    assert float(rows[0]["opportunity.expectedProfit"]) > 0
    assert response.headers["x-next-cursor"] == json_page["nextCursor"]


async def test_opportunities_csv_matches_the_json(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await seed(redis_client)
    rows = read_csv(await http.get("/v1/opportunities", params={"format": "csv"}))
    body = (await http.get("/v1/opportunities")).json()
    assert [r["id"] for r in rows] == [o["id"] for o in body]
    assert [float(r["expectedProfit"]) for r in rows] == [o["expectedProfit"] for o in body]
    assert rows[0]["marketIds"] == "1"
    legs = json.loads(rows[0]["legs"])
    assert {leg["outcome"] for leg in legs} == {"Yes", "No"}
    empty = await http.get("/v1/opportunities", params={"format": "csv", "kind": "negrisk_buy_all"})
    header = read_csv(empty)
    assert header == []
    assert empty.text.startswith("id,kind,venue,")  # the header is there with no rows


async def test_a_title_starting_like_a_formula_is_exported_as_text(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    market, books = binary_market("9", "=HYPERLINK(1) win?", "politics", 0.40, 0.50)
    book_map = {b.token_id: b for b in books}
    await CatalogStore(redis_client).replace({"9": market})
    await OpsStore(redis_client).replace_all(find_opportunities([market], book_map, FEES, NOW))
    rows = read_csv(await http.get("/v1/opportunities", params={"format": "csv"}))
    assert rows[0]["title"] == "'=HYPERLINK(1) win?"


async def planted_pair(redis: aioredis.Redis) -> None:
    """Two catalog markets and a stored match with float noise and a relation verdict."""
    a, b = doc("1", "Will A win?", yes_ask=0.40), doc("2", "Will A win the race?", yes_ask=0.46)
    await CatalogStore(redis).replace({"1": a, "2": b})
    entry = MatchEntry(
        market_id="2",
        question=b.question,
        similarity=1.000000012812726,
        relation=Relation.EQUIVALENT,
        confidence=0.93000000001,
        outcome_map=(OutcomeLink(a_token="1y", a_outcome="Yes", b_token="2y", b_outcome="Yes"),),
        reasons=("same question", "same close"),
        matched_at=datetime(2026, 11, 24, tzinfo=UTC),
    )
    await redis.hset(keys.CROSS_MATCHES, "1", dump_entries([entry]))


async def test_similarities_and_prices_are_rounded_and_clamped(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await planted_pair(redis_client)
    [group] = (await http.get("/v1/cross-opportunities")).json()
    [match] = group["matches"]
    assert match["similarity"] == 1.0
    assert match["confidence"] == 0.93
    assert match["yesAskDiff"] == 0.06  # 0.46 - 0.40 = 0.06000000000000005 before rounding
    assert group["market"]["yesMid"] == 0.395
    market = (await http.get("/v1/market/1")).json()["market"]
    assert market["outcomes"][0]["bestBid"] == 0.39  # 0.40 - 0.01 = 0.39000000000000007


async def test_pairs_csv_carries_both_markets_and_the_relation(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await planted_pair(redis_client)
    [row] = read_csv(await http.get("/v1/cross-opportunities", params={"format": "csv"}))
    assert row["base.id"] == "1"
    assert row["base.question"] == "Will A win?"
    assert row["marketId"] == "2"
    assert row["similarity"] == "1.0"
    assert row["relation"] == "equivalent"
    assert row["confidence"] == "0.93"
    assert json.loads(row["outcomeMap"]) == [
        {"aToken": "1y", "aOutcome": "Yes", "bToken": "2y", "bOutcome": "Yes"}
    ]
    assert row["reasons"] == "same question; same close"


def test_openapi_describes_every_response(api_url: str) -> None:
    document = httpx.get(f"{api_url}/openapi.json").json()
    undescribed = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            content = operation["responses"]["200"].get("content", {})
            schemas = [c.get("schema") for c in content.values()]
            if not schemas or any(s in (None, {}) for s in schemas):
                undescribed.append(f"{method.upper()} {path}")
    assert undescribed == []
    schemas = document["components"]["schemas"]
    assert {"Opportunity", "HistoryPage", "MarketDetail", "CrossGroup", "Health"} <= set(schemas)
    assert "nextCursor" in schemas["HistoryPage"]["properties"]
