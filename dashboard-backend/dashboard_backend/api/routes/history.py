"""GET /v1/history: appeared / changed / disappeared opportunity events, newest first, by page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from dashboard_backend.api.csv_export import (
    CSV_RESPONSE,
    csv_response,
    flatten,
    model_columns,
    to_csv,
)
from dashboard_backend.api.deps import ExportFormat, OpsDep
from dashboard_backend.api.params import MarketIdQuery, SinceQuery
from dashboard_backend.api.present import present_opportunity
from dashboard_backend.api.schemas import HistoryPage
from dashboard_backend.models import Opportunity

router = APIRouter(tags=["opportunities"])

# A cursor is the history stream id of the last entry of the previous page.
# ASCII digits, at most 19 a part: always within Redis' 64-bit stream id parts.
CURSOR_PATTERN = r"^[0-9]{1,19}-[0-9]{1,19}$"
# CSV columns: the change, then the opportunity's terms.
CSV_COLUMNS = ["ts", "action", "id", *model_columns(Opportunity, "opportunity.")]


@router.get("/v1/history", response_model=HistoryPage, responses=CSV_RESPONSE)
async def read_history(
    ops: OpsDep,
    market_id: MarketIdQuery = None,
    since: SinceQuery = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="maximum events per page")] = 100,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="`nextCursor` of the previous page"),
    ] = None,
    format: Annotated[
        ExportFormat, Query(description="json, or csv (the next cursor is in X-Next-Cursor)")
    ] = "json",
) -> HistoryPage | Response:
    """History of opportunity changes (kept up to HISTORY_RETENTION entries), newest first."""
    changes, next_cursor = await ops.history(
        market_id=market_id, since=since, limit=limit, before=cursor
    )
    items = tuple(
        c.model_copy(update={"opportunity": present_opportunity(c.opportunity)}) for c in changes
    )
    if format == "csv":
        rows = (
            {"ts": c.ts, "action": c.action, "id": c.id, **flatten(c.opportunity, "opportunity.")}
            for c in items
        )
        headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
        return csv_response(to_csv(rows, CSV_COLUMNS), "history.csv", headers)
    return HistoryPage(items=items, next_cursor=next_cursor)
