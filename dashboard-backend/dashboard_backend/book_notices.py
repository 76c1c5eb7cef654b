"""Redis I/O for book notices: changed books of the tokens the cross worker follows.

The cross worker recomputes a related pair when either market's book changes, within
milliseconds, in its own process. Book writers tell it what changed on `books:updates`:

- a REST fetch (the poller, the Kalshi book refresh) publishes the books it wrote (`books`), each
  as of its own timestamp: the venue's, or the fetch time when the venue states none;
- a live feed (the websocket ingest) publishes each book it changed as soon as it is applied
  (`current`: the venue's book at `at`), the books it restored from a REST copy (`books`: as of
  that copy's timestamp, which may be old), the tokens whose books it stopped trusting
  (`untrusted`: awaiting a resync), and once a second a `vouch`: every book it keeps and did
  not list is still current at `at` (a book that does not change is as current as the connection
  that would have reported a change).

Only the tokens in `cross:tokens` (written by the cross worker when its pair index changes) are
published, so a venue's full poll costs one small message, not its whole catalog of books.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from typing import Literal

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.models import Model, OrderBook
from dashboard_backend.stored import parse_one

log = logging.getLogger(__name__)

# Book levels published per side (what `markets:books` stores too).
NOTICE_DEPTH = 20


def now_ms() -> int:
    """Wall-clock milliseconds (the venues' timestamp unit)."""
    return int(time.time() * 1000)


class BookNotice(Model):
    """One message on `books:updates` (see the module docstring)."""

    type: Literal["books"] = "books"
    venue: str
    live: bool = False  # from a live feed, which keeps these books from now on; False: REST
    at: int  # ms: when this was published
    current: tuple[OrderBook, ...] = ()  # live: books changed by the feed, current at `at`
    books: tuple[OrderBook, ...] = ()  # as of their own timestamp (venue's, or fetch time)
    untrusted: tuple[str, ...] = ()  # live: books not current until the feed restores them
    vouch: bool = False  # live: every other book this feed keeps is current at `at`


def parse_notice(raw: str | bytes) -> BookNotice | None:
    """A notice from the channel, or None when unreadable (logged by `parse_one`)."""
    return parse_one(keys.BOOK_UPDATES, raw, BookNotice.from_json, "book notices")


async def write_followed(redis: aioredis.Redis, tokens: Iterable[str]) -> None:
    """Record the tokens the cross worker follows (replacing the previous set)."""
    await redis.set(keys.CROSS_TOKENS, json.dumps(sorted(set(tokens))))


async def read_followed(redis: aioredis.Redis) -> frozenset[str]:
    """The tokens the cross worker follows (empty when none, or unreadable)."""
    raw = await redis.get(keys.CROSS_TOKENS)
    value = parse_one(keys.CROSS_TOKENS, raw, json.loads, "followed token lists")
    return frozenset(str(t) for t in value) if isinstance(value, list) else frozenset()


class BookNotices:
    """Publishes one venue's book notices for the followed tokens."""

    def __init__(self, redis: aioredis.Redis, venue: str, live: bool = False):
        self.redis = redis
        self.venue = venue
        self.live = live
        self.followed: frozenset[str] = frozenset()

    async def refresh(self) -> frozenset[str]:
        """Re-read the followed tokens."""
        self.followed = await read_followed(self.redis)
        return self.followed

    def wanted(self, token_ids: Iterable[str]) -> list[str]:
        """The followed tokens among these."""
        followed = self.followed
        return [t for t in token_ids if t in followed] if followed else []

    async def publish(
        self,
        books: Iterable[OrderBook] = (),
        *,
        current: Iterable[OrderBook] = (),
        untrusted: Iterable[str] = (),
        at: int | None = None,
    ) -> int:
        """Publish the followed ones among these (see `BookNotice`); returns the books sent."""
        followed = self.followed
        if not followed:
            return 0
        stamped = tuple(b.top(NOTICE_DEPTH) for b in books if b.token_id in followed)
        live = tuple(b.top(NOTICE_DEPTH) for b in current if b.token_id in followed)
        doubted = tuple(t for t in untrusted if t in followed)
        if not stamped and not live and not doubted:
            return 0
        notice = BookNotice(
            venue=self.venue,
            live=self.live,
            at=at if at is not None else now_ms(),
            current=live,
            books=stamped,
            untrusted=doubted,
        )
        await self.redis.publish(keys.BOOK_UPDATES, notice.to_json())
        return len(stamped) + len(live)

    async def vouch(self, untrusted: Iterable[str], at: int | None = None) -> None:
        """Live feeds, once a second while connected: every published book not listed is current."""
        if not self.followed:
            return
        notice = BookNotice(
            venue=self.venue,
            live=True,
            at=at if at is not None else now_ms(),
            untrusted=tuple(self.wanted(untrusted)),
            vouch=True,
        )
        await self.redis.publish(keys.BOOK_UPDATES, notice.to_json())
