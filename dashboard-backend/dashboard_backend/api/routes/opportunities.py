"""GET /v1/opportunities: the current opportunities, intra- and cross-market (JSON or CSV)."""

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
from dashboard_backend.api.params import CategoryQuery, VenuesQuery
from dashboard_backend.api.present import present_opportunity
from dashboard_backend.models import Opportunity, OpportunityKind

router = APIRouter(tags=["opportunities"])


@router.get("/v1/opportunities", response_model=list[Opportunity], responses=CSV_RESPONSE)
async def read_opportunities(
    ops: OpsDep,
    kind: Annotated[
        list[OpportunityKind] | None,
        Query(description="only these kinds (repeat the parameter for several)"),
    ] = None,
    venue: VenuesQuery = None,
    category: CategoryQuery = None,
    min_edge: Annotated[
        float | None, Query(ge=-1.0, le=1.0, description="minimum edge per share (USD)")
    ] = None,
    min_annualized: Annotated[
        float | None,
        Query(
            ge=0.0,
            le=1000.0,
            description=(
                "minimum annualised return (0.14 = 14 % a year); opportunities stating none "
                "(the intra-market kinds) are left out"
            ),
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="maximum rows")] = 100,
    format: Annotated[
        ExportFormat, Query(description="json, or csv for a spreadsheet (one row each)")
    ] = "json",
) -> list[Opportunity] | Response:
    """Current opportunities, intra-market and cross-market (`cross_*` kinds: legs on related
    markets, possibly on several venues), most profitable first."""
    rows = list((await ops.read_snapshot()).values())
    if kind is not None:
        kinds = set(kind)
        rows = [o for o in rows if o.kind in kinds]
    if venue is not None:
        venues = set(venue)
        rows = [o for o in rows if not venues.isdisjoint(o.venues)]
    if min_annualized is not None:
        rows = [
            o
            for o in rows
            if o.annualized_return is not None and o.annualized_return >= min_annualized
        ]
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
