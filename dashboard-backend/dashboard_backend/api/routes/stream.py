"""GET /v1/stream: Server-Sent Events relaying `ops:updates`, `matches:updates`, `polls:updates`.

Each Redis message becomes one SSE event whose `event:` names its kind (`opportunity`, `match` or
`poll`)
and whose `data:` is the message JSON unchanged. A comment line is sent every `keepalive` seconds
so proxies and browsers keep the connection open.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from dashboard_backend import keys
from dashboard_backend.api.deps import RedisDep
from dashboard_backend.updates import subscribe

router = APIRouter(tags=["stream"])

CHANNEL_EVENTS = {
    keys.OPS_UPDATES: "opportunity",
    keys.MATCH_UPDATES: "match",
    keys.POLL_UPDATES: "poll",
}


def sse_event(event: str, data: str) -> str:
    """One SSE frame (multi-line data split per the spec)."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


# The OpenAPI description of the stream: SSE frames, not JSON.
STREAM_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Server-Sent Events: `opportunity` (an OpportunityChange), `match` "
        "(a pair change), `poll` (a poll summary); `: ping` comments keep it open",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/v1/stream", response_class=StreamingResponse, responses=STREAM_RESPONSE)
async def stream_updates(
    request: Request,
    redis: RedisDep,
    keepalive: Annotated[float, Query(gt=0, le=300, description="seconds between pings")] = 15.0,
) -> StreamingResponse:
    """Live opportunity and match changes as Server-Sent Events."""
    pubsub = await subscribe(redis, CHANNEL_EVENTS)

    async def events() -> AsyncIterator[str]:
        try:
            yield sse_event("hello", '{"channels": ["opportunity", "match", "poll"]}')
            loop = asyncio.get_running_loop()
            last_ping = loop.time()
            while not await request.is_disconnected():
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "message":
                    event = CHANNEL_EVENTS.get(message["channel"], "message")
                    yield sse_event(event, message["data"])
                elif loop.time() - last_ping >= keepalive:
                    last_ping = loop.time()
                    yield ": ping\n\n"
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
