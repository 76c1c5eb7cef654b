"""GET /v1/cross-opportunities: base markets with their similar markets and price differences."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from dashboard_backend.api.deps import CatalogDep, ExportFormat, MatchDep
from dashboard_backend.api.params import ID_MAX, NAME_MAX, PRINTABLE
from dashboard_backend.api.present import maybe_probability, present_match
from dashboard_backend.api.schemas import CrossGroup, CrossMarket
from dashboard_backend.matching.entries import entry_order, refresh_entry, yes_best_ask, yes_mid
from dashboard_backend.matching.filters import category_key
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import MarketDocument, MatchEntry, Relation

router = APIRouter(tags=["cross-market"])

_FETCH = 200  # base markets whose documents are fetched per round trip
# CSV: one row per pair, the base market's columns then the match entry's.
CSV_COLUMNS = [*model_columns(CrossMarket, "base."), *model_columns(MatchEntry)]


def cross_market(doc: MarketDocument) -> CrossMarket:
    """The base-market summary of a catalog document."""
    return CrossMarket(
        id=doc.id,
        question=doc.question,
        category=doc.category,
        close_time=doc.close_time,
        url=doc.url,
        liquidity=doc.liquidity,
        yes_best_ask=maybe_probability(yes_best_ask(doc)),
        yes_mid=maybe_probability(yes_mid(doc)),
        venue=doc.venue,
    )


@router.get("/v1/cross-opportunities", response_model=list[CrossGroup], responses=CSV_RESPONSE)
async def read_cross_opportunities(
    catalog: CatalogDep,
    match_store: MatchDep,
    market_id: Annotated[
        str | None,
        Query(
            min_length=1, max_length=ID_MAX, pattern=PRINTABLE, description="only this base market"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="matches per base market")] = 10,
    category: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=NAME_MAX,
            pattern=PRINTABLE,
            description="base market category ('unknown' = none)",
        ),
    ] = None,
    min_similarity: Annotated[
        float, Query(ge=0.0, le=1.0, description="drop matches below this similarity")
    ] = 0.0,
    relation: Annotated[
        list[Relation] | None,
        Query(description="only these relations (repeat the parameter for several)"),
    ] = None,
    max_markets: Annotated[int, Query(ge=1, le=1000, description="base markets returned")] = 100,
    format: Annotated[
        ExportFormat, Query(description="json, or csv with one row per (base, match) pair")
    ] = "json",
) -> list[CrossGroup] | Response:
    """Base markets with their related markets, the strongest relation first (equivalent, inverse,
    subset, mutually exclusive, related), then similarity; prices are read from the live catalog
    and compared through each pair's outcome map.

    Markets (base or match) that left the catalog since the matching run are skipped; an empty
    array means no matches yet.
    """
    stored = MatchStore.parse_lists(await match_store.read_raw(market_id))
    wanted_relations = None if relation is None else set(relation)
    lists: dict[str, list[MatchEntry]] = {}
    for base, all_entries in stored.items():
        entries = [
            e
            for e in all_entries
            if e.similarity >= min_similarity
            and (wanted_relations is None or e.relation in wanted_relations)
        ]
        if entries:
            lists[base] = sorted(entries, key=entry_order)
    order = sorted(lists, key=lambda b: (entry_order(lists[b][0])[:3], b))
    wanted = None if category is None else category_key(category)
    out: list[CrossGroup] = []
    for start in range(0, len(order), _FETCH):
        chunk = order[start : start + _FETCH]
        ids = list(dict.fromkeys([*chunk, *(e.market_id for b in chunk for e in lists[b])]))
        docs = await catalog.get_many(ids)
        for base in chunk:
            doc = docs.get(base)
            if doc is None or (wanted is not None and category_key(doc.category) != wanted):
                continue
            current = [e for e in lists[base] if e.market_id in docs][:limit]
            matches = tuple(
                present_match(refresh_entry(e, doc, docs[e.market_id])) for e in current
            )
            if matches:
                out.append(CrossGroup(market=cross_market(doc), matches=matches))
            if len(out) >= max_markets:
                break
        if len(out) >= max_markets:
            break
    if format == "csv":
        return csv_response(to_csv(pair_rows(out), CSV_COLUMNS), "pairs.csv")
    return out


def pair_rows(groups: Sequence[CrossGroup]) -> Iterator[dict[str, object]]:
    """One flat row per (base, match) pair."""
    for group in groups:
        base = flatten(group.market, "base.")
        for match in group.matches:
            yield {**base, **flatten(match)}
