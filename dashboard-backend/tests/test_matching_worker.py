"""The matching worker over a real Redis: one pass, status, changes, loop resilience, entry point."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.matching.pipeline import MatchState
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import MarketDocument, Relation
from dashboard_backend.settings import Settings
from dashboard_backend.workers.matching import Reads, match_once, run, wait_for_next_pass
from tests.matching_fixtures import direction, doc, embedding, published, seed, subscribe
from tests.support_wait import eventually

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def settings_for(redis_url: str, **extra: object) -> Settings:
    return Settings(redis_url=redis_url, similarity_threshold=0.9, **extra)  # type: ignore[arg-type]


def spain_markets() -> list[MarketDocument]:
    """The same World Cup game on two venues, a far question, and another game."""
    return [
        doc(
            "1",
            "Will Spain win on 2026-06-15?",
            yes_ask=0.40,
            event_id="e-esp-cpv",
            event_title="Spain vs. Cape Verde",
        ),
        doc(
            "kalshi:KXWCGAME-26JUN15ESPCPV-ESP",
            "Spain vs Cape Verde Winner?",
            yes_ask=0.47,
            venue="kalshi",
            event_id="KXWCGAME-26JUN15ESPCPV",
            event_title="Spain vs Cape Verde",
            group_item="Spain",
        ),
        doc("3", "Will the Fed cut rates in June 2026?"),
        doc("4", "Will Germany win on 2026-06-20?", event_title="Germany vs. Ivory Coast"),
    ]


async def seed_spain(redis: aioredis.Redis) -> list[MarketDocument]:
    """`spain_markets` stored with their embeddings: 1 and the Kalshi market point alike, 3 far
    away, 4 near 1."""
    docs = spain_markets()
    vectors = [direction(0), direction(10), direction(60), direction(2)]
    await seed(redis, docs, [embedding(d, v) for d, v in zip(docs, vectors, strict=True)])
    return docs


async def test_one_pass_writes_matches_status_and_events(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    docs = await seed_spain(redis_client)
    k = docs[1].id
    pubsub = await subscribe(redis_client)
    status = await match_once(redis_client, settings_for(redis_url), NOW)
    # 1 and the Kalshi market are the same bet; 3 is far; 4 is near 1 but another game.
    matches = await MatchStore(redis_client).read_all()
    assert {b: [e.market_id for e in es] for b, es in matches.items()} == {"1": [k], k: ["1"]}
    entry = matches["1"][0]
    assert entry.relation == Relation.EQUIVALENT
    assert [(link.a_outcome, link.b_outcome) for link in entry.outcome_map] == [
        ("Yes", "Yes"),
        ("No", "No"),
    ]
    assert entry.yes_ask_diff == 0.07
    assert entry.reasons
    assert (status.markets, status.markets_with_matches, status.pairs) == (4, 2, 2)
    assert status.relations["equivalent"] == 1
    stored = await redis_client.hgetall(keys.STATUS_MATCHING)
    assert stored["pairs"] == "2"
    assert stored["marketsWithMatches"] == "2"
    assert stored["lastRun"] == NOW.isoformat()
    assert float(stored["lastDuration"]) >= 0
    assert int(stored["candidatesCompared"]) >= 1
    assert json.loads(stored["relations"])["equivalent"] == 1
    events = await published(pubsub)
    assert sorted((e["marketId"], e["matchId"], e["action"], e["relation"]) for e in events) == [
        ("1", k, "new", "equivalent"),
        (k, "1", "new", "equivalent"),
    ]
    # Second pass: the Kalshi market re-priced, market 1 left, Limitless lists the game.
    limitless = doc(
        "5",
        "World Cup, Spain vs Cape Verde Islands, Jun 15, 2026: Spain",
        venue="limitless",
        event_id="e-lim",
    )
    docs2 = [docs[1].model_copy(update={"outcomes": docs[1].outcomes}), docs[2], limitless]
    await CatalogStore(redis_client).replace({d.id: d for d in docs2})
    await seed(redis_client, docs2, [embedding(limitless, direction(9))])
    await match_once(redis_client, settings_for(redis_url), NOW + timedelta(minutes=15))
    events = await published(pubsub)
    assert sorted((e["marketId"], e["matchId"], e["action"]) for e in events) == [
        ("1", k, "dropped"),
        ("5", k, "new"),
        (k, "1", "dropped"),
        (k, "5", "new"),
    ]
    await pubsub.aclose()


async def test_loop_passes_parse_and_decode_only_what_changed_in_redis(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    docs = await seed_spain(redis_client)
    k = docs[1].id
    state, reads = MatchState(), Reads()
    await match_once(redis_client, settings_for(redis_url), NOW, state, reads=reads)
    first = await MatchStore(redis_client).read_all()
    assert (reads.catalog.reused, reads.embeddings.reused) == (0, 0)
    before = dict(reads.vectors)
    await match_once(redis_client, settings_for(redis_url), NOW, state, reads=reads)
    # Nothing changed in Redis: every value came back as the object parsed before.
    assert (reads.catalog.reused, reads.embeddings.reused) == (4, 4)
    assert all(reads.vectors[m][1] is before[m][1] for m in before)
    assert await MatchStore(redis_client).read_all() == first
    # The Kalshi market re-priced: only its document is parsed again, and its entries say so.
    repriced = doc(
        k,
        "Spain vs Cape Verde Winner?",
        yes_ask=0.52,
        venue="kalshi",
        event_id="KXWCGAME-26JUN15ESPCPV",
        event_title="Spain vs Cape Verde",
        group_item="Spain",
    )
    await CatalogStore(redis_client).replace({d.id: d for d in [docs[0], repriced, *docs[2:]]})
    await match_once(redis_client, settings_for(redis_url), NOW, state, reads=reads)
    assert (reads.catalog.reused, reads.embeddings.reused) == (3, 4)
    matches = await MatchStore(redis_client).read_all()
    assert matches["1"][0].yes_ask_diff == round(0.52 - 0.40, 6)


async def test_pairs_the_embeddings_miss_come_from_the_cards(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    docs = spain_markets()[:2]
    # Orthogonal vectors: no embedding candidate; the cards still name the same game and day.
    await seed(
        redis_client, docs, [embedding(docs[0], direction(0)), embedding(docs[1], direction(90))]
    )
    status = await match_once(redis_client, settings_for(redis_url), NOW)
    assert status.relations == {"equivalent": 1}
    matches = await MatchStore(redis_client).read_all()
    assert matches["1"][0].market_id == docs[1].id
    assert matches["1"][0].similarity == pytest.approx(0.0, abs=1e-9)


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
    # Two questions about games three days apart: no candidate inside the one-day window.
    docs = [
        doc("1", "Will Spain win on 2026-06-15?", event_title="Spain vs. Cape Verde"),
        doc("2", "Will Spain win on 2026-06-18?", event_title="Spain vs. Saudi Arabia"),
    ]
    await seed(
        redis_client, docs, [embedding(docs[0], direction(0)), embedding(docs[1], direction(1))]
    )
    status = await match_once(redis_client, settings_for(redis_url), NOW)
    assert status.candidates_judged == 0
    off = settings_for(redis_url, match_require_close_window=False)
    status = await match_once(redis_client, off, NOW)
    assert status.candidates_judged == 1
    assert status.relations == {"unrelated": 1}  # judged, and told apart by the engine
    assert await redis_client.exists(keys.CROSS_MATCHES) == 0


async def test_loop_survives_a_failing_pass(
    redis_client: aioredis.Redis, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    docs = [doc("1"), doc("2")]
    await seed(
        redis_client, docs, [embedding(docs[0], direction(0)), embedding(docs[1], direction(1))]
    )
    # Redis out of memory refuses every write: the pass fails inside Redis, for real.
    await redis_client.config_set("maxmemory-policy", "noeviction")
    await redis_client.config_set("maxmemory", "1")
    task = asyncio.create_task(
        run(redis_client, settings_for(redis_url, embedding_refresh_sec=0.05), loop=True)
    )
    try:
        await eventually(lambda: "matching pass failed" in caplog.text, "a failed pass")
        assert not task.done()  # the failure was logged, the loop goes on
        await redis_client.config_set("maxmemory", "0")
        await eventually(lambda: _hlen(redis_client, keys.CROSS_MATCHES, 2), "a later good pass")
        # A good pass clears the failure /healthz would report.
        assert await redis_client.hget(keys.STATUS_MATCHING, "lastError") == ""
    finally:
        await redis_client.config_set("maxmemory", "0")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _hlen(redis: aioredis.Redis, key: str, want: int) -> bool:
    return bool(await redis.exists(key)) and int(await redis.hlen(key)) == want


async def test_a_match_key_of_the_wrong_type_is_repaired_by_the_next_pass(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    docs = [doc("1"), doc("2")]
    await seed(
        redis_client, docs, [embedding(docs[0], direction(0)), embedding(docs[1], direction(1))]
    )
    await redis_client.set(keys.CROSS_MATCHES, "not a hash")
    await match_once(redis_client, settings_for(redis_url), NOW)
    assert await redis_client.type(keys.CROSS_MATCHES) == "hash"
    assert await redis_client.hlen(keys.CROSS_MATCHES) == 2


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
