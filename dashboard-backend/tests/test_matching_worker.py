"""The matching worker over a real Redis: one pass, status, changes, loop resilience, entry point."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.settings import Settings
from dashboard_backend.workers.matching import match_once, run, wait_for_next_pass
from tests.matching_fixtures import direction, doc, embedding, published, seed, subscribe

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def settings_for(redis_url: str, **extra: object) -> Settings:
    return Settings(redis_url=redis_url, similarity_threshold=0.9, **extra)  # type: ignore[arg-type]


async def test_one_pass_writes_matches_status_and_events(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    docs = [doc("1", yes_ask=0.40), doc("2", yes_ask=0.47), doc("3"), doc("4", category="crypto")]
    vectors = [direction(0), direction(10), direction(60), direction(2)]
    await seed(redis_client, docs, [embedding(d, v) for d, v in zip(docs, vectors, strict=True)])
    pubsub = await subscribe(redis_client)
    status = await match_once(redis_client, settings_for(redis_url), NOW)
    # cos 10° = 0.985 pairs 1 and 2; 3 is far; 4 is close to 1 but another category.
    matches = await MatchStore(redis_client).read_all()
    assert {b: [e.market_id for e in es] for b, es in matches.items()} == {"1": ["2"], "2": ["1"]}
    assert matches["1"][0].yes_ask_diff == 0.07
    assert (status.markets, status.markets_with_matches, status.pairs) == (4, 2, 2)
    stored = await redis_client.hgetall(keys.STATUS_MATCHING)
    assert stored["pairs"] == "2"
    assert stored["marketsWithMatches"] == "2"
    assert stored["lastRun"] == NOW.isoformat()
    assert float(stored["lastDuration"]) >= 0
    assert int(stored["candidatesCompared"]) >= 1
    events = await published(pubsub)
    assert sorted((e["marketId"], e["matchId"], e["action"]) for e in events) == [
        ("1", "2", "new"),
        ("2", "1", "new"),
    ]
    # Second pass: market 2 re-priced, market 1 left the catalog.
    docs2 = [doc("2", yes_ask=0.30), doc("3"), doc("5")]
    await CatalogStore(redis_client).replace({d.id: d for d in docs2})
    await seed(redis_client, docs2, [embedding(docs2[2], direction(9))])
    await match_once(redis_client, settings_for(redis_url), NOW + timedelta(minutes=15))
    events = await published(pubsub)
    assert sorted((e["marketId"], e["matchId"], e["action"]) for e in events) == [
        ("1", "2", "dropped"),
        ("2", "1", "dropped"),
        ("2", "5", "new"),
        ("5", "2", "new"),
    ]
    await pubsub.aclose()


async def test_stale_other_model_and_unreadable_embeddings_are_ignored(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    docs = [doc(str(i)) for i in range(6)]
    embeddings = [
        embedding(docs[0], direction(0)),
        embedding(docs[1], direction(1)),
        embedding(docs[2], direction(2)),
        embedding(docs[3], direction(1), signature="an-old-signature"),  # stale
        embedding(docs[4], direction(1), model="text-embedding-3-small"),  # minority model
        embedding(docs[5], direction(1)).model_copy(update={"dimensions": 5}),  # mis-sized
    ]
    await seed(redis_client, docs, embeddings)
    status = await match_once(redis_client, settings_for(redis_url), NOW)
    assert status.markets == 3
    matches = await MatchStore(redis_client).read_all()
    assert sorted(matches) == ["0", "1", "2"]
    assert all(e.market_id in {"0", "1", "2"} for es in matches.values() for e in es)


async def test_window_filter_setting_is_applied(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    far = datetime(2027, 3, 1, tzinfo=UTC)
    docs = [doc("1"), doc("2", close=far)]
    await seed(
        redis_client, docs, [embedding(docs[0], direction(0)), embedding(docs[1], direction(1))]
    )
    await match_once(redis_client, settings_for(redis_url), NOW)
    assert await redis_client.exists(keys.CROSS_MATCHES) == 0
    off = settings_for(redis_url, match_require_close_window=False)
    await match_once(redis_client, off, NOW)
    assert await redis_client.hlen(keys.CROSS_MATCHES) == 2


async def test_loop_survives_a_failing_pass(
    redis_client: aioredis.Redis, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    docs = [doc("1"), doc("2")]
    await seed(
        redis_client, docs, [embedding(docs[0], direction(0)), embedding(docs[1], direction(1))]
    )
    # A key of the wrong type makes the pass fail inside Redis (WRONGTYPE), for real.
    await redis_client.set(keys.CROSS_MATCHES, "not a hash")
    task = asyncio.create_task(
        run(redis_client, settings_for(redis_url, embedding_refresh_sec=0.05), loop=True)
    )
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            if "matching pass failed" in caplog.text:
                break
        assert "matching pass failed" in caplog.text
        assert not task.done()  # the failure was logged, the loop goes on
        await redis_client.delete(keys.CROSS_MATCHES)
        for _ in range(200):
            await asyncio.sleep(0.05)
            if await redis_client.exists(keys.STATUS_MATCHING):
                break
        assert await redis_client.hlen(keys.CROSS_MATCHES) == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_loop_follows_a_finished_embedding_run(redis_client: aioredis.Redis) -> None:
    await redis_client.hset(keys.STATUS_EMBEDDING, "lastRun", "t1")
    waiter = asyncio.create_task(wait_for_next_pass(redis_client, "t1", 600, poll_sec=0.02))
    await asyncio.sleep(0.1)
    assert not waiter.done()  # nothing new: keeps waiting for the refresh
    await redis_client.hset(keys.STATUS_EMBEDDING, "lastRun", "t2")
    await asyncio.wait_for(waiter, 5)  # an embedding run finished: the next pass starts now


async def test_loop_waits_no_longer_than_the_refresh(redis_client: aioredis.Redis) -> None:
    await asyncio.wait_for(wait_for_next_pass(redis_client, "", 0.1, poll_sec=0.02), 5)


async def test_entry_point_once_mode(redis_client: aioredis.Redis, redis_url: str) -> None:
    docs = [doc("1"), doc("2")]
    await seed(
        redis_client, docs, [embedding(docs[0], direction(0)), embedding(docs[1], direction(5))]
    )
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(PACKAGE_ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dashboard_backend.workers.matching",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, output.decode()
    assert await redis_client.hlen(keys.CROSS_MATCHES) == 2
    assert b"matched 2 markets" in output
