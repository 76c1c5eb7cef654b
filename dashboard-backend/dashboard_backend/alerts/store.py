"""Redis I/O for alerts: what was last sent about each opportunity or pair."""

from __future__ import annotations

import json

import redis.asyncio as aioredis

from dashboard_backend import keys


class SentAlerts:
    """The terms last sent per alert key, kept for a while so repeats are recognised."""

    def __init__(self, redis: aioredis.Redis, ttl_sec: float):
        self.redis = redis
        self.ttl_ms = int(ttl_sec * 1000)

    async def last(self, key: str) -> dict[str, object] | None:
        """What was last sent about `key` (None when nothing, expired or unreadable)."""
        raw = await self.redis.get(keys.ALERTS_SENT_PREFIX + key)
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    async def remember(self, key: str, terms: dict[str, object]) -> None:
        """Record what is being sent about `key`."""
        await self.redis.set(keys.ALERTS_SENT_PREFIX + key, json.dumps(terms), px=self.ttl_ms)
