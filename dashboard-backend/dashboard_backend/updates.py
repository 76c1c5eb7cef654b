"""Redis I/O for the pub/sub channels: poll summaries published, live updates subscribed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

from dashboard_backend import keys


async def publish_poll(redis: aioredis.Redis, summary: Mapping[str, str | int | float]) -> None:
    """One `poll` message on `polls:updates`."""
    await redis.publish(keys.POLL_UPDATES, json.dumps({"type": "poll", **summary}))


async def subscribe(redis: aioredis.Redis, channels: Iterable[str]) -> PubSub:
    """A pub/sub connection subscribed to these channels (close it with `aclose`)."""
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(*channels)
    return pubsub
