"""GET /v1/opportunities with cross-market opportunities: kind (repeatable), venue and
min_annualized filters, validated with a 422 naming the parameter."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend.cross.opportunities import Pricing, pair_opportunities
from dashboard_backend.cross.pairs import RelatedPair
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import Opportunity, Relation
from dashboard_backend.opportunities import CatalogIndex, find_opportunities
from dashboard_backend.ops_store import OpsStore
from tests.api_fixtures import binary_market
from tests.cross_helpers import FEES, NOW, asks, link, market

POLY = market("p1", category="politics", close_time=NOW + timedelta(days=30), min_order_size=5.0)
KALSHI = market("kalshi:KXA", venue="kalshi", close_time=NOW + timedelta(days=60))


def cross_opportunity() -> Opportunity:
    """Kalshi YES 0.41 + Polymarket NO 0.55 on an equivalent pair (annualised ~6 %)."""
    books = {
        "kalshi:KXA-Yes": asks("kalshi:KXA-Yes", [(0.41, 300)]),
        "p1-No": asks("p1-No", [(0.55, 300)]),
        "kalshi:KXA-No": asks("kalshi:KXA-No", [(0.60, 100)]),
        "p1-Yes": asks("p1-Yes", [(0.46, 100)]),
    }
    pair = RelatedPair(KALSHI.id, POLY.id, Relation.EQUIVALENT, (link(KALSHI, "Yes", POLY, "Yes"),))
    pricing = Pricing(CatalogIndex([POLY, KALSHI]), books, FEES, NOW)
    (op,) = pair_opportunities(pair, pricing).values()
    return op


@pytest.fixture
async def seeded(redis_client: aioredis.Redis) -> dict[str, Opportunity]:
    pm, pm_books = binary_market("1", "A?", yes_ask=0.45, no_ask=0.45)
    k, k_books = binary_market("kalshi:KXB", "B?", yes_ask=0.40, no_ask=0.40)
    k = k.model_copy(update={"venue": "kalshi"})
    books = {b.token_id: b for b in [*pm_books, *k_books]}
    ops = {
        **find_opportunities([pm, k], books, FeeTable({}, 0.0), NOW),
        **{o.id: o for o in [cross_opportunity()]},
    }
    await OpsStore(redis_client).apply_scoped(ops.keys(), ops, NOW)
    return ops


async def ids(http: httpx.AsyncClient, **params: object) -> set[str]:
    response = await http.get("/v1/opportunities", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return {o["id"] for o in response.json()}


async def test_kind_repeats_venue_names_every_leg_and_min_annualized(
    http: httpx.AsyncClient, seeded: dict[str, Opportunity]
) -> None:
    cross = next(o for o in seeded.values() if o.kind == "cross_equivalent")
    intra_pm = "binary_buy_both:1"
    intra_k = "binary_buy_both:kalshi:KXB"
    assert await ids(http) == set(seeded) == {cross.id, intra_pm, intra_k}
    assert await ids(http, kind="cross_equivalent") == {cross.id}
    assert await ids(http, kind=["cross_equivalent", "binary_buy_both"]) == set(seeded)
    assert await ids(http, kind="cross_subset") == set()
    # A cross-venue opportunity trades on both venues: it is listed under either.
    assert await ids(http, venue="kalshi") == {cross.id, intra_k}
    assert await ids(http, venue="polymarket") == {cross.id, intra_pm}
    assert await ids(http, venue=["kalshi", "polymarket"]) == set(seeded)
    assert await ids(http, venue="Kalshi") == {cross.id, intra_k}  # names are case-blind
    # Only cross-market opportunities state an annualised return.
    assert cross.annualized_return is not None
    assert 0.0 < cross.annualized_return < 1.0
    assert await ids(http, min_annualized=0) == {cross.id}
    assert await ids(http, min_annualized=cross.annualized_return) == {cross.id}
    assert await ids(http, min_annualized=cross.annualized_return + 0.01) == set()
    assert await ids(http, kind="cross_equivalent", venue="polymarket", min_annualized=0.01) == {
        cross.id
    }


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"kind": "cross_nonsense"}, "kind"),
        ({"kind": ["cross_subset", "bogus"]}, "kind"),
        ({"venue": "nyse"}, "venue"),
        ({"venue": ["kalshi", "predictit"]}, "venue"),
        ({"min_annualized": "-0.5"}, "min_annualized"),
        ({"min_annualized": "lots"}, "min_annualized"),
    ],
)
async def test_bad_filters_answer_422_naming_the_parameter(
    http: httpx.AsyncClient, params: dict[str, object], named: str
) -> None:
    response = await http.get("/v1/opportunities", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert f"invalid parameter '{named}'" in response.json()["detail"]


async def test_the_message_says_which_value_is_wrong(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/opportunities", params={"venue": "nyse"})
    assert "unknown venue 'nyse' (known: kalshi, polymarket)" in response.json()["detail"]
    response = await http.get("/v1/opportunities", params={"kind": ["cross_subset", "bogus"]})
    assert "invalid parameter 'kind' (value 2): Input should be" in response.json()["detail"]


async def test_csv_keeps_the_cross_fields(
    http: httpx.AsyncClient, seeded: dict[str, Opportunity]
) -> None:
    response = await http.get(
        "/v1/opportunities", params={"kind": "cross_equivalent", "format": "csv"}
    )
    assert response.status_code == 200
    header, row = response.text.strip().splitlines()[:2]
    assert "annualizedReturn" in header
    assert "settlementRisks" in header
    assert "cross_equivalent" in row
