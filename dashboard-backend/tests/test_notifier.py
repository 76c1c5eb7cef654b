"""The notifier end to end: real Redis pub/sub in, apprise out to a loopback webhook receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.alerts.delivery import Destination, apprise_sender
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.errors import ConfigError
from dashboard_backend.fees import FeeTable
from dashboard_backend.matching.diff import MatchChange
from dashboard_backend.matching.store import dump_entries
from dashboard_backend.models import MarketDocument, MatchEntry, OrderBook, OutcomeLink, Relation
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket import create_venue as create_polymarket
from dashboard_backend.workers.notifier import Notifier, create_destinations
from dashboard_backend.workers.poller import CatalogPoller
from tests.api_fixtures import binary_market
from tests.matching_fixtures import doc
from tests.support_http import replay_settings, run_app
from tests.support_redis import next_message
from tests.webhook_receiver import Receiver, webhook_receiver

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FEES = FeeTable({}, 0.0)
ACTIVE_200 = "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as r:
        yield r


def destination(receiver: Receiver, path: str = "hook", retries: int = 2) -> Destination:
    send, name = apprise_sender(receiver.url(path))
    return Destination(send, name, retries=retries, per_minute=1000, first_retry_sec=0.2)


async def wait_until(check: Callable[[], Awaitable[bool] | bool], within: float = 20.0) -> None:
    """Poll `check` until true (fails the test after `within` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return
        if loop.time() > deadline:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running(notifier: Notifier, redis: aioredis.Redis) -> AsyncIterator[Notifier]:
    """The notifier's loop in a task, subscribed before this yields."""
    stop = asyncio.Event()
    task = asyncio.create_task(notifier.run(stop))

    async def subscribed() -> bool:
        counts = dict(await redis.pubsub_numsub(keys.OPS_UPDATES, keys.MATCH_UPDATES))
        return all(n > 0 for n in counts.values())

    await wait_until(subscribed)
    try:
        yield notifier
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def settings(redis_url: str, **alerts: object) -> Settings:
    return Settings.model_validate({"redis_url": redis_url, "_env_file": None, **alerts})


async def publish_books(
    redis: aioredis.Redis, markets: list[tuple[MarketDocument, list[OrderBook]]], at: datetime
) -> None:
    """Store these markets and replace the snapshot with their opportunities (publishing)."""
    docs = [d for d, _ in markets]
    books = {b.token_id: b for _, bs in markets for b in bs}
    await CatalogStore(redis).replace({d.id: d for d in docs})
    await OpsStore(redis).replace_all(find_opportunities(docs, books, FEES, at), at)


async def settled(notifier: Notifier, events: int) -> None:
    """Every event read and every queued alert delivered."""
    await wait_until(
        lambda: (
            notifier.counts.received >= events
            and all(d.queue.empty() for d in notifier.destinations)
        )
    )
    await asyncio.sleep(0.3)  # a delivery in flight lands


async def test_one_message_per_opportunity_until_its_terms_change(
    redis_url: str, redis_client: aioredis.Redis, receiver: Receiver, http: httpx.AsyncClient
) -> None:
    notifier = Notifier(
        settings(redis_url, alert_min_profit_usd=5.0),
        redis_client,
        [destination(receiver)],
        clock=lambda: NOW,
    )
    big = binary_market("1", "Will A win?", "politics", 0.40, 0.50)  # $10 profit
    small = binary_market("3", "Will C win?", "politics", 0.48, 0.50)  # $2: below $5
    async with running(notifier, redis_client):
        await publish_books(redis_client, [big, small], NOW)
        await settled(notifier, 2)
        [first] = receiver.messages()
        assert first["title"] == "New arbitrage $10.00: Will A win?"
        body = first["message"]
        assert "Buy YES + NO on Polymarket: Will A win?" in body
        assert "- BUY 100 x Yes at up to 40.0¢" in body
        assert "- BUY 100 x No at up to 50.0¢" in body
        assert "expected profit $10.00 (edge 10.0¢/share)" in body
        assert "Expires: 31 Dec 2026 00:00 UTC (in 36 days)" in body
        assert "Link: https://polymarket.com/market/m-1" in body
        assert notifier.counts.below_thresholds == 1

        # $10 -> $9: a 10% move, below ALERT_MATERIAL_CHANGE (20%): no second message.
        nudged = binary_market("1", "Will A win?", "politics", 0.41, 0.50)
        await publish_books(redis_client, [nudged, small], NOW + timedelta(minutes=1))
        await settled(notifier, 3)
        assert len(receiver.messages()) == 1
        assert notifier.counts.repeats == 1

        # Gone and back on the same terms: still nothing new.
        await publish_books(redis_client, [small], NOW + timedelta(minutes=2))
        await publish_books(redis_client, [nudged, small], NOW + timedelta(minutes=3))
        await settled(notifier, 5)
        assert len(receiver.messages()) == 1

        # $9 -> $20: the terms changed materially, a second message.
        wider = binary_market("1", "Will A win?", "politics", 0.30, 0.50)
        await publish_books(redis_client, [wider, small], NOW + timedelta(minutes=4))
        await settled(notifier, 6)
    messages = receiver.messages()
    assert len(messages) == 2
    assert messages[1]["title"] == "Changed arbitrage $20.00: Will A win?"
    health = (await http.get("/healthz")).json()
    assert health["workers"]["notifier"]["sent"] == "2"
    assert health["workers"]["notifier"]["repeats"] == "2"


async def test_kinds_and_categories_filter_alerts(
    redis_url: str, redis_client: aioredis.Redis, receiver: Receiver
) -> None:
    notifier = Notifier(
        settings(redis_url, alert_min_profit_usd=0, alert_categories="crypto"),
        redis_client,
        [destination(receiver)],
    )
    politics = binary_market("1", "Will A win?", "politics", 0.40, 0.50)
    crypto = binary_market("2", "Will BTC hit 200k?", "crypto", 0.30, 0.65)
    async with running(notifier, redis_client):
        await publish_books(redis_client, [politics, crypto], NOW)
        await settled(notifier, 2)
    assert [m["title"] for m in receiver.messages()] == ["New arbitrage $5.00: Will BTC hit 200k?"]
    only_split = Notifier(
        settings(redis_url, alert_min_profit_usd=0, alert_kinds="binary_split_sell"),
        redis_client,
        [destination(receiver)],
    )
    await redis_client.delete(keys.OPS_SNAPSHOT)
    async with running(only_split, redis_client):
        await publish_books(redis_client, [politics, crypto], NOW)
        await settled(only_split, 2)
    assert len(receiver.messages()) == 1
    assert only_split.counts.below_thresholds == 2


async def test_a_failing_destination_delays_neither_reading_nor_the_others(
    redis_url: str, redis_client: aioredis.Redis, receiver: Receiver
) -> None:
    failing = destination(receiver, "fail", retries=3)
    good = destination(receiver)
    notifier = Notifier(settings(redis_url, alert_min_profit_usd=0), redis_client, [failing, good])
    markets = [
        binary_market(str(i), f"Will team {i} win?", "sports", 0.40, 0.50) for i in range(20)
    ]
    watcher = redis_client.pubsub(ignore_subscribe_messages=True)
    await watcher.subscribe(keys.OPS_UPDATES)
    async with running(notifier, redis_client):
        await publish_books(redis_client, markets, NOW)
        # Every update reaches another subscriber, and the notifier reads them all, while the
        # failing destination is still retrying its first message.
        seen = 0
        while seen < 20:
            message = await next_message(watcher, 5)
            assert message is not None, "an update did not arrive"
            seen += 1
        await wait_until(lambda: notifier.counts.received == 20)
        assert failing.counts.failed == 0
        assert failing.queue.qsize() >= 18
        await wait_until(lambda: len(receiver.messages("hook")) == 20)
        await wait_until(lambda: failing.counts.retried >= 1)
        assert failing.counts.sent == 0
    await watcher.aclose()
    assert len(receiver.messages("hook")) == 20
    assert len(receiver.messages("fail")) >= 2  # the first try and at least one retry


async def plant_relation(
    redis: aioredis.Redis, relation: Relation, confidence: float
) -> tuple[MatchChange, MatchChange]:
    """Markets 1 and 2 matched both ways with this verdict; the two change events."""
    a, b = doc("1", "Will A win?", yes_ask=0.40), doc("2", "Will A win the race?", yes_ask=0.46)
    await CatalogStore(redis).replace({"1": a, "2": b})
    for base, other in ((a, b), (b, a)):
        entry = MatchEntry(
            market_id=other.id,
            question=other.question,
            similarity=0.97,
            relation=relation,
            confidence=confidence,
            outcome_map=(
                OutcomeLink(
                    a_token=f"{base.id}y", a_outcome="Yes", b_token=f"{other.id}y", b_outcome="Yes"
                ),
            ),
            reasons=("same race",),
            yes_ask_diff=round(0.46 - 0.40, 6) * (1 if base.id == "1" else -1),
        )
        await redis.hset(keys.CROSS_MATCHES, base.id, dump_entries([entry]))
    return tuple(  # type: ignore[return-value]
        MatchChange(action="new", market_id=x, match_id=y, similarity=0.97, ts=NOW)
        for x, y in (("1", "2"), ("2", "1"))
    )


@pytest.mark.parametrize(
    ("relation", "confidence", "expected"),
    [
        (Relation.EQUIVALENT, 0.93, 1),
        (Relation.EQUIVALENT, 0.5, 0),  # below ALERT_MIN_CONFIDENCE
        (Relation.RELATED, 0.99, 0),  # no trade follows from it
    ],
)
async def test_relations_alert_once_per_pair(
    redis_url: str,
    redis_client: aioredis.Redis,
    receiver: Receiver,
    relation: Relation,
    confidence: float,
    expected: int,
) -> None:
    notifier = Notifier(settings(redis_url), redis_client, [destination(receiver)], lambda: NOW)
    changes = await plant_relation(redis_client, relation, confidence)
    async with running(notifier, redis_client):
        for change in changes:
            await redis_client.publish(keys.MATCH_UPDATES, change.to_json())
        await settled(notifier, 2)
    messages = receiver.messages()
    assert len(messages) == expected
    if expected:
        assert messages[0]["title"] == "Related markets (equivalent): Will A win?"
        body = messages[0]["message"]
        assert "Relation: A and B are the same bet (confidence 0.93" in body
        assert "- A Yes <-> B Yes" in body
        assert "YES ask difference (B - A): +6.0¢" in body
        assert "Link: https://polymarket.com/market/m-2" in body


async def test_a_planted_demo_opportunity_alerts_exactly_once(
    shared_data: Path, redis_url: str, redis_client: aioredis.Redis, receiver: Receiver
) -> None:
    """The replay's synthesized arbitrage, found by the real poller, alerts once."""
    state = ReplayState.from_directory(shared_data / ACTIVE_200)
    with run_app(create_app(state)) as url:
        poll_settings = replay_settings(url, redis_url, enable_ws_ingest=False, pm_gamma_limit=200)
        async with httpx.AsyncClient(timeout=2.0) as http:
            poller = CatalogPoller(
                poll_settings, redis_client, create_polymarket(poll_settings, http)
            )
            await poller.poll_once()
            found = await OpsStore(redis_client).read_snapshot()
            profits = sorted((o.expected_profit for o in found.values()), reverse=True)
            assert len(profits) >= 2, "the replay plants several opportunities"
            assert profits[0] > profits[1], "one stands out"
            threshold = (profits[0] + profits[1]) / 2
            best = max(found.values(), key=lambda o: o.expected_profit)
            await redis_client.delete(keys.OPS_SNAPSHOT)  # the next poll finds them anew
            notifier = Notifier(
                settings(redis_url, alert_min_profit_usd=threshold),
                redis_client,
                [destination(receiver)],
            )
            async with running(notifier, redis_client):
                await poller.poll_once()
                await settled(notifier, len(found))
                await poller.poll_once()  # the same terms again: no change, no message
                await asyncio.sleep(0.5)
    [message] = receiver.messages()
    assert best.title in message["title"]
    assert best.url in message["message"]
    assert notifier.counts.below_thresholds == len(found) - 1


async def test_dry_run_prints_the_messages_instead_of_sending(
    redis_url: str, redis_client: aioredis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    dry = settings(redis_url, alert_min_profit_usd=5.0)
    [printer] = create_destinations(dry, dry_run=True)
    notifier = Notifier(dry, redis_client, [printer], clock=lambda: NOW)
    async with running(notifier, redis_client):
        await publish_books(redis_client, [binary_market("1", "Will A win?", "politics")], NOW)
        await settled(notifier, 1)
    out = capsys.readouterr().out
    assert "== New arbitrage $10.00: Will A win?" in out
    assert printer.counts.sent == 1


def test_a_url_apprise_does_not_know_stops_with_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"nonsense:// \.\.\. is not a URL apprise understands"):
        create_destinations(Settings(alert_urls="nonsense://token@host"), dry_run=False)
    assert create_destinations(Settings(alert_urls=""), dry_run=False) == []
