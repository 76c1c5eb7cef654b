"""Redis I/O for status hashes (`status:*`) and the health counts.

Workers write their own hash; the supervisor writes `status:processes` (one JSON record per child).
/healthz reads them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.stored import repairing, tolerant


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


async def write_status(redis: aioredis.Redis, key: str, **fields: str | int | float) -> None:
    """Set fields of a status hash (values stored as strings); a key of another type is replaced."""
    mapping = {k: str(v) for k, v in fields.items()}
    await repairing(redis, {key: "hash"}, lambda: redis.hset(key, mapping=mapping))


async def read_status(redis: aioredis.Redis, key: str) -> dict[str, str]:
    """All fields of a status hash (empty when the worker never ran)."""
    data: dict[str, str] = await tolerant(redis.hgetall(key), {}, key)
    return data


async def read_statuses(redis: aioredis.Redis, keys_: Sequence[str]) -> dict[str, dict[str, str]]:
    """Several status hashes in one round trip, by key."""
    async with redis.pipeline(transaction=False) as pipe:
        for key in keys_:
            pipe.hgetall(key)
        values: list[object] = await pipe.execute(raise_on_error=False)
    # A hash of the wrong type answers an error: read as empty.
    return {
        key: value if isinstance(value, dict) else {}
        for key, value in zip(keys_, values, strict=True)
    }


async def read_status_field(redis: aioredis.Redis, key: str, field: str) -> str:
    """One field of a status hash ('' when absent)."""
    value = await tolerant(redis.hget(key, field), None, key)
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
        values: list[object] = await pipe.execute(raise_on_error=False)
    return {
        name: value if isinstance(value, int) else 0
        for name, value in zip(names, values, strict=True)
    }


@dataclass
class ProcessRecord:
    """What the supervisor knows about one child (times are unix seconds)."""

    name: str
    state: str = "starting"  # starting | running | restarting | stopped
    pid: int | None = None
    restarts: int = 0
    started_at: float | None = None
    exit_code: int | None = None
    exited_at: float | None = None
    reason: str = ""  # last line the child wrote to stderr before it exited
    needs_operator: bool = False  # exited with code 2: not restarted
    next_start_at: float | None = None
    updated_at: float | None = None  # the supervisor's last report (every STATUS_EVERY_SEC)

    def to_json(self) -> str:
        """camelCase JSON, as stored (times as ISO-8601)."""
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if key.endswith("_at") and isinstance(value, float):
                value = datetime.fromtimestamp(value, UTC).isoformat()
            out[_camel(key)] = value
        return json.dumps(out)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def write_processes(redis: aioredis.Redis, records: Iterable[ProcessRecord]) -> None:
    """Store every record in `status:processes` with one HSET."""
    mapping = {r.name: r.to_json() for r in records}
    if mapping:
        await repairing(
            redis,
            {keys.STATUS_PROCESSES: "hash"},
            lambda: redis.hset(keys.STATUS_PROCESSES, mapping=mapping),
        )
