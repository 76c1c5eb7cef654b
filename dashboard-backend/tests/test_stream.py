"""/v1/stream over real HTTP: history ids and Last-Event-ID replay, the cap, slow clients, and
streams that never starve the other endpoints of Redis connections."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.api.main import create_app
from dashboard_backend.api.stream_hub import StreamHub, parse_stream_id
from dashboard_backend.bench._sse import SseClient
from dashboard_backend.fees import FeeTable
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.settings import Settings
from tests.api_fixtures import binary_market
from tests.support_http import run_app
from tests.support_wait import eventually

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FEES = FeeTable({}, 0.0)


async def write_changes(redis: aioredis.Redis, count: int, start: int = 0) -> None:
    """`count` opportunity changes, one replace_all each (appear, disappear, appear, ...)."""
    doc, books = binary_market("1", "Will A win?", "politics", 0.40, 0.50)
    book_map = {b.token_id: b for b in books}
    ops = OpsStore(redis)
    for i in range(start, start + count):
        when = NOW + timedelta(seconds=i)
        found = find_opportunities([doc], book_map, FEES, when) if i % 2 == 0 else {}
        await ops.replace_all(found, when)


def opened(api_url: str, **headers: str) -> SseClient:
    parts = urlsplit(api_url)
    assert parts.hostname is not None
    assert parts.port is not None
    return SseClient(parts.hostname, parts.port, headers=headers)


async def test_opportunity_events_carry_ids_and_last_event_id_replays_what_was_missed(
    api_url: str, redis_client: aioredis.Redis
) -> None:
    first = opened(api_url)
    assert await first.connect() == 200
    reading = asyncio.create_task(first.read_events(until=3))
    await eventually(lambda: len(first.events) >= 1, "hello")
    await write_changes(redis_client, 2)
    await asyncio.wait_for(reading, 10)
    await first.close()
    hello, *ops = first.events
    assert hello.event == "hello"
    assert [e.event for e in ops] == ["opportunity", "opportunity"]
    history = await redis_client.xrange(keys.OPS_HISTORY)
    assert [e.id for e in ops] == [entry_id for entry_id, _ in history]
    assert json.loads(ops[0].data)["action"] == "appeared"
    # While disconnected three more changes happen; the reconnect names the last id it saw.
    await write_changes(redis_client, 3, start=2)
    again = opened(api_url, **{"Last-Event-ID": ops[-1].id or ""})
    assert await again.connect() == 200
    await asyncio.wait_for(again.read_events(until=4), 10)
    replay = again.events[1:]
    history = await redis_client.xrange(keys.OPS_HISTORY)
    assert [e.id for e in replay] == [entry_id for entry_id, _ in history[2:]]
    # New events after the replay follow, without repeating any replayed one.
    await write_changes(redis_client, 1, start=5)
    await asyncio.wait_for(again.read_events(until=5), 10)
    ids = [e.id for e in again.events[1:]]
    assert len(ids) == len(set(ids)) == 4
    await again.close()


async def test_a_last_event_id_older_than_the_history_asks_for_a_reset(
    api_url: str, redis_client: aioredis.Redis
) -> None:
    await write_changes(redis_client, 2)
    stale = opened(api_url, **{"Last-Event-ID": "1-0"})
    await stale.connect()
    await asyncio.wait_for(stale.read_events(until=2), 10)
    assert [e.event for e in stale.events] == ["hello", "reset"]
    await stale.close()


@pytest.fixture
def capped_api(redis_url: str) -> Iterator[str]:
    with run_app(
        create_app(Settings(redis_url=redis_url, stream_max_clients=2)), lifespan="on"
    ) as url:
        yield url


async def test_streams_past_the_cap_get_503_with_retry_after(capped_api: str) -> None:
    clients = [opened(capped_api) for _ in range(3)]
    assert [await c.connect() for c in clients[:2]] == [200, 200]
    assert await clients[2].connect() == 503
    assert clients[2].response_headers["retry-after"] == "5"
    await clients[0].close()
    # A freed slot is usable again.
    fresh = opened(capped_api)

    async def admitted() -> bool:
        status = await fresh.connect()
        if status != 200:
            await fresh.close()
        return status == 200

    await eventually(admitted, "a freed stream slot")
    for client in (*clients, fresh):
        await client.close()


async def test_a_slow_client_is_dropped_and_the_others_get_every_event(
    redis_client: aioredis.Redis,
) -> None:
    hub = StreamHub(redis_client, queue_size=10)
    slow, fast = hub.register(), hub.register()
    assert slow is not None
    assert fast is not None
    received: list[bytes] = []

    async def consume() -> None:
        async for frame in hub.frames(fast, None, keepalive=60):
            received.append(frame)

    reader = asyncio.create_task(consume())
    for i in range(20):
        hub.publish(f"event: poll\ndata: {i}\n\n".encode())
        await asyncio.sleep(0.01)  # the fast client drains between events; the slow one never does
    await eventually(lambda: len(received) == 21, "every event at the fast client")
    assert slow.dropped
    assert hub.dropped == 1
    assert slow not in hub.clients
    assert fast in hub.clients
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)


async def test_many_streams_never_starve_the_other_endpoints(
    api_url: str, redis_client: aioredis.Redis
) -> None:
    async def redis_clients() -> int:
        return int((await redis_client.info("clients"))["connected_clients"])

    before = await redis_clients()
    streams = [opened(api_url) for _ in range(150)]  # more than redis-py's default pool of 100
    try:
        statuses = await asyncio.gather(*(s.connect() for s in streams))
        assert set(statuses) == {200}
        # The streams hold no Redis connection each: the hub's few serve them all.
        assert await redis_clients() - before <= 8
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=api_url, timeout=60, limits=limits) as http:
            answers = await asyncio.gather(
                *(http.get(p) for p in ("/healthz", "/v1/opportunities", "/v1/history") * 20)
            )
        assert {r.status_code for r in answers} == {200}
    finally:
        await asyncio.gather(*(s.close() for s in streams))


def test_stream_ids_parse_and_compare() -> None:
    assert parse_stream_id("1700000000000-3") == (1700000000000, 3)
    assert parse_stream_id("1-2") < parse_stream_id("1-10")  # type: ignore[operator]
    for bad in (None, "", "abc", "1-", "-1", "1-2-3", "9" * 50):
        assert parse_stream_id(bad) is None
