"""The catalog poller, for any venue: listing + books -> catalog, books and opportunities.

`python -m dashboard_backend.workers.poller [--venue NAME] [--loop]`: once mode polls one time and
exits; loop mode polls every venue poll interval. One process runs one venue, so one venue's
outage never stops another's polling. One poll: fetch up to the venue's limit of open markets
(skipping and counting malformed ones), fetch books, put best bid/ask into the documents, replace
the venue's markets in `markets:catalog` and its books in `markets:books` atomically (other venues'
entries are untouched), then recompute the venue's opportunities in `ops:snapshot` (publishing
what appeared, changed or disappeared on `ops:updates`, appending it to `ops:history`) — unless
the venue's websocket ingest is connected and owns them (its books are live).

Books: a venue that can afford it (Polymarket) fetches every catalog token's book each poll. A
venue that cannot (Kalshi) keeps its listing's top of book on every document and fetches full books
only for the markets that matter (`book_selection.py`), again every `book_refresh_sec` between
polls; the selection is stored as `books:watch:{venue}` for the venue's websocket ingest.

Rolling mode (a venue's `PollPlan.rolling`) walks a different window of the listing each poll and
keeps a market until it has not been seen for `rolling_ttl_sec`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.book_notices import BookNotices
from dashboard_backend.book_selection import select_book_markets
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import redis_session
from dashboard_backend.errors import UpstreamError
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.metrics.names import POLL_DURATION, POLLS
from dashboard_backend.metrics.store import MetricsRecorder
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.outage import REDIS_DOWN, Outage, reraise_if_cancelling
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.status import read_status, utc_now, write_status
from dashboard_backend.updates import publish_poll
from dashboard_backend.venues.base import POLYMARKET, CatalogFetch, Venue, venue_of
from dashboard_backend.venues.registry import create_venue

# Named explicitly: under `python -m` __name__ would be "__main__".
log = logging.getLogger("dashboard_backend.workers.poller")

# The websocket ingest writes its status every second; older than this, it is not trusted.
WS_FRESH_SEC = 10.0


@dataclass
class PollReport:
    """What one poll did, for logs, status and tests."""

    venue: str = POLYMARKET
    markets: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    removed: int = 0
    kept: int = 0  # markets whose record was unreadable this time: their last good document kept
    books: int = 0
    books_skipped: int = 0
    opportunities: int = 0
    changes: int = 0
    live: bool = False  # opportunities left to the websocket ingest
    duration: float = 0.0


def apply_books(doc: MarketDocument, books: Mapping[str, OrderBook]) -> MarketDocument:
    """The document with best bid/ask (and tick/min size) taken from its tokens' books."""
    outcomes = []
    tick, min_size = doc.tick_size, doc.min_order_size
    changed = False
    for outcome in doc.outcomes:
        book = books.get(outcome.token_id)
        if book is None:
            outcomes.append(outcome)
            continue
        changed = True
        outcomes.append(
            outcome.model_copy(update={"best_bid": book.best_bid, "best_ask": book.best_ask})
        )
        tick = book.tick_size if book.tick_size is not None else tick
        min_size = book.min_order_size if book.min_order_size is not None else min_size
    if not changed:
        return doc
    return doc.model_copy(
        update={"outcomes": tuple(outcomes), "tick_size": tick, "min_order_size": min_size}
    )


def merge_rolling(
    previous: Mapping[str, MarketDocument],
    fetched: Iterable[MarketDocument],
    last_seen: Mapping[str, float],
    now: float,
    ttl: float,
) -> dict[str, MarketDocument]:
    """Rolling catalog: fresh documents win; older ones stay until unseen for `ttl` seconds."""
    merged = {mid: doc for mid, doc in previous.items() if now - last_seen.get(mid, 0.0) <= ttl}
    for doc in fetched:
        merged[doc.id] = doc
    return merged


