"""GET /v1/opportunities: the current intra-market opportunities (JSON or CSV)."""

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
from dashboard_backend.api.params import CategoryQuery
from dashboard_backend.api.present import present_opportunity
from dashboard_backend.models import Opportunity, OpportunityKind

router = APIRouter(tags=["opportunities"])


@router.get("/v1/opportunities", response_model=list[Opportunity], responses=CSV_RESPONSE)
async def read_opportunities(
    ops: OpsDep,
    kind: Annotated[OpportunityKind | None, Query(description="only this kind")] = None,
    category: CategoryQuery = None,
    min_edge: Annotated[
        float | None, Query(ge=-1.0, le=1.0, description="minimum edge per share (USD)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="maximum rows")] = 100,
    format: Annotated[
        ExportFormat, Query(description="json, or csv for a spreadsheet (one row each)")
    ] = "json",
) -> list[Opportunity] | Response:
    """Current opportunities, most profitable first."""
    rows = list((await ops.read_snapshot()).values())
    if kind is not None:
        rows = [o for o in rows if o.kind == kind]
    if category is not None:
        wanted = category.lower()
        rows = [o for o in rows if (o.category or "").lower() == wanted]
    if min_edge is not None:
        rows = [o for o in rows if o.edge >= min_edge]
    rows.sort(key=lambda o: (-o.expected_profit, o.id))
    presented = [present_opportunity(o) for o in rows[:limit]]
    if format == "csv":
        text = to_csv((flatten(o) for o in presented), model_columns(Opportunity))
        return csv_response(text, "opportunities.csv")
    return presented
