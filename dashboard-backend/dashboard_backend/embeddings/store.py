"""Redis I/O for `markets:embeddings` (hash marketId -> MarketEmbedding JSON).

Every write is a single Redis command (one HSET per batch, one HDEL per deletion set), so readers
see a batch entirely or not at all, and a crash between batches keeps every batch already written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.models import MarketEmbedding
from dashboard_backend.stored import parse_one, parse_stored, repairing, tolerant

log = logging.getLogger(__name__)


class EmbeddingStore:
    """Reads and incrementally updates the stored market embeddings."""

    def __init__(self, redis: aioredis.Redis):
        self.redis = redis

    async def read_all(
        self,
        model: str | None = None,
        parse: Callable[[str | bytes], MarketEmbedding] = MarketEmbedding.from_json,
    ) -> dict[str, MarketEmbedding]:
        """Every stored embedding by market id (only `model`'s when given); unreadable ones skipped.

        While the worker switches models the hash holds vectors of both: readers that compare
        vectors should pass the model they embed queries with.
        """
        raw: dict[str, str] = await tolerant(
            self.redis.hgetall(keys.EMBEDDINGS), {}, keys.EMBEDDINGS
        )
        parsed = parse_stored(raw, parse, "embeddings")
        if model is None:
            return parsed
        return {mid: e for mid, e in parsed.items() if e.model == model}

    async def get(self, market_id: str) -> MarketEmbedding | None:
        """One stored embedding, or None."""
        raw = await tolerant(self.redis.hget(keys.EMBEDDINGS, market_id), None, keys.EMBEDDINGS)
        return parse_one(market_id, raw, MarketEmbedding.from_json, "embeddings")

    async def write_batch(self, embeddings: Sequence[MarketEmbedding]) -> None:
        """Store a batch with one HSET (all of it becomes visible at once)."""
        if embeddings:
            mapping = {e.market_id: e.to_json() for e in embeddings}
            await repairing(
                self.redis,
                {keys.EMBEDDINGS: "hash"},
                lambda: self.redis.hset(keys.EMBEDDINGS, mapping=mapping),
            )

    async def delete(self, market_ids: Iterable[str]) -> int:
        """Remove these markets' embeddings with one HDEL; returns how many existed."""
        ids = list(market_ids)
        if not ids:
            return 0
        n: int = await tolerant(self.redis.hdel(keys.EMBEDDINGS, *ids), 0, keys.EMBEDDINGS)
        return n

    async def size(self) -> int:
        """Number of stored embeddings."""
        n: int = await tolerant(self.redis.hlen(keys.EMBEDDINGS), 0, keys.EMBEDDINGS)
        return n
