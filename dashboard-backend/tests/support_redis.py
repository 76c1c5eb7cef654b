"""Redis helpers for tests."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis


async def next_message(pubsub: aioredis.client.PubSub, wait: float) -> dict[str, str] | None:
    """The next published message (get_message answers None for skipped subscribe replies)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while loop.time() < deadline:
        message = await pubsub.get_message(timeout=0.2)
        if message is not None:
            return dict(message)
    return None
