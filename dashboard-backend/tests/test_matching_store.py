"""MatchStore over a real Redis: atomic replacement, change publishing and status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.matching.store import MatchRunStatus, MatchStore
from dashboard_backend.models import MatchEntry
from tests.matching_fixtures import published, subscribe

T1 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
T2 = T1 + timedelta(minutes=15)


def entry(match_id: str, ask: float = 0.05, at: datetime = T1) -> MatchEntry:
    return MatchEntry(
        market_id=match_id,
        question=f"Q {match_id}",
        similarity=0.9,
        yes_ask_diff=ask,
        matched_at=at,
    )


async def test_replace_swaps_the_whole_hash_and_publishes_changes(
    redis_client: aioredis.Redis,
) -> None:
    store = MatchStore(redis_client)
    pubsub = await subscribe(redis_client)
    await store.replace({"a": [entry("b"), entry("c")], "b": [entry("a")]}, T1)
    first = await published(pubsub)
    assert sorted((m["marketId"], m["matchId"], m["action"]) for m in first) == [
        ("a", "b", "new"),
        ("a", "c", "new"),
        ("b", "a", "new"),
    ]
    changes = await store.replace({"a": [entry("b", ask=0.09, at=T2)]}, T2)
    assert [(c.action, c.market_id, c.match_id) for c in changes] == [
        ("repriced", "a", "b"),
        ("dropped", "a", "c"),
        ("dropped", "b", "a"),
    ]
    second = await published(pubsub)
    assert [(m["action"], m["matchId"], m["type"]) for m in second] == [
        ("repriced", "b", "match"),
        ("dropped", "c", "match"),
        ("dropped", "a", "match"),
    ]
    # The old run is gone entirely (no leftover "b" field), the pair keeps its first match time.
    assert await redis_client.hkeys(keys.CROSS_MATCHES) == ["a"]
    (stored,) = await store.read("a")
    assert stored.yes_ask_diff == 0.09
    assert stored.matched_at == T1
    assert await redis_client.keys(f"{keys.TMP_PREFIX}*") == []
    await pubsub.aclose()


async def test_empty_run_deletes_the_key(redis_client: aioredis.Redis) -> None:
    store = MatchStore(redis_client)
    await store.replace({"a": [entry("b")]}, T1)
    await store.replace({}, T2)
    assert await redis_client.exists(keys.CROSS_MATCHES) == 0
    assert await store.read_all() == {}


async def test_unreadable_lists_are_skipped(redis_client: aioredis.Redis) -> None:
    await redis_client.hset(keys.CROSS_MATCHES, mapping={"bad": "{not json", "ok": "[]"})
    store = MatchStore(redis_client)
    assert await store.read_all() == {"ok": []}
    assert await store.read("bad") == []
    # A run over unreadable old lists still replaces them.
    await store.replace({"a": [entry("b")]}, T1)
    assert await redis_client.hkeys(keys.CROSS_MATCHES) == ["a"]


async def test_status_fields(redis_client: aioredis.Redis) -> None:
    run = MatchRunStatus(T1, 1.23456, 10, 4, 7, 45, 9, {"equivalent": 2, "unrelated": 7})
    await MatchStore(redis_client).write_status(run)
    status = await redis_client.hgetall(keys.STATUS_MATCHING)
    assert status == {
        "lastRun": "2026-11-24T12:00:00+00:00",
        "lastDuration": "1.235",
        "markets": "10",
        "marketsWithMatches": "4",
        "pairs": "7",
        "candidatesCompared": "45",
        "candidatesJudged": "9",
        "relations": '{"equivalent": 2, "unrelated": 7}',
        "lastError": "",
    }
