"""The catalog poller (Polymarket) end to end: the replay stand-in over real HTTP, a real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.book_notices import BookNotice, write_followed
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.errors import UpstreamError
from dashboard_backend.fees import FeeTable
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.faults import FaultPlan
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.settings import Settings
from dashboard_backend.status import utc_now, write_status
from dashboard_backend.venues.base import POLYMARKET
from dashboard_backend.venues.polymarket import create_venue as create_polymarket
from dashboard_backend.workers.poller import CatalogPoller, merge_rolling
from tests.api_fixtures import binary_market
from tests.support_http import replay_settings as settings_for
from tests.support_http import run_app
from tests.support_redis import next_message

ACTIVE_200 = "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"


def serve(shared_data: Path, faults: str = "") -> Iterator[str]:
    state = ReplayState.from_directory(shared_data / ACTIVE_200, faults=FaultPlan.parse(faults))
    with run_app(create_app(state)) as url:
        yield url


@pytest.fixture
def replay_url(shared_data: Path) -> Iterator[str]:
    yield from serve(shared_data)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


def make_poller(
    settings: Settings, redis: aioredis.Redis, http: httpx.AsyncClient
) -> CatalogPoller:
    return CatalogPoller(settings, redis, create_polymarket(settings, http))


async def test_one_poll_fills_catalog_books_and_opportunities(
    replay_url: str, redis_url: str, redis_client: aioredis.Redis, http: httpx.AsyncClient
) -> None:
    settings = settings_for(replay_url, redis_url, pm_gamma_limit=200)
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(keys.POLL_UPDATES)
    report = await make_poller(settings, redis_client, http).poll_once()

    assert report.markets == 200
    assert await redis_client.hlen(keys.CATALOG) == 200
    docs = await CatalogStore(redis_client).read_all()
    tokens = [o.token_id for d in docs.values() for o in d.outcomes]
    books = await CatalogStore(redis_client).read_books(tokens)
    assert len(books) == len(tokens) == report.books
    for doc in docs.values():
        assert doc.signature
        for outcome in doc.outcomes:
            assert outcome.best_ask == books[outcome.token_id].best_ask
            assert outcome.best_bid == books[outcome.token_id].best_bid
    # The snapshot is exactly what the pure functions give on the stored catalog and books.
    snapshot = await OpsStore(redis_client).read_snapshot()
    expected = find_opportunities(docs.values(), books, FeeTable.from_settings(settings), utc_now())
    assert set(snapshot) == set(expected)
    assert report.opportunities == len(snapshot) > 0
    status = await redis_client.hgetall(keys.status_poller(POLYMARKET))
    assert status["markets"] == "200"
    message = await next_message(pubsub, 5.0)
    assert message is not None
    assert json.loads(message["data"])["markets"] == 200
    await pubsub.aclose()


async def test_a_poll_tells_the_cross_worker_about_the_books_it_follows(
    replay_url: str, redis_url: str, redis_client: aioredis.Redis, http: httpx.AsyncClient
) -> None:
    settings = settings_for(replay_url, redis_url, pm_gamma_limit=20)
    poller = make_poller(settings, redis_client, http)
    await poller.poll_once()
    docs = await CatalogStore(redis_client).read_all()
    followed = {o.token_id for o in next(iter(docs.values())).outcomes}
    await write_followed(redis_client, followed)
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(keys.BOOK_UPDATES)
    await poller.poll_once()
    message = await next_message(pubsub, 5.0)
    assert message is not None
    notice = BookNotice.from_json(message["data"])
    assert (notice.venue, notice.live) == ("polymarket", False)
    assert {b.token_id for b in notice.books} == followed  # the followed ones only
    stored = await CatalogStore(redis_client).read_books(followed)
    assert all(b.asks == stored[b.token_id].asks for b in notice.books)
    await pubsub.aclose()


async def test_markets_that_leave_the_window_are_removed(
    replay_url: str, redis_url: str, redis_client: aioredis.Redis, http: httpx.AsyncClient
) -> None:
    await make_poller(settings_for(replay_url, redis_url), redis_client, http).poll_once()
    before = set(await redis_client.hkeys(keys.CATALOG))
    small = settings_for(replay_url, redis_url, pm_gamma_limit=20)
    report = await make_poller(small, redis_client, http).poll_once()
    after = set(await redis_client.hkeys(keys.CATALOG))
    assert len(after) == 20
    assert after < before
    assert report.removed == 30
    kept_tokens = {
        o.token_id
        for d in (await CatalogStore(redis_client).read_all()).values()
        for o in d.outcomes
    }
    assert set(await redis_client.hkeys(keys.BOOKS)) == kept_tokens


async def test_poll_survives_429_500_timeout_and_malformed_markets(
    shared_data: Path, redis_url: str, redis_client: aioredis.Redis
) -> None:
    faults = "429=0.05@1:/markets,500@2:/markets,timeout=3@3:/markets,malformed@4-9:/markets,500@1:/books"
    for url in serve(shared_data, faults):
        settings = settings_for(url, redis_url, pm_http_timeout_sec=0.5, pm_gamma_page_size=25)
        async with httpx.AsyncClient(timeout=0.5) as http:
            report = await make_poller(settings, redis_client, http).poll_once()
    assert report.skipped > 0
    assert report.markets > 0
    docs = await CatalogStore(redis_client).read_all()
    # Only valid, complete documents reached the catalog, and exactly those the report counts.
    assert len(docs) == report.markets == await redis_client.hlen(keys.CATALOG)
    assert all(d.question and d.condition_id and len(d.outcomes) >= 2 for d in docs.values())


async def test_failed_poll_leaves_the_previous_catalog_untouched(
    shared_data: Path, redis_url: str, redis_client: aioredis.Redis
) -> None:
    for url in serve(shared_data, "500@3+:/markets"):
        settings = settings_for(url, redis_url, pm_max_retries=1, pm_gamma_page_size=50)
        async with httpx.AsyncClient(timeout=2.0) as http:
            await make_poller(settings, redis_client, http).poll_once()  # requests 1-2: fine
            before = await redis_client.hgetall(keys.CATALOG)
            bigger = settings.model_copy(update={"pm_gamma_limit": 150})
            with pytest.raises(UpstreamError):
                await make_poller(bigger, redis_client, http).poll_once()
    assert await redis_client.hgetall(keys.CATALOG) == before
    assert not [k async for k in redis_client.scan_iter(f"{keys.TMP_PREFIX}*")]


async def test_rolling_mode_walks_new_windows_and_keeps_seen_markets(
    replay_url: str, redis_url: str, redis_client: aioredis.Redis, http: httpx.AsyncClient
) -> None:
    settings = settings_for(replay_url, redis_url, pm_gamma_limit=20, pm_gamma_rolling=True)
    poller = make_poller(settings, redis_client, http)
    await poller.poll_once()
    first = set(await redis_client.hkeys(keys.CATALOG))
    await poller.poll_once()
    second = set(await redis_client.hkeys(keys.CATALOG))
    assert len(first) == 20
    assert first < second
    assert len(second) == 40
    assert await redis_client.zcard(keys.catalog_last_seen(POLYMARKET)) == 40


def test_merge_rolling_drops_markets_unseen_for_longer_than_the_ttl() -> None:
    old, _ = binary_market("old", "Old?")
    recent, _ = binary_market("recent", "Recent?")
    fresh, _ = binary_market("fresh", "Fresh?")
    merged = merge_rolling(
        {"old": old, "recent": recent},
        [fresh],
        {"old": 1000.0, "recent": 1900.0},
        now=2000.0,
        ttl=500.0,
    )
    assert sorted(merged) == ["fresh", "recent"]


async def test_poller_loop_mode_keeps_polling(
    replay_url: str, redis_url: str, redis_client: aioredis.Redis, http: httpx.AsyncClient
) -> None:
    settings = settings_for(replay_url, redis_url, pm_poll_sec=0.05, pm_gamma_limit=10)
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(keys.POLL_UPDATES)
    task = asyncio.create_task(make_poller(settings, redis_client, http).run(loop=True))
    polls = 0
    while polls < 2:
        message = await next_message(pubsub, 5.0)
        assert message is not None, "loop mode stopped polling"
        polls += 1
    task.cancel()
    await pubsub.aclose()


async def test_poll_leaves_opportunities_to_a_live_websocket_ingest(
    replay_url: str, redis_url: str, redis_client: aioredis.Redis, http: httpx.AsyncClient
) -> None:
    await write_status(
        redis_client, keys.status_ws(POLYMARKET), connected="true", updatedAt=utc_now().isoformat()
    )
    settings = settings_for(replay_url, redis_url, pm_gamma_limit=200)
    report = await make_poller(settings, redis_client, http).poll_once()
    assert report.live
    assert report.markets == 200
    assert await redis_client.hlen(keys.OPS_SNAPSHOT) == 0
    # A stale websocket status is not trusted: the poll computes the opportunities itself.
    stale = (utc_now() - timedelta(minutes=5)).isoformat()
    await write_status(redis_client, keys.status_ws(POLYMARKET), updatedAt=stale)
    report = await make_poller(settings, redis_client, http).poll_once()
    assert not report.live
    assert await redis_client.hlen(keys.OPS_SNAPSHOT) == report.opportunities > 0


async def test_a_malformed_record_keeps_the_markets_last_good_document(
    shared_data: Path, redis_url: str, redis_client: aioredis.Redis
) -> None:
    # Poll 1 is clean; in poll 2 every third market record of the listing is corrupted.
    for url in serve(shared_data, "malformed=3@3+:/markets"):
        settings = settings_for(url, redis_url, pm_gamma_limit=50, pm_gamma_page_size=25)
        async with httpx.AsyncClient(timeout=2.0) as http:
            first = await make_poller(settings, redis_client, http).poll_once()
            before = await redis_client.hgetall(keys.CATALOG)
            second = await make_poller(settings, redis_client, http).poll_once()
    after = await redis_client.hgetall(keys.CATALOG)
    assert first.skipped == 0
    assert second.skipped > 0
    assert second.kept > 0
    # No market of the first poll left the catalog, but those whose record lost even its id
    # (no way to tell which market it was); the unreadable ones kept their documents.
    gone = set(before) - set(after)
    assert len(gone) == second.removed <= second.skipped_reasons.get("missing id", 0)
    kept = [mid for mid in before if mid in after and after[mid] == before[mid]]
    assert len(kept) >= second.kept
