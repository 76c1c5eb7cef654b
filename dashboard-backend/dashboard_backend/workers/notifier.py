"""Notifier: follows `ops:updates` and `matches:updates` and sends alerts through apprise.

`python -m dashboard_backend.workers.notifier` (`pmarb notify`) runs until stopped; the supervisor
starts it when ALERT_URLS names a destination. For each opportunity that appeared or changed it
applies the ALERT_* thresholds (`alerts/rules.py`), skips repeats of terms already sent, and queues
one message per destination; for each new or re-priced pair it reads the stored match entry and
alerts when the relation engine's verdict passes. Reading Redis never waits on a destination:
delivery (rate limit, retries) runs in one task per destination (`alerts/delivery.py`).
`--dry-run` prints the messages instead of sending them, to tune thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import redis.asyncio as aioredis
from pydantic import ValidationError

from dashboard_backend import keys
from dashboard_backend.alerts.delivery import Destination
from dashboard_backend.alerts.messages import (
    Alert,
    opportunity_alert,
    pair_key,
    relation_alert,
)
from dashboard_backend.alerts.rules import (
    AlertRules,
    OpportunityTerms,
    materially_changed,
    opportunity_refusal,
    relation_refusal,
)
from dashboard_backend.alerts.store import SentAlerts
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.changes import OpportunityChange
from dashboard_backend.connections import redis_session
from dashboard_backend.errors import ConfigError
from dashboard_backend.matching.diff import MatchChange
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import Opportunity
from dashboard_backend.outage import REDIS_DOWN, Outage, reraise_if_cancelling
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.status import utc_now, write_status

log = logging.getLogger("dashboard_backend.workers.notifier")

STATUS_EVERY_SEC = 5.0


@dataclass
class NotifierCounts:
    """What the notifier saw and decided since start."""

    received: int = 0  # messages read from the two channels
    alerts: int = 0  # messages queued (once per alert, whatever the number of destinations)
    below_thresholds: int = 0
    repeats: int = 0  # terms already sent
    unreadable: int = 0


class Notifier:
    """Turns change events into alerts and hands them to every destination."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        destinations: Sequence[Destination],
        clock: Callable[[], datetime] = utc_now,
    ):
        self.redis = redis
        self.rules = AlertRules.from_settings(settings)
        self.sent = SentAlerts(redis, settings.alert_dedup_ttl_sec)
        self.catalog = CatalogStore(redis)
        self.destinations = list(destinations)
        self.clock = clock
        self.counts = NotifierCounts()

    async def handle(self, channel: str, data: str) -> Alert | None:
        """Process one pub/sub message; returns the alert queued, if any."""
        self.counts.received += 1
        try:
            if channel == keys.OPS_UPDATES:
                alert = await self.on_opportunity(OpportunityChange.from_json(data))
            elif channel == keys.MATCH_UPDATES:
                alert = await self.on_match(MatchChange.from_json(data))
            else:
                return None
        except ValidationError:
            self.counts.unreadable += 1
            log.warning("skipping unreadable message on %s", channel)
            return None
        if alert is not None:
            self.counts.alerts += 1
            for destination in self.destinations:
                destination.offer(alert)
        return alert

    async def on_opportunity(self, change: OpportunityChange) -> Alert | None:
        """An alert for an opportunity that appeared or changed and passes the thresholds."""
        if change.action == "disappeared":
            return None
        op = change.opportunity
        if opportunity_refusal(op, self.rules) is not None:
            self.counts.below_thresholds += 1
            return None
        terms = OpportunityTerms.of(op)
        last = await self.sent.last(op.id)
        before = OpportunityTerms.from_dict(last) if last is not None else None
        if not materially_changed(before, terms, self.rules.material_change):
            self.counts.repeats += 1
            return None
        await self.sent.remember(op.id, asdict(terms))
        action = "appeared" if before is None else "changed"
        return opportunity_alert(op, action, await self.expiry(op), self.clock())

    async def expiry(self, op: Opportunity) -> datetime | None:
        """When the opportunity resolves: its own `resolvesBy` when stated, else the earliest
        close time of its markets."""
        if op.resolves_by is not None:
            return op.resolves_by
        docs = await self.catalog.get_many(op.market_ids)
        closes = [d.close_time for d in docs.values() if d.close_time is not None]
        return min(closes) if closes else None

    async def on_match(self, change: MatchChange) -> Alert | None:
        """An alert for a new or re-priced pair whose relation verdict passes."""
        if change.action == "dropped":
            return None
        entries = await MatchStore(self.redis).read(change.market_id)
        entry = next((e for e in entries if e.market_id == change.match_id), None)
        if entry is None or entry.relation is None:
            self.counts.below_thresholds += 1
            return None
        docs = await self.catalog.get_many((change.market_id, change.match_id))
        base, match = docs.get(change.market_id), docs.get(change.match_id)
        if base is None or match is None or relation_refusal(entry, base, match, self.rules):
            self.counts.below_thresholds += 1
            return None
        key = pair_key(base.id, match.id)
        last = await self.sent.last(key)
        if last is not None and last.get("relation") == entry.relation.value:
            self.counts.repeats += 1  # the same pair seen from its other side, or re-priced
            return None
        await self.sent.remember(key, {"relation": entry.relation.value})
        return relation_alert(entry, base, match, self.clock())

    async def write_status(self) -> None:
        """Counts and per-destination deliveries in `status:notifier`."""
        fields: dict[str, str | int | float] = {
            "updatedAt": self.clock().isoformat(),
            "destinations": len(self.destinations),
            **asdict(self.counts),
        }
        for name in ("sent", "failed", "retried", "dropped"):
            fields[name] = sum(getattr(d.counts, name) for d in self.destinations)
        await write_status(self.redis, keys.STATUS_NOTIFIER, **fields)

    async def run(self, stop: asyncio.Event) -> None:
        """Follow both channels until `stop` is set; while Redis is away, subscribe again with a
        bounded back-off (one log line when it goes, one when it is back)."""
        senders = [asyncio.create_task(d.run()) for d in self.destinations]
        outage = Outage("notifier: redis", log)
        try:
            while not stop.is_set():
                reraise_if_cancelling()  # a cancel redis-py swallowed still stops the loop
                try:
                    await self._follow(stop)
                except REDIS_DOWN as exc:
                    await asyncio.sleep(outage.failed(exc))
                    continue
        finally:
            for task in senders:
                task.cancel()
            await asyncio.gather(*senders, return_exceptions=True)
            with contextlib.suppress(*REDIS_DOWN):
                await self.write_status()

    async def _follow(self, stop: asyncio.Event) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        loop = asyncio.get_running_loop()
        last_status = 0.0
        try:
            await pubsub.subscribe(keys.OPS_UPDATES, keys.MATCH_UPDATES)
            while not stop.is_set():
                message = await pubsub.get_message(timeout=0.5)
                if message is not None and message.get("type") == "message":
                    await self.handle(message["channel"], message["data"])
                if loop.time() - last_status >= STATUS_EVERY_SEC:
                    last_status = loop.time()
                    await self.write_status()
        finally:
            with contextlib.suppress(*REDIS_DOWN):
                await pubsub.aclose()


