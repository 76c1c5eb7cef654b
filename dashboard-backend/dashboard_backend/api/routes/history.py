"""GET /v1/history: appeared / changed / disappeared opportunity events, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from dashboard_backend.api.deps import OpsDep

router = APIRouter(tags=["opportunities"])


@router.get("/v1/history")
async def read_history(
    ops: OpsDep,
    market_id: Annotated[str | None, Query(min_length=1, description="only this market")] = None,
    since: Annotated[
        datetime | None, Query(description="only events after this ISO-8601 time")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="maximum events")] = 100,
) -> list[dict[str, Any]]:
    """History of opportunity changes (kept up to HISTORY_RETENTION entries)."""
    changes = await ops.history(market_id=market_id, since=since, limit=limit)
    return [c.to_dict() for c in changes]
