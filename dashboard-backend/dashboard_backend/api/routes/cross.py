"""GET /v1/cross-opportunities: base markets with their similar markets and price differences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from dashboard_backend import keys
from dashboard_backend.api.deps import RedisDep
from dashboard_backend.matching.entries import refresh_entry, yes_best_ask, yes_mid
from dashboard_backend.matching.filters import category_key
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import MarketDocument, MatchEntry, Model

router = APIRouter(tags=["cross-market"])

_FETCH = 200  # base markets whose documents are fetched per round trip


class CrossMarket(Model):
    """The base market of a group, with its current YES prices."""

    id: str
    question: str
    category: str | None = None
    close_time: datetime | None = None
    url: str = ""
    liquidity: float = 0.0
    yes_best_ask: float | None = None
    yes_mid: float | None = None
    venue: str = "polymarket"


def cross_market(doc: MarketDocument) -> CrossMarket:
    """The base-market summary of a catalog document."""
    return CrossMarket(
        id=doc.id,
        question=doc.question,
        category=doc.category,
        close_time=doc.close_time,
        url=doc.url,
        liquidity=doc.liquidity,
        yes_best_ask=yes_best_ask(doc),
        yes_mid=yes_mid(doc),
        venue=doc.venue,
    )


async def _documents(redis: RedisDep, ids: Sequence[str]) -> dict[str, MarketDocument]:
    """Catalog documents of these ids (vanished or unreadable ones are absent)."""
    if not ids:
        return {}
    values = await redis.hmget(keys.CATALOG, list(ids))
    docs: dict[str, MarketDocument] = {}
    for mid, raw in zip(ids, values, strict=True):
        if raw:
            try:
                docs[mid] = MarketDocument.from_json(raw)
            except ValueError:  # pydantic's ValidationError is a ValueError
                continue
    return docs


@router.get("/v1/cross-opportunities")
async def read_cross_opportunities(
    redis: RedisDep,
    market_id: Annotated[
        str | None, Query(min_length=1, description="only this base market")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="matches per base market")] = 10,
    category: Annotated[
        str | None, Query(min_length=1, description="base market category ('unknown' = none)")
    ] = None,
    min_similarity: Annotated[
        float, Query(ge=0.0, le=1.0, description="drop matches below this similarity")
    ] = 0.0,
    max_markets: Annotated[int, Query(ge=1, le=1000, description="base markets returned")] = 100,
) -> list[dict[str, Any]]:
    """Base markets with matches, best similarity first; prices are read from the live catalog.

    Markets (base or match) that left the catalog since the matching run are skipped; an empty
    array means no matches yet.
    """
    store = MatchStore(redis)
    if market_id is not None:
        raw = await redis.hget(keys.CROSS_MATCHES, market_id)
        stored = {market_id: raw} if raw else {}
    else:
        stored = await store.read_raw()
    lists: dict[str, list[MatchEntry]] = {}
    for base, value in stored.items():
        entries = [e for e in store.parse(base, value) or [] if e.similarity >= min_similarity]
        if entries:
            lists[base] = entries
    order = sorted(lists, key=lambda b: (-lists[b][0].similarity, b))
    wanted = None if category is None else category_key(category)
    out: list[dict[str, Any]] = []
    for start in range(0, len(order), _FETCH):
        chunk = order[start : start + _FETCH]
        ids = list(dict.fromkeys([*chunk, *(e.market_id for b in chunk for e in lists[b])]))
        docs = await _documents(redis, ids)
        for base in chunk:
            doc = docs.get(base)
            if doc is None or (wanted is not None and category_key(doc.category) != wanted):
                continue
            matches = [
                refresh_entry(e, doc, docs[e.market_id]).to_dict()
                for e in lists[base]
                if e.market_id in docs
            ][:limit]
            if matches:
                out.append({"market": cross_market(doc).to_dict(), "matches": matches})
            if len(out) >= max_markets:
                return out
    return out
