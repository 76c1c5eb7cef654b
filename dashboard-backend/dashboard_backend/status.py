"""Redis I/O for worker status hashes (`status:*`, written by each worker) and the health counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import redis.asyncio as aioredis

from dashboard_backend import keys


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


async def read_statuses(redis: aioredis.Redis, keys_: Sequence[str]) -> dict[str, dict[str, str]]:
    """Several status hashes in one round trip, by key."""
    async with redis.pipeline(transaction=False) as pipe:
        for key in keys_:
            pipe.hgetall(key)
        values: list[dict[str, str]] = await pipe.execute()
    return dict(zip(keys_, values, strict=True))


async def read_status_field(redis: aioredis.Redis, key: str, field: str) -> str:
    """One field of a status hash ('' when absent)."""
    value = await redis.hget(key, field)
    return str(value or "")


async def ping(redis: aioredis.Redis) -> None:
    """Raise when Redis cannot be reached."""
    await redis.ping()


async def store_counts(redis: aioredis.Redis) -> dict[str, int]:
    """Sizes of the catalog, embeddings, match lists and opportunity snapshot (one round trip)."""
    names = {
        "catalog": keys.CATALOG,
        "embeddings": keys.EMBEDDINGS,
        "matches": keys.CROSS_MATCHES,
        "opportunities": keys.OPS_SNAPSHOT,
    }
    async with redis.pipeline(transaction=False) as pipe:
        for key in names.values():
            pipe.hlen(key)
        values: list[int] = await pipe.execute()
    return dict(zip(names, values, strict=True))
