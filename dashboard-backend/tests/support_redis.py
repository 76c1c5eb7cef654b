"""Redis helpers for tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from dashboard_backend import keys


async def next_message(pubsub: aioredis.client.PubSub, wait: float) -> dict[str, str] | None:
    """The next published message (get_message answers None for skipped subscribe replies)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while loop.time() < deadline:
        message = await pubsub.get_message(timeout=0.2)
        if message is not None:
            return dict(message)
    return None


@dataclass
class OpsUpdates:
    """Every `ops:updates` message a test received, in order (subscribe before the run)."""

    pubsub: aioredis.client.PubSub
    events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def subscribe(cls, redis: aioredis.Redis) -> OpsUpdates:
        """Start listening now."""
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(keys.OPS_UPDATES)
        return cls(pubsub)

    async def until(self, done: Callable[[], bool], what: str, wait: float = 20.0) -> None:
        """Collect messages until `done()` (a generous deadline against hangs, not a speed
        assertion)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not done():
            assert loop.time() < deadline, f"timed out waiting for {what}"
            message = await next_message(self.pubsub, 0.2)
            if message is not None:
                self.events.append(json.loads(message["data"]))

    async def close(self) -> None:
        """Collect what is still coming (until quiet for 0.3 s) and stop listening."""
        while (message := await next_message(self.pubsub, 0.3)) is not None:
            self.events.append(json.loads(message["data"]))
        await self.pubsub.aclose()

    def actions(self, opportunity_id: str) -> list[str]:
        """What happened to one opportunity, in order."""
        return [e["action"] for e in self.events if e["id"] == opportunity_id]

    def first(self, opportunity_id: str) -> dict[str, Any]:
        """The first message about one opportunity."""
        return next(e for e in self.events if e["id"] == opportunity_id)
