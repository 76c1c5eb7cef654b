"""Worker status hashes (`status:*`), written by each worker and read by /healthz."""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


async def write_status(redis: aioredis.Redis, key: str, **fields: str | int | float) -> None:
    """Set fields of a status hash (values stored as strings)."""
    await redis.hset(key, mapping={k: str(v) for k, v in fields.items()})


async def read_status(redis: aioredis.Redis, key: str) -> dict[str, str]:
    """All fields of a status hash (empty when the worker never ran)."""
    data: dict[str, str] = await redis.hgetall(key)
    return data