def related_markets(matches: Mapping[str, Iterable[object]], venue: str) -> set[str]:
    """The venue's markets that a cross-venue match names (as base market or as match)."""
    out: set[str] = set()
    for base, entries in matches.items():
        for entry in entries:
            other = getattr(entry, "market_id", None)
            if not isinstance(other, str) or venue_of(other) == venue_of(base):
                continue
            out.update(m for m in (base, other) if venue_of(m) == venue)
    return out


class CatalogPoller:
    """Polls one venue and maintains its catalog, books and opportunities."""

    def __init__(self, settings: Settings, redis: aioredis.Redis, venue: Venue):
        self.settings = settings
        self.redis = redis
        self.venue = venue
        self.catalog = CatalogStore(redis)
        self.ops = OpsStore(redis, settings.history_retention)
        self.matches = MatchStore(redis)
        self.metrics = MetricsRecorder(redis)
        self.notices = BookNotices(redis, venue.name)  # REST books the cross worker follows
        # The venue's documents and books as of the last poll (the book refresh updates them).
        self._docs: dict[str, MarketDocument] = {}
        self._books: dict[str, OrderBook] = {}
        self._watch: list[str] = []

    @property
    def name(self) -> str:
        """The venue's name."""
        return self.venue.name

    async def poll_once(self) -> PollReport:
        """One complete poll; the venue's catalog is replaced only when the poll succeeded.

        Counted in `pmarb_polls_total` (ok / failed) and timed in `pmarb_poll_duration_seconds`.
        """
        started = time.monotonic()
        try:
            report = await self._poll()
        except UpstreamError:
            await self._record("failed", time.monotonic() - started)
            raise
        await self._record("ok", report.duration)
        return report

    async def _record(self, outcome: str, duration: float) -> None:
        await self.metrics.increment(POLLS, venue=self.name, outcome=outcome)
        await self.metrics.observe(POLL_DURATION, duration, venue=self.name)

    async def _poll(self) -> PollReport:
        started = time.monotonic()
        report = PollReport(venue=self.name)
        plan = self.venue.poll
        offset = await self.catalog.rolling_offset(self.name) if plan.rolling else 0
        result = await self.venue.markets.fetch_catalog(plan.limit, offset)
        report.skipped = result.skipped
        report.skipped_reasons = dict(result.skipped_reasons)
        fetched = {doc.id: doc for doc in result.markets}
        if plan.rolling:
            catalog = await self._merge_rolling(fetched, time.time())
            next_offset = 0 if result.exhausted else result.next_offset
            await self.catalog.set_rolling_offset(self.name, next_offset)
        else:
            catalog = await self._keep_last_good(fetched, result, time.time())
            report.kept = len(catalog) - len(fetched)
        if plan.full_books:
            tokens = [o.token_id for doc in catalog.values() for o in doc.outcomes]
        else:
            self._watch = await self._select_watch(catalog)
            tokens = [o.token_id for mid in self._watch for o in catalog[mid].outcomes]
        books_result = await self.venue.books.fetch_books(tokens)
        books = books_result.books
        report.books, report.books_skipped = len(books), books_result.skipped
        docs = {mid: apply_books(doc, books) for mid, doc in catalog.items()}
        removed = await self.catalog.replace_venue(self.name, docs)
        await self.catalog.replace_venue_books(self.name, books.values(), set(tokens))
        await self._notify(books.values())
        if not plan.full_books:
            await self.catalog.set_watch(self.name, self._watch)
        self._docs, self._books = docs, dict(books)
        report.markets = len(docs)
        report.removed = len(removed)
        await self._opportunities(report)
        report.duration = time.monotonic() - started
        await self._report(report)
        return report

    async def refresh_books(self) -> PollReport:
        """Between polls: fresh books for the watched markets, their best prices, opportunities."""
        started = time.monotonic()
        report = PollReport(venue=self.name, markets=len(self._docs))
        if not self._watch or await self._ws_owns_opportunities(utc_now()):
            return report  # nothing watched, or the websocket keeps these books live
        docs = self._docs
        tokens = [o.token_id for mid in self._watch if mid in docs for o in docs[mid].outcomes]
        result = await self.venue.books.fetch_books(tokens)
        report.books, report.books_skipped = len(result.books), result.skipped
        self._books.update(result.books)
        updated = [apply_books(docs[mid], result.books) for mid in self._watch if mid in docs]
        self._docs.update((d.id, d) for d in updated)
        await self.catalog.write_books(result.books.values())
        await self._notify(result.books.values())
        await self.catalog.update_existing(updated)
        await self._opportunities(report)
        report.duration = time.monotonic() - started
        log.info(
            "%s: refreshed %d books of %d watched markets (%d skipped), %d opportunities, "
            "%d changes in %.2fs",
            self.name,
            report.books,
            len(self._watch),
            report.books_skipped,
            report.opportunities,
            report.changes,
            report.duration,
        )
        return report

    async def _notify(self, books: Iterable[OrderBook]) -> None:
        """Tell the cross worker about the books it follows (after they are stored)."""
        await self.notices.refresh()
        await self.notices.publish(books)

    async def _opportunities(self, report: PollReport) -> None:
        now = utc_now()
        if await self._ws_owns_opportunities(now):
            # Live books are fresher than this poll's REST books: recomputing here would only
            # make opportunities flicker between the two views.
            report.opportunities = len(await self.ops.read_snapshot(self.name))
            report.live = True
            return
        found = find_opportunities(
            self._docs.values(), self._books, self.venue.fees, now, self.settings.min_profit_usd
        )
        changes = await self.ops.replace_venue(self.name, found, now)
        report.opportunities, report.changes = len(found), len(changes)

    async def _select_watch(self, catalog: Mapping[str, MarketDocument]) -> list[str]:
        current = await self.ops.read_snapshot(self.name)
        in_opportunities = {m for op in current.values() for m in op.market_ids}
        related = related_markets(await self.matches.read_all(), self.name)
        return select_book_markets(catalog, in_opportunities, related, self.venue.poll.book_max)

    async def _report(self, report: PollReport) -> None:
        summary: dict[str, str | int | float] = {
            "venue": self.name,
            "lastPoll": utc_now().isoformat(),
            "lastDuration": round(report.duration, 3),
            "markets": report.markets,
            "skipped": report.skipped,
            "removed": report.removed,
            "kept": report.kept,
            "books": report.books,
            "opportunities": report.opportunities,
            "changes": report.changes,
            "live": int(report.live),
            "lastError": "",
        }
        await write_status(self.redis, keys.status_poller(self.name), **summary)
        await publish_poll(self.redis, summary)
        await self.redis.hdel(keys.status_poller(self.name), "failingSince")
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(report.skipped_reasons.items()))
        log.info(
            "%s poll: %d markets (%d skipped%s, %d kept from their last good document, "
            "%d removed), %d books (%d skipped), %d opportunities%s, %d changes in %.2fs",
            self.name,
            report.markets,
            report.skipped,
            f" [{reasons}]" if reasons else "",
            report.kept,
            report.removed,
            report.books,
            report.books_skipped,
            report.opportunities,
            " (live: websocket ingest)" if report.live else "",
            report.changes,
            report.duration,
        )

    async def _ws_owns_opportunities(self, now: datetime) -> bool:
        """Whether the venue's connected websocket ingest has reported within WS_FRESH_SEC."""
        if not self.venue.live_enabled:
            return False
        status = await read_status(self.redis, keys.status_ws(self.name))
        if status.get("connected") != "true" or not status.get("updatedAt"):
            return False
        try:
            updated = datetime.fromisoformat(status["updatedAt"])
        except ValueError:
            return False
        return (now - updated).total_seconds() <= WS_FRESH_SEC

    async def _keep_last_good(
        self, fetched: dict[str, MarketDocument], result: CatalogFetch, now_ts: float
    ) -> dict[str, MarketDocument]:
        """The fetched markets, plus the last good document of each market this poll could not
        read (its record malformed, or on a malformed page) while it was seen within the
        rolling TTL: a bad record does not evict a good market, nor churn its subscriptions."""
        last_seen = await self.catalog.mark_seen(self.name, fetched, now_ts)
        if result.skipped_ids or result.malformed_pages:
            previous = await self.catalog.read_all(self.name)
            unreadable = set(result.skipped_ids)
            candidates = {
                mid: doc
                for mid, doc in previous.items()
                if mid not in fetched and (result.malformed_pages or mid in unreadable)
            }
            ttl = self.venue.poll.rolling_ttl_sec
            catalog = merge_rolling(candidates, fetched.values(), last_seen, now_ts, ttl)
        else:
            catalog = dict(fetched)
        await self.catalog.forget_seen(self.name, [m for m in last_seen if m not in catalog])
        return catalog

    async def _merge_rolling(
        self, fetched: Mapping[str, MarketDocument], now_ts: float
    ) -> dict[str, MarketDocument]:
        last_seen = await self.catalog.mark_seen(self.name, fetched, now_ts)
        previous = await self.catalog.read_all(self.name)
        merged = merge_rolling(
            previous, fetched.values(), last_seen, now_ts, self.venue.poll.rolling_ttl_sec
        )
        await self.catalog.forget_seen(self.name, [m for m in last_seen if m not in merged])
        return merged

    async def run(self, loop: bool) -> None:
        """Poll once, or forever (a failed poll is logged and recorded, not fatal).

        While Redis is unreachable the poll is retried with a short bounded back-off (one log
        line when Redis goes away, one when it is back) rather than waiting a whole interval.
        """
        plan = self.venue.poll
        redis_outage = Outage(f"{self.name} poller: redis", log)
        while True:
            reraise_if_cancelling()  # a cancel redis-py swallowed still stops the loop
            try:
                await self.poll_once()
                redis_outage.ok()
            except UpstreamError as exc:
                if not loop:
                    raise
                log.error("%s poll failed, its catalog left unchanged: %s", self.name, exc)
                with contextlib.suppress(*REDIS_DOWN):
                    # failingSince: when this run of failures began (cleared by a good poll).
                    await self.redis.hsetnx(
                        keys.status_poller(self.name), "failingSince", utc_now().isoformat()
                    )
                    await write_status(
                        self.redis,
                        keys.status_poller(self.name),
                        lastError=str(exc)[:300],
                        lastErrorAt=utc_now().isoformat(),
                    )
            except REDIS_DOWN as exc:
                if not loop:
                    raise
                await asyncio.sleep(redis_outage.failed(exc))
                continue
            if not loop:
                return
            next_poll = time.monotonic() + plan.interval_sec
            while not plan.full_books and time.monotonic() + plan.book_refresh_sec < next_poll:
                await asyncio.sleep(plan.book_refresh_sec)
                try:
                    await self.refresh_books()
                except UpstreamError as exc:
                    log.warning("%s book refresh failed: %s", self.name, exc)
                except REDIS_DOWN as exc:
                    redis_outage.failed(exc)
            await asyncio.sleep(max(0.0, next_poll - time.monotonic()))


async def amain(venue_name: str, loop: bool, settings: Settings) -> None:
    """Create the clients, run the venue's poller, close everything."""
    timeout = httpx.Timeout(settings.pm_http_timeout_sec)
    async with redis_session(settings) as redis, httpx.AsyncClient(timeout=timeout) as http:
        venue = create_venue(venue_name, settings, http)
        log.info("%s: books kept by %s", venue.name, venue.live_mode)
        await CatalogPoller(settings, redis, venue).run(loop)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.workers.poller")
    parser.add_argument("--venue", default=POLYMARKET, help="venue to poll (default polymarket)")
    parser.add_argument("--loop", action="store_true", help="poll every venue poll interval")
    args = parser.parse_args(argv)
    settings = process_settings()
    try:
        asyncio.run(amain(args.venue, args.loop, settings))
    except UpstreamError as exc:
        log.error("poll failed: %s", exc)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
