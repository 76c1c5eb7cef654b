"""Redis I/O for the market catalog and stored order books."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping

import redis.asyncio as aioredis
from pydantic import ValidationError

from dashboard_backend import keys
from dashboard_backend.models import MarketDocument, OrderBook

log = logging.getLogger(__name__)

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

    async def read_all(self) -> dict[str, MarketDocument]:
        """Every catalog document; an unreadable entry is logged and skipped."""
        raw: dict[str, str] = await self.redis.hgetall(keys.CATALOG)
        docs: dict[str, MarketDocument] = {}
        for market_id, value in raw.items():
            try:
                docs[market_id] = MarketDocument.from_json(value)
            except ValidationError:
                log.warning("skipping unreadable catalog entry %s", market_id)
        return docs

    async def get(self, market_id: str) -> MarketDocument | None:
        """One document, or None."""
        raw = await self.redis.hget(keys.CATALOG, market_id)
        return MarketDocument.from_json(raw) if raw else None

    async def size(self) -> int:
        """Number of markets in the catalog."""
        n: int = await self.redis.hlen(keys.CATALOG)
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
            for start in range(0, len(items), 1000):
                chunk = items[start : start + 1000]
                pipe.hset(tmp, mapping={mid: doc.to_json() for mid, doc in chunk})
            pipe.expire(tmp, 600)
            await pipe.execute()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rename(tmp, keys.CATALOG)
            pipe.persist(keys.CATALOG)
            await pipe.execute()

    async def update_existing(self, docs: Iterable[MarketDocument]) -> int:
        """Overwrite documents that are still in the catalog; returns how many were written."""
        argv: list[str] = []
        for doc in docs:
            argv.extend((doc.id, doc.to_json()))
        if not argv:
            return 0
        n: int = await self.redis.eval(_HSET_IF_EXISTS, 1, keys.CATALOG, *argv)
        return n

    async def write_books(self, books: Iterable[OrderBook], depth: int = 20) -> None:
        """Store the top `depth` levels of each book under `markets:books`."""
        mapping = {b.token_id: b.top(depth).to_json() for b in books}
        if mapping:
            await self.redis.hset(keys.BOOKS, mapping=mapping)

    async def read_books(self, token_ids: Iterable[str]) -> dict[str, OrderBook]:
        """Stored books for these tokens (missing ones are absent)."""
        ids = list(token_ids)
        if not ids:
            return {}
        values = await self.redis.hmget(keys.BOOKS, ids)
        return {tid: OrderBook.from_json(v) for tid, v in zip(ids, values, strict=True) if v}

    async def prune_books(self, keep_tokens: set[str]) -> None:
        """Drop stored books of tokens no longer in the catalog."""
        stored: list[str] = await self.redis.hkeys(keys.BOOKS)
        stale = [t for t in stored if t not in keep_tokens]
        if stale:
            await self.redis.hdel(keys.BOOKS, *stale)
