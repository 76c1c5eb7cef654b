"""Redis I/O for recorded metrics: `metrics:counters`, one hash field per series.

A field is `name|label=value,label=value` (values may not contain `,`, `=` or `|`; they are
replaced by `_`). A histogram keeps `name|...,le=B` cumulative bucket counts plus `name:sum` and
`name:count` series. Increments are atomic (HINCRBY / HINCRBYFLOAT), so any number of processes
record into one hash.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.metrics.names import Recorded
from dashboard_backend.stored import tolerant

_UNSAFE = re.compile(r"[,=|]")


def series_field(name: str, labels: Mapping[str, str]) -> str:
    """The hash field of one series."""
    pairs = ",".join(f"{k}={_UNSAFE.sub('_', str(v))}" for k, v in labels.items())
    return f"{name}|{pairs}"


def parse_field(field: str) -> tuple[str, dict[str, str]]:
    """Inverse of `series_field`."""
    name, _, pairs = field.partition("|")
    labels = dict(p.split("=", 1) for p in pairs.split(",") if "=" in p)
    return name, labels


class MetricsRecorder:
    """Records counters and histogram observations into Redis."""

    def __init__(self, redis: aioredis.Redis):
        self.redis = redis

    async def increment(self, metric: Recorded, amount: float = 1, **labels: str) -> None:
        """Add to a counter."""
        assert metric.kind == "counter", metric.name
        await self.redis.hincrbyfloat(keys.METRICS, series_field(metric.name, labels), amount)

    async def observe(self, metric: Recorded, value: float, **labels: str) -> None:
        """Record one histogram observation."""
        assert metric.kind == "histogram", metric.name
        async with self.redis.pipeline(transaction=False) as pipe:
            for bound in (*metric.buckets, math.inf):
                if value <= bound:
                    le = "+Inf" if bound == math.inf else repr(float(bound))
                    pipe.hincrby(keys.METRICS, series_field(metric.name, {**labels, "le": le}), 1)
            pipe.hincrbyfloat(keys.METRICS, series_field(metric.name + ":sum", labels), value)
            pipe.hincrby(keys.METRICS, series_field(metric.name + ":count", labels), 1)
            await pipe.execute()

    async def read(self) -> dict[str, float]:
        """Every recorded series (unreadable values skipped)."""
        raw: dict[str, str] = await tolerant(self.redis.hgetall(keys.METRICS), {}, keys.METRICS)
        out: dict[str, float] = {}
        for field, value in raw.items():
            try:
                out[field] = float(value)
            except ValueError:
                continue
        return out
