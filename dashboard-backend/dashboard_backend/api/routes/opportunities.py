"""GET /v1/opportunities: the current intra-market opportunities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from dashboard_backend.api.deps import OpsDep
from dashboard_backend.models import OpportunityKind

router = APIRouter(tags=["opportunities"])

SORT_KEYS = {"expected_profit", "edge", "size", "detected_at"}


@router.get("/v1/opportunities")
async def read_opportunities(
    ops: OpsDep,
    kind: Annotated[OpportunityKind | None, Query(description="only this kind")] = None,
    category: Annotated[str | None, Query(min_length=1, description="only this category")] = None,
    min_edge: Annotated[
        float | None, Query(ge=-1.0, le=1.0, description="minimum edge per share (USD)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="maximum rows")] = 100,
) -> list[dict[str, Any]]:
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
    return [o.to_dict() for o in rows[:limit]]