class PrintDestination(Destination):
    """`--dry-run`: messages printed to stdout instead of sent."""

    def __init__(self) -> None:
        super().__init__(self._print, "stdout", retries=0, per_minute=10**6)

    @staticmethod
    def _print(title: str, body: str) -> bool:
        print(f"== {title}\n{body}\n", flush=True)
        return True


def create_destinations(settings: Settings, dry_run: bool) -> list[Destination]:
    """One destination per ALERT_URLS entry (or stdout for a dry run)."""
    if dry_run:
        return [PrintDestination()]
    return [
        Destination.from_url(url, settings.alert_retries, settings.alert_max_per_minute)
        for url in settings.alert_destinations
    ]


async def amain(settings: Settings, dry_run: bool) -> None:
    """Run until SIGINT/SIGTERM."""
    destinations = create_destinations(settings, dry_run)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with redis_session(settings) as redis:
        log.info("alerting to %s", ", ".join(d.name for d in destinations))
        await Notifier(settings, redis, destinations).run(stop)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard_backend.workers.notifier",
        description="Send alerts for opportunities and relations passing the ALERT_* thresholds.",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the messages instead of sending them"
    )
    args = parser.parse_args(argv)
    settings = process_settings()
    if not settings.alert_destinations and not args.dry_run:
        log.info("ALERT_URLS is empty; nothing to do (use --dry-run to see the alerts)")
        return 0
    try:
        asyncio.run(amain(settings, args.dry_run))
    except ConfigError as exc:
        log.error("notifier stopped: %s", exc)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
