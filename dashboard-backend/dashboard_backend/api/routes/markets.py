"""GET /v1/market/{id}: a catalog document with its books and current opportunities."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard_backend.api.deps import CatalogDep, OpsDep
from dashboard_backend.api.errors import shorten
from dashboard_backend.api.params import MarketIdPath
from dashboard_backend.api.present import present_market, present_opportunity
from dashboard_backend.api.schemas import MarketDetail
from dashboard_backend.errors import NotFoundError
from dashboard_backend.opportunities import opportunity_ids_for

router = APIRouter(tags=["markets"])


@router.get("/v1/market/{market_id}", response_model=MarketDetail)
async def read_market(market_id: MarketIdPath, catalog: CatalogDep, ops: OpsDep) -> MarketDetail:
    """The market document, the top of each outcome's book and its current opportunities."""
    doc = await catalog.get(market_id)
    if doc is None:
        raise NotFoundError(f"market {shorten(market_id)!r} is not in the catalog")
    books = await catalog.read_books(o.token_id for o in doc.outcomes)
    current = await ops.read_many(opportunity_ids_for([doc]))
    return MarketDetail(
        market=present_market(doc),
        books={tid: book.top(10) for tid, book in books.items()},
        opportunities=tuple(present_opportunity(o) for o in current.values()),
    )
