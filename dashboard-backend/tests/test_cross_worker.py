"""The cross worker on a real Redis: related pairs priced from book notices, published like
intra-market opportunities (appear / change / disappear on ops:updates, snapshot, history)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.book_notices import (
    BookNotice,
    BookNotices,
    now_ms,
    read_followed,
    write_followed,
)
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.changes import OpportunityChange
from dashboard_backend.fees import FeeTable
from dashboard_backend.matching.store import dump_entries
from dashboard_backend.models import OrderBook, Relation
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket.ws_messages import decode_events
from dashboard_backend.workers.cross import CrossWorker
from dashboard_backend.workers.ws_pipeline import WsPipeline
from tests.cross_helpers import NOW, NOW_MS, asks, market, same_bet_entry
from tests.support_redis import next_message

POLY = market(
    "p1",
    category="politics",
    question="Will the Fed cut rates in March?",
    close_time=NOW + timedelta(days=30),
    min_order_size=5.0,
)
KALSHI = market(
    "kalshi:KXFED-26MAR",
    venue="kalshi",
    category="politics",
    question="Will the Fed cut rates in March?",
    close_time=NOW + timedelta(days=32),
)
K_YES, K_NO, P_YES, P_NO = (
    "kalshi:KXFED-26MAR-Yes",
    "kalshi:KXFED-26MAR-No",
    "p1-Yes",
    "p1-No",
)
OPP_ID = f"cross_equivalent:{K_YES}+{P_NO}"


class Clock:
    """A settable clock for the worker."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def settings() -> Settings:
    return Settings(cross_max_book_age_sec=30.0, min_profit_usd=0.0)


def arbitrage_books(
    k_yes: float = 0.41, p_no: float = 0.55, stamp: int = NOW_MS
) -> list[OrderBook]:
    """Kalshi YES at 0.41 + Polymarket NO at 0.55 pays $1 for ~$0.97 after fees."""
    return [
        asks(K_YES, [(k_yes, 300), (k_yes + 0.02, 500)], tick_size=0.01),
        asks(P_NO, [(p_no, 200), (p_no + 0.01, 500)], tick_size=0.01),
        asks(K_NO, [(0.60, 100)]),
        asks(P_YES, [(0.46, 100)]),
    ]


async def seed(redis: aioredis.Redis, with_matches: bool = True) -> None:
    """Catalog, books and (optionally) the relation engine's entry for the pair."""
    store = CatalogStore(redis)
    await store.replace_venue("polymarket", {POLY.id: POLY})
    await store.replace_venue("kalshi", {KALSHI.id: KALSHI})
    await store.write_books(arbitrage_books())
    if with_matches:
        await write_matches(redis)


async def write_matches(redis: aioredis.Redis, run: str = "run-1") -> None:
    entry = same_bet_entry(POLY, KALSHI, 0.93)
    await redis.hset(keys.CROSS_MATCHES, POLY.id, dump_entries([entry]))
    await redis.hset(keys.STATUS_MATCHING, "lastRun", run)


async def rest_notice(redis: aioredis.Redis, *books: OrderBook, venue: str = "kalshi") -> None:
    notice = BookNotice(venue=venue, at=NOW_MS, books=books)
    await redis.publish(keys.BOOK_UPDATES, notice.to_json())


@pytest.fixture
async def updates(redis_client: aioredis.Redis) -> AsyncIterator[asyncio.Queue[OpportunityChange]]:
    """Every message on ops:updates, parsed with the intra-market envelope."""
    queue: asyncio.Queue[OpportunityChange] = asyncio.Queue()
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(keys.OPS_UPDATES)

    async def pump() -> None:
        while True:
            message = await pubsub.get_message(timeout=0.1)
            if message is not None:
                queue.put_nowait(OpportunityChange.from_json(message["data"]))

    task = asyncio.create_task(pump())
    yield queue
    task.cancel()
    await pubsub.aclose()


async def next_change(
    queue: asyncio.Queue[OpportunityChange], wait: float = 5.0
) -> OpportunityChange:
    return await asyncio.wait_for(queue.get(), wait)


