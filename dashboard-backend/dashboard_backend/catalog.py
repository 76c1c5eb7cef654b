"""Redis I/O for the market catalog and stored order books, whole or one venue at a time.

The catalog (`markets:catalog`) and books (`markets:books`) hold every venue's entries; a venue's
poll replaces only its own (ids say their venue, see `venues/base.py`) in one MULTI/EXEC, so a
reader sees the venue's old set or its new one, never a mix, and another venue's entries are never
touched. A crash before EXEC leaves everything as it was.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.stored import StoredValues, parse_one, parse_stored, repairing, tolerant
from dashboard_backend.venues.base import venue_of

log = logging.getLogger(__name__)

# Hash fields per HSET command in a pipeline (keeps each command a reasonable size).
_CHUNK = 1000

# Update a market document only if it is still in the catalog, so a late quote update can never
# resurrect a market that a poll has just removed.
_HSET_IF_EXISTS = """
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    n = n + 1
  end
end
return n
"""


class CatalogStore:
    """Reads and atomically replaces `markets:catalog`; keeps `markets:books`."""

    def __init__(self, redis: aioredis.Redis):
        self.redis = redis

    async def read_all(
        self,
        venue: str | None = None,
        parse: Callable[[str | bytes], MarketDocument] = MarketDocument.from_json,
    ) -> StoredValues[MarketDocument]:
        """Every catalog document (one venue's when given); unreadable entries are skipped.
        `parse`: a `stored.ParseMemo` for a reader that reads the whole catalog pass after pass."""
        raw: dict[str, str] = await tolerant(self.redis.hgetall(keys.CATALOG), {}, keys.CATALOG)
        if venue is not None:
            raw = {mid: v for mid, v in raw.items() if venue_of(mid) == venue}
        return parse_stored(raw, parse, "catalog entries")

    async def get(self, market_id: str) -> MarketDocument | None:
        """One document, or None (absent or unreadable)."""
        return (await self.get_many([market_id])).get(market_id)

    async def get_many(self, market_ids: Iterable[str]) -> StoredValues[MarketDocument]:
        """The documents of these ids (absent or unreadable ones are missing)."""
        ids = list(dict.fromkeys(market_ids))
        if not ids:
            return StoredValues()
        values = await tolerant(
            self.redis.hmget(keys.CATALOG, ids), [None] * len(ids), keys.CATALOG
        )
        return parse_stored(
            dict(zip(ids, values, strict=True)), MarketDocument.from_json, "catalog entries"
        )

    async def ids(self, venue: str | None = None) -> set[str]:
        """The market ids in the catalog (one venue's when given)."""
        all_ids: list[str] = await tolerant(self.redis.hkeys(keys.CATALOG), [], keys.CATALOG)
        return {m for m in all_ids if venue is None or venue_of(m) == venue}

    async def size(self) -> int:
        """Number of markets in the catalog."""
        n: int = await tolerant(self.redis.hlen(keys.CATALOG), 0, keys.CATALOG)
        return n

    async def replace(self, docs: Mapping[str, MarketDocument]) -> None:
        """Replace the whole catalog at once: built under a temporary key, then renamed.

        Readers see either the old or the new catalog, never a mix; a crash before the rename
        leaves the old catalog untouched (the temporary key expires).
        """
        if not docs:
            await self.redis.delete(keys.CATALOG)
            return
        tmp = keys.tmp_key(keys.CATALOG, uuid.uuid4().hex)
        items = list(docs.items())
        async with self.redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(items), _CHUNK):
                chunk = items[start : start + _CHUNK]
                pipe.hset(tmp, mapping={mid: doc.to_json() for mid, doc in chunk})
            pipe.expire(tmp, 600)
            await pipe.execute()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rename(tmp, keys.CATALOG)
            pipe.persist(keys.CATALOG)
            await pipe.execute()

    async def replace_venue(self, venue: str, docs: Mapping[str, MarketDocument]) -> set[str]:
        """Make `docs` exactly the venue's markets, in one transaction; returns the removed ids.

        Other venues' markets are left as they are.
        """
        removed = await self.ids(venue) - set(docs)
        await self._replace_fields(
            keys.CATALOG, {mid: doc.to_json() for mid, doc in docs.items()}, removed
        )
        return removed

    async def update_existing(self, docs: Iterable[MarketDocument]) -> int:
        """Overwrite documents that are still in the catalog; returns how many were written."""
        argv: list[str] = []
        for doc in docs:
            argv.extend((doc.id, doc.to_json()))
        if not argv:
            return 0
        n: int = await tolerant(
            self.redis.eval(_HSET_IF_EXISTS, 1, keys.CATALOG, *argv), 0, keys.CATALOG
        )
        return n

    async def write_books(self, books: Iterable[OrderBook], depth: int = 20) -> None:
        """Store the top `depth` levels of each book under `markets:books`."""
        mapping = {b.token_id: b.top(depth).to_json() for b in books}
        if mapping:
            await repairing(
                self.redis,
                {keys.BOOKS: "hash"},
                lambda: self.redis.hset(keys.BOOKS, mapping=mapping),
            )

    async def replace_venue_books(
        self, venue: str, books: Iterable[OrderBook], keep_tokens: set[str], depth: int = 20
    ) -> None:
        """Store these books and drop the venue's stored books of tokens not in `keep_tokens`."""
        mapping = {b.token_id: b.top(depth).to_json() for b in books}
        stored: list[str] = await tolerant(self.redis.hkeys(keys.BOOKS), [], keys.BOOKS)
        stale = {t for t in stored if venue_of(t) == venue and t not in keep_tokens}
        await self._replace_fields(keys.BOOKS, mapping, stale)

    async def read_books(self, token_ids: Iterable[str]) -> StoredValues[OrderBook]:
        """Stored books for these tokens (missing or unreadable ones are absent)."""
        ids = list(dict.fromkeys(token_ids))
        if not ids:
            return StoredValues()
        values = await tolerant(self.redis.hmget(keys.BOOKS, ids), [None] * len(ids), keys.BOOKS)
        return parse_stored(dict(zip(ids, values, strict=True)), OrderBook.from_json, "books")

    # --- rolling coverage (a venue whose poll walks a window of its listing) --------------------

    async def rolling_offset(self, venue: str) -> int:
        """Where the venue's next rolling poll starts in its listing."""
        raw = await self.redis.get(keys.rolling_offset(venue))
        return int(raw) if raw and str(raw).isdigit() else 0

    async def set_rolling_offset(self, venue: str, offset: int) -> None:
        """Remember where the next rolling poll starts."""
        await self.redis.set(keys.rolling_offset(venue), offset)

    async def mark_seen(
        self, venue: str, market_ids: Iterable[str], when: float
    ) -> dict[str, float]:
        """Record that these markets were seen at `when`; returns every market's last sighting."""
        key = keys.catalog_last_seen(venue)
        ids = list(market_ids)
        async with self.redis.pipeline(transaction=False) as pipe:
            if ids:
                pipe.zadd(key, dict.fromkeys(ids, when))
            pipe.zrange(key, 0, -1, withscores=True)
            *_, seen = await pipe.execute()
        return {str(mid): float(ts) for mid, ts in seen}

    async def forget_seen(self, venue: str, market_ids: Iterable[str]) -> None:
        """Drop the sightings of markets no longer kept."""
        ids = list(market_ids)
        if ids:
            await self.redis.zrem(keys.catalog_last_seen(venue), *ids)

    # --- the markets whose full books a venue keeps fresh ---------------------------------------

    async def set_watch(self, venue: str, market_ids: Iterable[str]) -> None:
        """Record the venue's watched markets (by priority) for its websocket ingest."""
        await self.redis.set(keys.book_watch(venue), json.dumps(list(market_ids)))

    async def watch(self, venue: str) -> list[str]:
        """The venue's watched markets ([] when none or unreadable)."""
        raw = await self.redis.get(keys.book_watch(venue))
        value = parse_one(keys.book_watch(venue), raw, json.loads, "watch lists")
        return [str(m) for m in value] if isinstance(value, list) else []

    async def _replace_fields(self, key: str, mapping: Mapping[str, str], drop: set[str]) -> None:
        items = list(mapping.items())
        stale = sorted(drop - mapping.keys())
        if not items and not stale:
            return

        async def write() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                for start in range(0, len(items), _CHUNK):
                    pipe.hset(key, mapping=dict(items[start : start + _CHUNK]))
                for start in range(0, len(stale), _CHUNK):
                    pipe.hdel(key, *stale[start : start + _CHUNK])
                await pipe.execute()

        await repairing(self.redis, {key: "hash"}, write)
