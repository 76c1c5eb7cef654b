"""GET /v1/stream: Server-Sent Events of opportunity, match and poll changes.

Each event's `event:` names its kind (`opportunity`, `match` or `poll`) and its `data:` is the
Redis message JSON unchanged; opportunity events carry their `ops:history` id as `id:`, so a
browser reconnecting with `Last-Event-ID` gets what it missed. A comment line is sent every
`keepalive` seconds so proxies and browsers keep the connection open. Past STREAM_MAX_CLIENTS
open streams a new one is answered 503 with `Retry-After`. See stream_hub.py for the fan-out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from dashboard_backend.api.stream_hub import StreamHub

router = APIRouter(tags=["stream"])

# Seconds a client refused at the cap is asked to wait before trying again.
RETRY_AFTER_FULL_SEC = 5


@router.get(
    "/v1/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `opportunity` (an OpportunityChange, with its "
            "history id as `id:`), `match` (a pair change), `poll` (a poll summary), `reset` "
            "(reload: missed events left the history); `: ping` comments keep it open",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        503: {"description": "too many open streams; retry after `Retry-After` seconds"},
    },
)
async def stream_updates(
    request: Request,
    keepalive: Annotated[float, Query(gt=0, le=300, description="seconds between pings")] = 15.0,
    last_event_id: Annotated[
        str | None,
        Header(max_length=64, description="resume after this opportunity event id"),
    ] = None,
) -> Response:
    """Live opportunity, match and poll changes as Server-Sent Events."""
    hub: StreamHub = request.app.state.hub
    client = hub.register()
    if client is None:
        return JSONResponse(
            {"detail": f"too many open streams ({hub.max_clients}); retry later"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_FULL_SEC)},
        )
    return StreamingResponse(
        hub.frames(client, last_event_id, keepalive),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
