"""Bad stored data never makes a 5xx: garbage values and keys of the wrong type, for every key
the product stores, read through the real API over HTTP; and the next writer repairs its key."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.fees import FeeTable
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.status import write_status
from tests.api_fixtures import binary_market

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
GARBAGE = ["{", "null", "[]", '{"id": 5}', "\x00\xff", "9" * 5000, '"a string"']
PATHS = (
    "/healthz",
    "/v1/opportunities",
    "/v1/history",
    "/v1/history?market_id=1",
    "/v1/market/1",
    "/v1/market/2",
    "/v1/cross-opportunities",
    "/v1/cross-opportunities?market_id=1",
    "/metrics",
)
HASHES = (
    keys.CATALOG,
    keys.BOOKS,
    keys.EMBEDDINGS,
    keys.CROSS_MATCHES,
    keys.OPS_SNAPSHOT,
    keys.STATUS_EMBEDDING,
    keys.STATUS_MATCHING,
    keys.STATUS_PROCESSES,
    keys.status_poller("polymarket"),
    keys.status_ws("polymarket"),
    keys.METRICS,
)


async def seed(redis: aioredis.Redis) -> None:
    markets = [
        binary_market("1", "Will A win?", "politics", 0.40, 0.50),
        binary_market("2", "Will B win?", "politics", 0.30, 0.65),
    ]
    docs = [doc for doc, _ in markets]
    books = {b.token_id: b for _, bs in markets for b in bs}
    await CatalogStore(redis).replace({d.id: d for d in docs})
    await CatalogStore(redis).write_books(books.values())
    await OpsStore(redis).replace_all(find_opportunities(docs, books, FeeTable({}, 0.0), NOW), NOW)


async def no_server_errors(http: httpx.AsyncClient) -> dict[str, int]:
    statuses = {path: (await http.get(path)).status_code for path in PATHS}
    assert all(code < 500 for code in statuses.values()), statuses
    return statuses


async def test_garbage_values_in_every_hash_and_the_history_are_skipped(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await seed(redis_client)
    for key in HASHES:
        await redis_client.hset(key, mapping={f"bad{i}": v for i, v in enumerate(GARBAGE)})
    # Garbage under the ids the API looks up directly, too.
    await redis_client.hset(keys.CATALOG, "2", "{not json")
    await redis_client.hset(keys.BOOKS, "1-yes", "[1, 2")
    await redis_client.hset(keys.CROSS_MATCHES, "1", '[{"marketId": 7}]')
    await write_status(redis_client, keys.status_poller("polymarket"), lastPoll="soon", markets="x")
    for fields in ({"data": "{"}, {"nothing": "here"}, {"data": "[]", "markets": "{"}):
        await redis_client.xadd(keys.OPS_HISTORY, fields)
    statuses = await no_server_errors(http)
    assert statuses["/v1/market/1"] == 200  # its good document is still served
    assert statuses["/v1/market/2"] == 404  # an unreadable document is as good as absent
    history = (await http.get("/v1/history")).json()["items"]
    assert len(history) == 2  # the two good entries, the three bad ones skipped


@pytest.mark.parametrize("key", [*HASHES, keys.OPS_HISTORY])
async def test_a_key_of_the_wrong_type_is_no_server_error(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, key: str
) -> None:
    await seed(redis_client)
    await redis_client.delete(key)
    await redis_client.rpush(key, "not", "the", "right", "type")
    await no_server_errors(http)
    # A reconnecting stream that cannot replay is told to reload, not failed.
    async with http.stream("GET", "/v1/stream", headers={"Last-Event-ID": "1-0"}) as response:
        assert response.status_code == 200


async def test_the_next_writer_repairs_a_key_of_the_wrong_type(
    redis_client: aioredis.Redis,
) -> None:
    await seed(redis_client)
    for key in (keys.BOOKS, keys.OPS_SNAPSHOT, keys.OPS_HISTORY, keys.CROSS_MATCHES):
        await redis_client.delete(key)
        await redis_client.set(key, "a string where a hash or stream belongs")
    markets = [binary_market("1", "Will A win?", "politics", 0.40, 0.50)]
    docs = [doc for doc, _ in markets]
    books = {b.token_id: b for _, bs in markets for b in bs}
    await CatalogStore(redis_client).write_books(books.values())
    await OpsStore(redis_client).replace_all(
        find_opportunities(docs, books, FeeTable({}, 0.0), NOW), NOW
    )
    await MatchStore(redis_client).replace({}, NOW)
    assert await redis_client.type(keys.BOOKS) == "hash"
    assert await redis_client.type(keys.OPS_SNAPSHOT) == "hash"
    assert await redis_client.type(keys.OPS_HISTORY) == "stream"
    assert await redis_client.type(keys.CROSS_MATCHES) in ("hash", "none")
    assert len(await OpsStore(redis_client).read_snapshot()) == 1
