"""WsIngest: live order books from a venue's websocket, opportunities within milliseconds.

`python -m dashboard_backend.workers.ws_ingest [--venue NAME] [--once]` keeps one venue's books
live from its `LiveFeed` (`--once`: one connection, exit when it closes); one process per venue
with a feed (Polymarket's CLOB market channel; Kalshi's signed `orderbook_delta` with an API key).
It follows the venue's tokens in `markets:catalog`, or for a venue that cannot book-poll its whole
catalog only the markets its poller watches (`books:watch:{venue}`). Tasks:

    connection   connect (with the feed's handshake headers), subscribe through the connection's
                 FeedSession, queue every frame; keep-alive every WS_PING_SEC (the feed's text
                 ping, or websocket pings); on a drop reconnect with jittered exponential backoff
    processor    drain the queue in batches: decode + apply frames (WsPipeline), apply REST
                 snapshots and catalog changes, recompute each affected market once per batch
                 and publish on `ops:updates` only what appeared, changed or disappeared; then
                 publish the changed books the cross worker follows on `books:updates`, and
                 (queued once a second by the status task) vouch that the rest are current
    resync       restore distrusted books (after a reconnect every book is): from REST books
                 when the feed sends level totals (changes meanwhile are buffered and replayed,
                 see live_book.py), or by resubscribing when it sends increments (the stream's
                 own snapshot is the only one they line up with)
    catalog      re-read the followed markets when they change (or every few refreshes) and
                 subscribe new tokens / unsubscribe removed ones; re-read `cross:tokens`
    flush        every WS_CATALOG_FLUSH_SEC write changed books and best bid/ask (coalesced)
    status       every second write `status:ws:{venue}` for /healthz

Only the processor mutates books and publishes, so scoped diffs never race each other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from dashboard_backend import keys
from dashboard_backend.book_notices import BookNotices, now_ms, read_followed
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import redis_session
from dashboard_backend.errors import ConfigError, DashboardError
from dashboard_backend.fees import FeeTable
from dashboard_backend.live_book import ApplyOutcome
from dashboard_backend.models import MarketDocument
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.outage import REDIS_DOWN, Outage, reraise_if_cancelling
from dashboard_backend.retry import backoff_delay
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.status import utc_now, write_status
from dashboard_backend.venues.base import POLYMARKET, BookSource, FeedSession, LiveFeed, Venue
from dashboard_backend.venues.registry import create_venue, spec_for
from dashboard_backend.workers.ws_pipeline import WsPipeline
from dashboard_backend.workers.ws_support import (
    IngestConfig,
    QueuedCatalog,
    QueuedFollowed,
    QueuedFrame,
    QueuedSnapshots,
    QueuedVouch,
    QueueItem,
    Reconnected,
    close_on,
    wait_either,
)

log = logging.getLogger("dashboard_backend.workers.ws_ingest")
# The websocket library's own log: kept at INFO (set per connection) so its DEBUG handshake
# dump, which would show the signed headers, never reaches a log whatever LOG_LEVEL says.
_WIRE_LOG = logging.getLogger("dashboard_backend.workers.ws_ingest.wire")

# Frames taken from the queue per processing batch: bounds the latency one batch adds.
MAX_BATCH = 2000


class WsIngest:
    """The websocket ingest worker (see the module docstring)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        pipeline: WsPipeline,
        feed: LiveFeed,
        books: BookSource,
        config: IngestConfig,
        *,
        venue: str,
        rng: random.Random | None = None,
        on_publish: Callable[[list[Any], float], None] | None = None,
    ):
        self.redis = redis
        self.pipeline = pipeline
        self.feed = feed
        self.venue = venue
        pipeline.venue = venue
        self.catalog = CatalogStore(redis)
        self.clob = books
        self.config = config
        self.rng = rng or random.Random()
        self.on_publish = on_publish
        self.stats = pipeline.stats
        self._queue: asyncio.Queue[QueueItem] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._session: FeedSession | None = None
        self._connections = 0
        # When each token's snapshot was last asked of the stream (snapshots_in_stream feeds).
        self._asked_at: dict[str, float] = {}
        self._catalog_ready = asyncio.Event()
        self._resync_event = asyncio.Event()
        self._carry: set[str] = set()  # changed tokens whose publish failed, retried next batch
        self._status_at = (time.monotonic(), 0)
        self._last_frame = time.monotonic()
        self._stopping = False
        # Every Redis failure of every task counts here; only outage start and end are logged.
        self.redis_outage = Outage("ws ingest: redis", log)

    @classmethod
    def from_settings(
        cls, settings: Settings, redis: aioredis.Redis, venue: Venue, feed: LiveFeed
    ) -> WsIngest:
        """An ingest of `venue`'s feed, wired to Redis and its REST books as the settings say."""
        session = feed.session(0)  # decodes nothing until the first connection brings its own
        pipeline = WsPipeline(
            OpsStore(redis, settings.history_retention),
            FeeTable.from_settings(settings),
            settings.min_profit_usd,
            decode=session.decode,
            venue=venue.name,
        )
        pipeline.notices = BookNotices(redis, venue.name, live=True)
        pipeline.max_copy_age_ms = int(settings.cross_max_book_age_sec * 1000)
        config = IngestConfig.from_settings(settings, watch_only=not venue.poll.full_books)
        return cls(redis, pipeline, feed, venue.books, config, venue=venue.name)

    # --- top level -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None, connections: int | None = None) -> None:
        """Run until `stop` is set (or after `connections` connections have ended)."""
        stop = stop or asyncio.Event()
        tasks = [
            asyncio.create_task(self._guard("processor", self._process)),
            asyncio.create_task(self._guard("resync", self._resync_loop)),
            asyncio.create_task(self._guard("catalog", self._catalog_loop)),
            asyncio.create_task(self._every(self.config.flush_sec, self._flush)),
            asyncio.create_task(self._every(self.config.status_sec, self.write_status)),
        ]
        try:
            await self._connection_loop(stop, connections)
            await self._queue.join()  # whatever was received is still applied and published
            await self._flush()
        finally:
            # Loops also check this flag: a cancel that lands inside redis-py's socket timeout
            # can be swallowed on Python 3.11, so cancelling alone may not stop a loop.
            self._stopping = True
            pending = set(tasks)
            while pending:
                for task in pending:
                    task.cancel()
                _, pending = await asyncio.wait(pending, timeout=1.0)
            self.stats.connected = False
            with contextlib.suppress(Exception):
                await self.write_status()

    async def _guard(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        """Keep a background task alive: log an unexpected failure and start it again."""
        while not self._stopping:
            try:
                await body()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                reraise_if_cancelling()
                log.exception("ws ingest: %s task failed; restarting it", name)
                await asyncio.sleep(1.0)

    async def _every(self, period: float, body: Callable[[], Awaitable[object]]) -> None:
        while not self._stopping:
            await asyncio.sleep(period)
            try:
                await body()
                self.redis_outage.ok()
            except REDIS_DOWN as exc:
                reraise_if_cancelling()
                self.redis_outage.failed(exc)
            except (DashboardError, aioredis.RedisError) as exc:
                log.warning("ws ingest: periodic %s failed: %s", body.__name__, exc)

    # --- connection ----------------------------------------------------------------------------

    async def _connection_loop(self, stop: asyncio.Event, connections: int | None) -> None:
        attempt = 0
        done = 0
        while not stop.is_set():
            if not await wait_either(self._catalog_ready.wait(), stop):
                return
            opened_at = time.monotonic()
            try:
                await self._connect_once(stop)
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.warning("ws %s: connection to %s failed: %s", self.venue, self.feed.url, exc)
            finally:
                self._ws = None
                self._session = None
                self.stats.connected = False
            done += 1
            if stop.is_set() or (connections is not None and done >= connections):
                return
            # A connection that stayed up a while resets the backoff.
            attempt = 0 if time.monotonic() - opened_at > 30 else attempt + 1
            delay = backoff_delay(
                attempt, self.config.backoff_base_sec, self.config.backoff_max_sec, self.rng
            )
            self.stats.reconnects += 1
            log.info("ws %s: reconnecting in %.2fs (attempt %d)", self.venue, delay, attempt)
            if not await wait_either(asyncio.sleep(delay), stop):
                return

    async def _connect_once(self, stop: asyncio.Event) -> None:
        feed = self.feed
        text_ping = feed.ping_text is not None
        self._connections += 1
        session = feed.session(self._connections)
        _WIRE_LOG.setLevel(logging.INFO)
        async with connect(
            feed.url,
            additional_headers=feed.handshake_headers(),
            # A feed without a text keep-alive gets websocket pings (and a silent peer dropped).
            ping_interval=None if text_ping else self.config.ping_sec,
            ping_timeout=None if text_ping else 3 * self.config.ping_sec,
            max_size=None,
            open_timeout=10,
            close_timeout=2,
            logger=_WIRE_LOG,
        ) as ws:
            self._ws = ws
            self._session = session
            self.stats.connected = True
            # Queued before the subscription: every book is distrusted before any new frame.
            self._queue.put_nowait(Reconnected(session))
            tokens = self.pipeline.tokens
            await self._send(session.subscribe(tokens))
            self._asked(tokens)
            log.info(
                "ws %s: connected to %s, subscribed %d tokens", self.venue, feed.url, len(tokens)
            )
            pinger = asyncio.create_task(self._ping(ws)) if text_ping else None
            stopper = asyncio.create_task(close_on(stop, ws))
            try:
                async for frame in ws:
                    self._last_frame = time.monotonic()
                    if frame == feed.pong_text:
                        continue
                    self._queue.put_nowait(QueuedFrame(frame, time.perf_counter()))
            finally:
                if pinger is not None:
                    pinger.cancel()
                stopper.cancel()
            log.warning(
                "ws %s: connection closed (%s)", self.venue, ws.close_reason or ws.close_code
            )

    async def _ping(self, ws: ClientConnection) -> None:
        """Send the feed's text ping; close a connection silent for three intervals."""
        self._last_frame = time.monotonic()
        while True:
            await asyncio.sleep(self.config.ping_sec)
            if time.monotonic() - self._last_frame > 3 * self.config.ping_sec:
                log.warning(
                    "ws %s: no frame for %.0fs; reconnecting", self.venue, 3 * self.config.ping_sec
                )
                await ws.close()
                return
            with contextlib.suppress(WebSocketException):
                await ws.send(self.feed.ping_text or "")

    async def _send(self, messages: Iterable[str]) -> None:
        """Send messages on the live connection (none: the next connection subscribes anew)."""
        ws = self._ws
        if ws is None:
            return
        for message in messages:
            with contextlib.suppress(WebSocketException):
                await ws.send(message)

    def _asked(self, tokens: Iterable[str]) -> None:
        """Remember that the stream was asked for these tokens' snapshots now."""
        if self.feed.snapshots_in_stream:
            now = time.monotonic()
            self._asked_at.update(dict.fromkeys(tokens, now))

    # --- processing ----------------------------------------------------------------------------

    async def _process(self) -> None:
        queue = self._queue
        while not self._stopping:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._handle(batch)
            finally:
                for _ in batch:
                    queue.task_done()

    async def _handle(self, batch: list[QueueItem]) -> None:
        pipeline = self.pipeline
        out = ApplyOutcome()
        out.changed |= self._carry
        self._carry = set()
        frames: list[str | bytes] = []
        first_received: float | None = None
        vouch: QueuedVouch | None = None
        for item in batch:
            if isinstance(item, QueuedFrame):
                frames.append(item.text)
                if first_received is None:
                    first_received = item.received
                continue
            if frames:
                pipeline.ingest(frames, out)
                frames = []
            if isinstance(item, QueuedSnapshots):
                snap = pipeline.apply_snapshots(item.result.books.values(), item.mark)
                out.changed |= snap.changed
                out.resync |= snap.resync
                left = [t for t in item.requested if t in pipeline.books.pending]
                if left:
                    asyncio.get_running_loop().call_later(
                        self.config.resync_retry_sec, self._want_resync, left
                    )
            elif isinstance(item, QueuedCatalog):
                await self._apply_catalog(item.docs)
            elif isinstance(item, Reconnected):
                pipeline.decode = item.session.decode
                pipeline.books.reset_streams()
                pipeline.invalidate_all()
            elif isinstance(item, QueuedFollowed):
                await self._follow(item.tokens)
            elif isinstance(item, QueuedVouch):
                vouch = item
        if frames:
            pipeline.ingest(frames, out)
        if pipeline.resync_wanted:
            self._resync_event.set()
        try:
            changes = await pipeline.publish(out)
        except REDIS_DOWN as exc:
            reraise_if_cancelling()
            # Kept and retried with the next batch; a short pause so a dead Redis is not hammered.
            self._carry = set(out.changed)
            await asyncio.sleep(self.redis_outage.failed(exc))
            return
        except aioredis.RedisError as exc:
            log.warning("ws %s: publish failed, retrying with the next batch: %s", self.venue, exc)
            self._carry = set(out.changed)
            return
        self.redis_outage.ok()
        if vouch is not None and pipeline.notices is not None and self.stats.connected:
            # After this batch's changes: every frame received before the vouch is applied.
            with contextlib.suppress(aioredis.RedisError, OSError):
                await pipeline.notices.vouch(pipeline.books.pending, vouch.at)
        if changes and self.on_publish is not None:
            self.on_publish(changes, first_received or time.perf_counter())

    async def _follow(self, tokens: frozenset[str]) -> None:
        """The cross worker's followed tokens changed: publish the newly followed books."""
        notices = self.pipeline.notices
        if notices is None:
            return
        before, notices.followed = notices.followed, tokens
        await self.pipeline.notify_followed(before)

    async def _apply_catalog(self, docs: dict[str, MarketDocument]) -> None:
        diff = self.pipeline.set_catalog(docs)
        session = self._session
        if diff.added_tokens:
            self._want_resync(self.pipeline.invalidate(diff.added_tokens))
            if session is not None:
                await self._send(session.subscribe(sorted(diff.added_tokens)))
                self._asked(diff.added_tokens)
        if diff.removed_tokens:
            for token in diff.removed_tokens:
                self._asked_at.pop(token, None)
            if session is not None:
                await self._send(session.unsubscribe(sorted(diff.removed_tokens)))
        if diff.removed_markets:
            await self.pipeline.retire(diff.removed_markets)
        if diff.added_tokens or diff.removed_tokens:
            log.info(
                "ws %s: now following %d tokens (+%d, -%d)",
                self.venue,
                len(self.pipeline.token_market),
                len(diff.added_tokens),
                len(diff.removed_tokens),
            )
        # A venue following only its watched markets connects even while none is watched yet
        # (connected and idle, rather than reported as a feed that keeps failing).
        if self.pipeline.token_market or self.config.watch_only:
            self._catalog_ready.set()

    # --- resync --------------------------------------------------------------------------------

    def _want_resync(self, tokens: Iterable[str]) -> None:
        self.pipeline.resync_wanted.update(tokens)
        self._resync_event.set()

    async def _resync_loop(self) -> None:
        pipeline = self.pipeline
        attempt = 0
        while not self._stopping:
            await self._resync_event.wait()
            self._resync_event.clear()
            await asyncio.sleep(self.config.resync_delay_sec)
            if self.feed.snapshots_in_stream:
                await self._resubscribe()
                continue
            while True:
                pending = pipeline.books.pending
                wanted = sorted(t for t in pipeline.resync_wanted if t in pending)
                pipeline.resync_wanted.clear()
                if not wanted:
                    break
                for start in range(0, len(wanted), self.config.resync_max_tokens):
                    batch = wanted[start : start + self.config.resync_max_tokens]
                    mark = pipeline.books.mark()
                    try:
                        result = await self.clob.fetch_books(batch)
                    except (DashboardError, httpx.HTTPError) as exc:
                        delay = backoff_delay(
                            attempt,
                            self.config.backoff_base_sec,
                            self.config.backoff_max_sec,
                            self.rng,
                        )
                        attempt += 1
                        log.warning(
                            "ws %s: resync of %d books failed (%s)", self.venue, len(batch), exc
                        )
                        self._want_resync(wanted[start:])
                        await asyncio.sleep(delay)
                        break
                    attempt = 0
                    self._queue.put_nowait(QueuedSnapshots(result, tuple(batch), mark))

    async def _resubscribe(self) -> None:
        """Ask the stream again for the snapshots of pending books not asked for lately."""
        pipeline = self.pipeline
        pending = pipeline.books.pending
        wanted = sorted(t for t in pipeline.resync_wanted if t in pending)
        pipeline.resync_wanted.clear()
        session = self._session
        if not wanted or session is None:
            return  # nothing pending, or disconnected: the next connection subscribes anew
        now = time.monotonic()
        retry = self.config.resync_retry_sec
        due = [t for t in wanted if now - self._asked_at.get(t, float("-inf")) >= retry]
        if due:
            await self._send(session.resubscribe(due))
            self._asked(due)
            self.stats.resubscribed += len(due)
            log.info("ws %s: resubscribed %d distrusted books", self.venue, len(due))
        # Whatever the stream has not restored by then is looked at again.
        asyncio.get_running_loop().call_later(retry, self._want_resync, wanted)

    # --- catalog -------------------------------------------------------------------------------

    async def _listed(self) -> tuple[frozenset[str], list[str] | None]:
        """The venue's market ids, and the watched ones when only those are followed."""
        ids = frozenset(await self.catalog.ids(self.venue))
        watch = await self.catalog.watch(self.venue) if self.config.watch_only else None
        return ids, watch

    async def _catalog_loop(self) -> None:
        known: tuple[frozenset[str], list[str] | None] | None = None
        followed: frozenset[str] | None = None
        refreshes = 0
        while not self._stopping:
            try:
                listed = await self._listed()
                if listed != known or refreshes % self.config.full_catalog_every == 0:
                    docs: dict[str, MarketDocument] = await self.catalog.read_all(self.venue)
                    watch = listed[1]
                    if watch is not None:
                        docs = {mid: docs[mid] for mid in watch if mid in docs}
                    self._queue.put_nowait(QueuedCatalog(docs))
                    known = listed
                tokens = await read_followed(self.redis)
                if tokens != followed:
                    self._queue.put_nowait(QueuedFollowed(tokens))
                    followed = tokens
            except REDIS_DOWN as exc:
                reraise_if_cancelling()
                self.redis_outage.failed(exc)
            except aioredis.RedisError as exc:
                log.warning("ws %s: catalog refresh failed: %s", self.venue, exc)
            refreshes += 1
            await asyncio.sleep(self.config.catalog_refresh_sec)

    # --- writes --------------------------------------------------------------------------------

    async def _flush(self) -> None:
        await self.pipeline.flush(self.catalog)

    async def write_status(self) -> None:
        """Write `status:ws:{venue}` (connected, subscribed tokens, rates, counters); while
        connected, queue the once-a-second vouch for the books the cross worker follows."""
        stats = self.stats
        if stats.connected and self.pipeline.notices is not None:
            self._queue.put_nowait(QueuedVouch(now_ms()))
        now = time.monotonic()
        then, messages_then = self._status_at
        rate = (stats.messages - messages_then) / (now - then) if now > then else 0.0
        self._status_at = (now, stats.messages)
        age = "" if stats.last_message_at is None else f"{now - stats.last_message_at:.3f}"
        await write_status(
            self.redis,
            keys.status_ws(self.venue),
            venue=self.venue,
            connected="true" if stats.connected else "false",
            subscribedTokens=len(self.pipeline.token_market),
            messagesPerSec=round(rate, 1),
            lastMessageAgeSec=age,
            reconnects=stats.reconnects,
            resyncs=stats.resyncs,
            streamRestores=stats.stream_restores,
            resubscribed=stats.resubscribed,
            gaps=stats.gaps,
            resyncRequests=stats.resync_requests,
            pendingBooks=len(self.pipeline.books.pending),
            malformed=stats.malformed,
            frames=stats.frames,
            messages=stats.messages,
            updatedAt=utc_now().isoformat(),
        )


async def amain(settings: Settings, venue_name: str, feed: LiveFeed, once: bool) -> None:
    """Create the clients, run the venue's ingest until SIGINT/SIGTERM, close everything."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    timeout = httpx.Timeout(settings.pm_http_timeout_sec)
    async with redis_session(settings) as redis, httpx.AsyncClient(timeout=timeout) as http:
        venue = create_venue(venue_name, settings, http)
        ingest = WsIngest.from_settings(settings, redis, venue, feed)
        await ingest.run(stop, connections=1 if once else None)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.workers.ws_ingest")
    parser.add_argument("--venue", default=POLYMARKET, help="venue whose feed to follow")
    parser.add_argument("--once", action="store_true", help="one connection, exit when it ends")
    args = parser.parse_args(argv)
    settings = process_settings()
    try:
        spec = spec_for(args.venue)
        feed = spec.live_feed(settings)
    except ConfigError as exc:
        log.error("ws %s: %s", args.venue, exc)
        return 2
    if feed is None:
        log.info("ws %s: no websocket; books kept by %s", spec.name, spec.live_mode(settings))
        return 0
    asyncio.run(amain(settings, spec.name, feed, args.once))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
