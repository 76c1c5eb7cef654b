"""Redis I/O for LLM verifier answers: one string key per cache key (`llm:answer:{key}`).

Each answer is written with one SET (atomic: a reader sees the whole answer or none) and
expires after ANSWER_TTL_SEC unless a pass uses it again (each hit renews it), so answers for
pairs that left the catalog go away by themselves. Unreadable values are skipped, counted and
logged, and asked again.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.stored import parse_stored
from dashboard_backend.verifier.answer import Answer

ANSWER_TTL_SEC = 30 * 24 * 3600
_CHUNK = 1000  # keys per MGET / pipeline round trip


class AnswerStore:
    """The worker's answer cache (an `AnswerCache`)."""

    def __init__(self, redis: aioredis.Redis, ttl_sec: int = ANSWER_TTL_SEC):
        self.redis = redis
        self.ttl_sec = ttl_sec

    async def get_many(self, cache_keys: Sequence[str]) -> dict[str, Answer]:
        """The stored answers for these keys; each one found lives another TTL."""
        raw: dict[str, str | None] = {}
        for start in range(0, len(cache_keys), _CHUNK):
            chunk = list(cache_keys[start : start + _CHUNK])
            values = await self.redis.mget([keys.llm_answer(k) for k in chunk])
            raw.update(zip(chunk, values, strict=True))
        found = parse_stored(raw, Answer.from_json, "LLM verifier answers")
        hits = list(found)
        for start in range(0, len(hits), _CHUNK):
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in hits[start : start + _CHUNK]:
                    pipe.expire(keys.llm_answer(key), self.ttl_sec)
                await pipe.execute()
        return dict(found)

    async def put(self, cache_key: str, answer: Answer) -> None:
        """Store one answer."""
        await self.redis.set(keys.llm_answer(cache_key), answer.to_json(), ex=self.ttl_sec)