@pytest.fixture
async def running(
    redis_client: aioredis.Redis,
) -> AsyncIterator[Callable[[Clock], Awaitable[CrossWorker]]]:
    """Start a looping worker on a clock; stopped at the end of the test."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def start(clock: Clock) -> CrossWorker:
        worker = CrossWorker(redis_client, settings(), clock=clock)
        worker.rebuild_min_sec = worker.matching_check_sec = 0.1
        worker.sweep_sec = 0.2
        tasks.append(asyncio.create_task(worker.run(True, stop)))
        return worker

    yield start
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)


async def test_once_mode_publishes_the_pair_with_the_intra_market_envelope(
    redis_client: aioredis.Redis, updates: asyncio.Queue[OpportunityChange]
) -> None:
    await seed(redis_client)
    await CrossWorker(redis_client, settings(), clock=Clock(NOW)).run(False)
    change = await next_change(updates)
    assert (change.type, change.action, change.id) == ("opportunity", "appeared", OPP_ID)
    op = change.opportunity
    assert (op.kind, op.venue, op.relation) == (
        "cross_equivalent",
        "kalshi+polymarket",
        Relation.EQUIVALENT,
    )
    assert [(leg.venue, leg.outcome) for leg in op.legs] == [
        ("kalshi", "Yes"),
        ("polymarket", "No"),
    ]
    assert op.cost + op.fees + op.expected_profit == pytest.approx(op.size * 1.0, abs=1e-6)
    assert op.expected_profit > 0
    stored = await OpsStore(redis_client).read_snapshot()
    assert stored[OPP_ID] == op
    history, _ = await OpsStore(redis_client).history(market_id=POLY.id)
    assert [(h.action, h.id) for h in history] == [("appeared", OPP_ID)]
    assert await read_followed(redis_client) == {K_YES, K_NO, P_YES, P_NO}
    status = await redis_client.hgetall(keys.STATUS_CROSS)
    assert (status["pairs"], status["opportunities"]) == ("1", "1")
    # A second worker diffs against what is stored: nothing changed, nothing published.
    await CrossWorker(redis_client, settings(), clock=Clock(NOW)).run(False)
    await asyncio.sleep(0.3)
    assert updates.empty()


async def test_a_book_change_reprices_only_its_pair(
    redis_client: aioredis.Redis,
    updates: asyncio.Queue[OpportunityChange],
    running: Callable[[Clock], Awaitable[CrossWorker]],
) -> None:
    await seed(redis_client)
    worker = await running(Clock(NOW))
    assert (await next_change(updates)).action == "appeared"
    priced = worker.counts.pairs_priced  # counted before its changes are published
    # Kalshi's YES ask moves up: 0.47 + 0.55 no longer pays.
    await rest_notice(redis_client, asks(K_YES, [(0.47, 300)]))
    gone = await next_change(updates)
    assert (gone.action, gone.id) == ("disappeared", OPP_ID)
    assert worker.counts.pairs_priced == priced + 1
    # A token no pair reads costs no pricing at all.
    await rest_notice(redis_client, asks("unrelated-token", [(0.10, 5)]))
    await asyncio.sleep(0.5)
    assert worker.counts.pairs_priced == priced + 1
    await rest_notice(redis_client, asks(K_YES, [(0.40, 300)]))
    back = await next_change(updates)
    assert (back.action, back.opportunity.legs[0].best_price) == ("appeared", 0.40)
    await rest_notice(redis_client, asks(K_YES, [(0.39, 300)]))
    changed = await next_change(updates)
    assert (changed.action, changed.opportunity.legs[0].best_price) == ("changed", 0.39)
    # Unreadable notices are counted, never fatal.
    await redis_client.publish(keys.BOOK_UPDATES, "{not json")
    await rest_notice(redis_client, asks(K_YES, [(0.47, 300)]))
    assert (await next_change(updates)).action == "disappeared"
    assert worker.counts.unreadable == 1


async def test_a_book_older_than_the_maximum_age_never_produces_an_opportunity(
    redis_client: aioredis.Redis,
    updates: asyncio.Queue[OpportunityChange],
    running: Callable[[Clock], Awaitable[CrossWorker]],
) -> None:
    await seed(redis_client)
    clock = Clock(NOW)
    await running(clock)
    assert (await next_change(updates)).action == "appeared"
    clock.now = NOW + timedelta(seconds=31)  # no book refreshed: the sweep withdraws it
    gone = await next_change(updates)
    assert (gone.action, gone.id) == ("disappeared", OPP_ID)
    # A fresh copy of one book is not enough: the other is still 31 s old.
    fresh = NOW_MS + 31_000
    await rest_notice(redis_client, asks(K_YES, [(0.41, 300)], age_sec=-31.0))
    await asyncio.sleep(0.6)
    assert updates.empty()
    await rest_notice(redis_client, asks(P_NO, [(0.55, 200)], age_sec=-31.0), venue="polymarket")
    back = await next_change(updates)
    assert back.action == "appeared"
    assert back.opportunity.oldest_book_at is not None
    assert int(back.opportunity.oldest_book_at.timestamp() * 1000) == fresh


async def test_a_feed_vouches_for_quiet_books_and_an_untrusted_one_keeps_its_terms_until_too_old(
    redis_client: aioredis.Redis,
    updates: asyncio.Queue[OpportunityChange],
    running: Callable[[Clock], Awaitable[CrossWorker]],
) -> None:
    await seed(redis_client)
    clock = Clock(NOW)
    await running(clock)
    assert (await next_change(updates)).action == "appeared"
    poly = [b for b in arbitrage_books() if b.token_id.startswith("p1")]
    feed = BookNotice(venue="polymarket", live=True, at=NOW_MS, current=tuple(poly), vouch=True)
    await redis_client.publish(keys.BOOK_UPDATES, feed.to_json())
    await asyncio.sleep(0.3)
    # 20 s on: the Kalshi books were fetched again, the feed vouches for its quiet books.
    clock.now = NOW + timedelta(seconds=20)
    await rest_notice(
        redis_client,
        *[
            b.model_copy(update={"timestamp": NOW_MS + 20_000})
            for b in arbitrage_books()
            if b.token_id.startswith("kalshi")
        ],
    )
    vouch = BookNotice(venue="polymarket", live=True, at=NOW_MS + 20_000, vouch=True)
    await redis_client.publish(keys.BOOK_UPDATES, vouch.to_json())
    await asyncio.sleep(0.5)  # read by the worker before its clock moves on
    # 40 s after the feed's last change, 20 s after its vouching: still current.
    clock.now = NOW + timedelta(seconds=40)
    await asyncio.sleep(0.6)
    assert updates.empty()
    # The feed distrusts Polymarket's NO book (a missed delta): the opportunity keeps its terms...
    doubt = BookNotice(
        venue="polymarket", live=True, at=NOW_MS + 40_000, untrusted=(P_NO,), vouch=True
    )
    await redis_client.publish(keys.BOOK_UPDATES, doubt.to_json())
    await asyncio.sleep(0.6)
    assert updates.empty()
    # ...until its last known-current time is older than the maximum age.
    clock.now = NOW + timedelta(seconds=51)
    gone = await next_change(updates)
    assert (gone.action, gone.id) == ("disappeared", OPP_ID)


async def test_the_index_follows_the_matching_worker(
    redis_client: aioredis.Redis,
    updates: asyncio.Queue[OpportunityChange],
    running: Callable[[Clock], Awaitable[CrossWorker]],
) -> None:
    await seed(redis_client, with_matches=False)
    await redis_client.hset(keys.STATUS_MATCHING, "lastRun", "run-0")
    worker = await running(Clock(NOW))
    await asyncio.sleep(0.5)
    assert updates.empty()
    assert await read_followed(redis_client) == frozenset()
    await write_matches(redis_client, run="run-1")
    appeared = await next_change(updates)
    assert (appeared.action, appeared.id) == ("appeared", OPP_ID)
    assert await read_followed(redis_client) == {K_YES, K_NO, P_YES, P_NO}
    # The relation engine drops the pair: its opportunity goes with it.
    await redis_client.delete(keys.CROSS_MATCHES)
    await redis_client.hset(keys.STATUS_MATCHING, "lastRun", "run-2")
    gone = await next_change(updates)
    assert (gone.action, gone.id) == ("disappeared", OPP_ID)
    assert await read_followed(redis_client) == frozenset()
    assert worker.index.pairs == {}


async def test_a_websocket_change_reaches_the_cross_opportunity(
    redis_client: aioredis.Redis,
    updates: asyncio.Queue[OpportunityChange],
    running: Callable[[Clock], Awaitable[CrossWorker]],
) -> None:
    await seed(redis_client)
    await CatalogStore(redis_client).write_books([asks(P_NO, [(0.60, 200)])])  # no arbitrage yet
    await running(Clock(NOW))
    await asyncio.sleep(0.5)
    assert updates.empty()
    pipeline = WsPipeline(
        OpsStore(redis_client), FeeTable({}, default=0.0), clock=lambda: NOW, decode=decode_events
    )
    pipeline.notices = BookNotices(redis_client, "polymarket", live=True)
    await pipeline.notices.refresh()
    pipeline.set_catalog({POLY.id: POLY})
    frame = json.dumps(
        [
            {
                "event_type": "book",
                "asset_id": token,
                "market": POLY.condition_id,
                "timestamp": str(NOW_MS),
                "bids": [],
                "asks": [{"price": str(price), "size": "200"}],
            }
            for token, price in ((P_NO, 0.55), (P_YES, 0.50))
        ]
    )
    await pipeline.process([frame])
    appeared = await next_change(updates)
    assert (appeared.action, appeared.id) == ("appeared", OPP_ID)
    assert appeared.opportunity.legs[1].best_price == 0.55


async def test_the_websocket_pipeline_says_which_books_are_current_stale_copies_or_doubted(
    redis_client: aioredis.Redis,
) -> None:
    pipeline = WsPipeline(
        OpsStore(redis_client), FeeTable({}, default=0.0), clock=lambda: NOW, decode=decode_events
    )
    pipeline.notices = BookNotices(redis_client, "polymarket", live=True)
    pipeline.max_copy_age_ms = 30_000
    await write_followed(redis_client, {P_NO, P_YES})
    await pipeline.notices.refresh()
    pipeline.set_catalog({POLY.id: POLY})
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(keys.BOOK_UPDATES)
    # Restored from REST copies: the fresh one is current, the hour-old one goes with its time.
    hour_ago = now_ms() - 3_600_000
    pipeline.invalidate([P_NO, P_YES])
    out = pipeline.apply_snapshots(
        [
            asks(P_NO, [(0.55, 200)]).model_copy(update={"timestamp": hour_ago}),
            asks(P_YES, [(0.5, 9)]).model_copy(update={"timestamp": now_ms()}),
        ],
        pipeline.books.mark(),
    )
    assert await pipeline.notify(out) == 2
    notice = await next_notice(pubsub)
    assert [(b.token_id, b.timestamp) for b in notice.books] == [(P_NO, hour_ago)]
    assert [b.token_id for b in notice.current] == [P_YES]
    # A newly following cross worker hears the same: the stale copy stays a stale copy.
    await pipeline.notify_followed(frozenset())
    notice = await next_notice(pubsub)
    assert [b.token_id for b in notice.books] == [P_NO]
    assert [b.token_id for b in notice.current] == [P_YES]
    # A snapshot in the stream replaces the copy: current from then on.
    stream = json.dumps(
        {
            "event_type": "book",
            "asset_id": P_NO,
            "market": POLY.condition_id,
            "timestamp": str(now_ms()),
            "bids": [],
            "asks": [{"price": "0.56", "size": "100"}],
        }
    )
    await pipeline.process([stream])
    notice = await next_notice(pubsub)
    assert ([b.token_id for b in notice.current], notice.books) == ([P_NO], ())
    # Distrusted (a reconnect): named as untrusted, with no book.
    out.changed.clear()
    out.resync = pipeline.invalidate([P_NO])
    await pipeline.notify(out)
    notice = await next_notice(pubsub)
    assert (notice.untrusted, notice.books, notice.current) == ((P_NO,), (), ())
    await pubsub.aclose()


async def next_notice(pubsub: aioredis.client.PubSub) -> BookNotice:
    message = await next_message(pubsub, 5.0)
    assert message is not None
    return BookNotice.from_json(message["data"])
