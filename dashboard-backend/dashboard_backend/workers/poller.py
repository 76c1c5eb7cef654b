"""GammaPoller: Gamma markets + CLOB books -> catalog, books and intra-market opportunities.

`python -m dashboard_backend.workers.poller [--loop]`: once mode polls one time and exits; loop
mode polls every PM_POLL_SEC. One poll: fetch up to PM_GAMMA_LIMIT open markets (skipping and
counting malformed ones), fetch every catalog token's book, put best bid/ask into the documents,
replace `markets:catalog` atomically, store the books, then recompute `ops:snapshot` (publishing
what appeared, changed or disappeared on `ops:updates` and appending it to `ops:history`) —
unless a connected websocket ingest owns the opportunities (its books are live).

Rolling mode (PM_GAMMA_ROLLING) walks a different window of the active catalog each poll and keeps
a market until it has not been seen for PM_GAMMA_ROLLING_TTL_SEC.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import redis_session
from dashboard_backend.errors import UpstreamError
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.status import read_status, utc_now, write_status
from dashboard_backend.venues.polymarket import create_polymarket_clients
from dashboard_backend.venues.polymarket.clob import ClobClient
from dashboard_backend.venues.polymarket.gamma import GammaClient

# Named explicitly: under `python -m` __name__ would be "__main__".
log = logging.getLogger("dashboard_backend.workers.poller")

# The websocket ingest writes its status every second; older than this, it is not trusted.
WS_FRESH_SEC = 10.0


@dataclass
class PollReport:
    """What one poll did, for logs, status and tests."""

    markets: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    removed: int = 0
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
    for outcome in doc.outcomes:
        book = books.get(outcome.token_id)
        if book is None:
            outcomes.append(outcome)
            continue
        outcomes.append(
            outcome.model_copy(update={"best_bid": book.best_bid, "best_ask": book.best_ask})
        )
        tick = book.tick_size if book.tick_size is not None else tick
        min_size = book.min_order_size if book.min_order_size is not None else min_size
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


class GammaPoller:
    """Polls Polymarket and maintains the catalog, books and opportunity snapshot."""

    def __init__(
        self,
        settings: Settings,
        redis: aioredis.Redis,
        gamma: GammaClient,
        clob: ClobClient,
    ):
        self.settings = settings
        self.redis = redis
        self.gamma = gamma
        self.clob = clob
        self.catalog = CatalogStore(redis)
        self.ops = OpsStore(redis, settings.history_retention)
        self.fees = FeeTable.from_settings(settings)

    async def poll_once(self) -> PollReport:
        """One complete poll; the catalog is replaced only when the poll succeeded."""
        started = time.monotonic()
        report = PollReport()
        s = self.settings
        offset = await self._rolling_offset() if s.pm_gamma_rolling else 0
        result = await self.gamma.fetch_markets(s.pm_gamma_limit, s.gamma_tags, offset)
        report.skipped = result.skipped
        report.skipped_reasons = dict(result.skipped_reasons)
        fetched = {doc.id: doc for doc in result.markets}
        previous_ids = set(await self.redis.hkeys(keys.CATALOG))
        now_ts = time.time()
        if s.pm_gamma_rolling:
            catalog = await self._merge_rolling(fetched, now_ts)
            next_offset = 0 if result.exhausted else result.next_offset
            await self.redis.set(keys.POLLER_ROLLING_OFFSET, next_offset)
        else:
            catalog = fetched
        tokens = [o.token_id for doc in catalog.values() for o in doc.outcomes]
        books_result = await self.clob.fetch_books(tokens)
        books = books_result.books
        report.books, report.books_skipped = len(books), books_result.skipped
        docs = {mid: apply_books(doc, books) for mid, doc in catalog.items()}
        await self.catalog.replace(docs)
        await self.catalog.write_books(books.values())
        await self.catalog.prune_books(set(tokens))
        report.markets = len(docs)
        report.removed = len(previous_ids - set(docs))
        now = utc_now()
        if await self._ws_owns_opportunities(now):
            # Live books are fresher than this poll's REST books: recomputing here would only
            # make opportunities flicker between the two views.
            report.opportunities = await self.redis.hlen(keys.OPS_SNAPSHOT)
            report.live = True
        else:
            opportunities = find_opportunities(
                docs.values(), books, self.fees, now, self.settings.min_profit_usd
            )
            changes = await self.ops.replace_all(opportunities, now)
            report.opportunities, report.changes = len(opportunities), len(changes)
        report.duration = time.monotonic() - started
        summary: dict[str, str | int | float] = {
            "lastPoll": now.isoformat(),
            "lastDuration": round(report.duration, 3),
            "markets": report.markets,
            "skipped": report.skipped,
            "removed": report.removed,
            "books": report.books,
            "opportunities": report.opportunities,
            "changes": report.changes,
            "live": int(report.live),
        }
        await write_status(self.redis, keys.STATUS_POLLER, **summary)
        await self.redis.publish(keys.POLL_UPDATES, json.dumps({"type": "poll", **summary}))
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(report.skipped_reasons.items()))
        log.info(
            "poll: %d markets (%d skipped%s, %d removed), %d books (%d skipped), "
            "%d opportunities%s, %d changes in %.2fs",
            report.markets,
            report.skipped,
            f" [{reasons}]" if reasons else "",
            report.removed,
            report.books,
            report.books_skipped,
            report.opportunities,
            " (live: websocket ingest)" if report.live else "",
            report.changes,
            report.duration,
        )
        return report

    async def _ws_owns_opportunities(self, now: datetime) -> bool:
        """Whether a connected websocket ingest has reported within WS_FRESH_SEC."""
        if not self.settings.enable_ws_ingest:
            return False
        status = await read_status(self.redis, keys.STATUS_WS)
        if status.get("connected") != "true" or not status.get("updatedAt"):
            return False
        try:
            updated = datetime.fromisoformat(status["updatedAt"])
        except ValueError:
            return False
        return (now - updated).total_seconds() <= WS_FRESH_SEC

    async def _rolling_offset(self) -> int:
        raw = await self.redis.get(keys.POLLER_ROLLING_OFFSET)
        return int(raw) if raw else 0

    async def _merge_rolling(
        self, fetched: Mapping[str, MarketDocument], now_ts: float
    ) -> dict[str, MarketDocument]:
        if fetched:
            await self.redis.zadd(keys.CATALOG_LAST_SEEN, dict.fromkeys(fetched, now_ts))
        last_seen = dict(await self.redis.zrange(keys.CATALOG_LAST_SEEN, 0, -1, withscores=True))
        previous = await self.catalog.read_all()
        merged = merge_rolling(
            previous, fetched.values(), last_seen, now_ts, self.settings.pm_gamma_rolling_ttl_sec
        )
        expired = [mid for mid in last_seen if mid not in merged]
        if expired:
            await self.redis.zrem(keys.CATALOG_LAST_SEEN, *expired)
        return merged

    async def run(self, loop: bool) -> None:
        """Poll once, or forever every PM_POLL_SEC (a failed poll is logged, not fatal)."""
        while True:
            try:
                await self.poll_once()
            except UpstreamError as exc:
                if not loop:
                    raise
                log.error("poll failed, catalog left unchanged: %s", exc)
            if not loop:
                return
            await asyncio.sleep(self.settings.pm_poll_sec)


async def amain(loop: bool, settings: Settings) -> None:
    """Create the clients, run the poller, close everything."""
    timeout = httpx.Timeout(settings.pm_http_timeout_sec)
    async with redis_session(settings) as redis, httpx.AsyncClient(timeout=timeout) as http:
        gamma, clob = create_polymarket_clients(settings, http)
        await GammaPoller(settings, redis, gamma, clob).run(loop)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.workers.poller")
    parser.add_argument("--loop", action="store_true", help="poll every PM_POLL_SEC")
    args = parser.parse_args(argv)
    settings = process_settings()
    try:
        asyncio.run(amain(args.loop, settings))
    except UpstreamError as exc:
        log.error("poll failed: %s", exc)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
