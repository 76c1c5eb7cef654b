"""WsPipeline.recompute gives exactly what find_opportunities gives on full books (pure)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.book_events import Level, Snapshot
from dashboard_backend.fees import FeeTable
from dashboard_backend.live_book import ApplyOutcome
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.opportunities import (
    affected_markets,
    find_opportunities,
    opportunity_ids_for,
)
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.venues.polymarket.ws_messages import decode_events
from dashboard_backend.workers.ws_pipeline import WsPipeline
from tests.opportunity_helpers import NOW, binary, negrisk_event

FEES = FeeTable({"crypto": 0.07}, default=0.02)


def _catalog() -> dict[str, MarketDocument]:
    docs = [binary("b1"), binary("b2", category="crypto"), *negrisk_event(["n1", "n2", "n3"])]
    return {d.id: d for d in docs}


def _random_book(rng: random.Random, token: str) -> Snapshot:
    mid = rng.randint(5, 95) / 100
    spread = rng.choice([0.0, 0.01, 0.02, 0.05])
    bids = [
        Level(round(mid - spread / 2 - 0.01 * k, 2), rng.choice([5.0, 20.0, 100.0]))
        for k in range(rng.randint(0, 5))
    ]
    asks = [
        Level(round(mid + spread / 2 + 0.01 * k, 2), rng.choice([5.0, 20.0, 100.0]))
        for k in range(rng.randint(0, 5))
    ]
    bids = [lv for lv in bids if 0 < lv.price < 1]
    asks = [lv for lv in asks if 0 < lv.price < 1 and all(lv.price > b.price for b in bids)]
    return Snapshot(token_id=token, bids=tuple(bids), asks=tuple(asks))


def _pipeline() -> WsPipeline:
    # No Redis is touched by recompute; the store is only needed by publish.
    return WsPipeline(OpsStore(None), FEES, clock=lambda: NOW, decode=decode_events)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.sets(st.sampled_from(["b1", "b2", "n2"])))
def test_recompute_matches_find_opportunities_on_full_books(seed: int, changed: set[str]) -> None:
    rng = random.Random(seed)
    catalog = _catalog()
    pipeline = _pipeline()
    pipeline.set_catalog(catalog)
    messages = [_random_book(rng, o.token_id) for d in catalog.values() for o in d.outcomes]
    pipeline.books.apply(messages, ApplyOutcome())
    books: dict[str, OrderBook] = {}
    for token in pipeline.token_market:
        live = pipeline.books.trusted(token)
        if live is not None:
            books[token] = live.to_order_book()
    result = pipeline.recompute(changed)
    if not changed:
        assert result is None
        return
    assert result is not None
    scope, found = result
    affected = affected_markets(changed, catalog)
    expected = find_opportunities(affected, books, FEES, NOW)
    assert scope == opportunity_ids_for(affected)
    assert found == expected


def test_untrusted_books_keep_their_ids_out_of_scope() -> None:
    catalog = _catalog()
    pipeline = _pipeline()
    pipeline.set_catalog(catalog)
    rng = random.Random(1)
    trusted = [
        _random_book(rng, o.token_id) for d in catalog.values() for o in d.outcomes if d.id != "n3"
    ]
    pipeline.books.apply(trusted, ApplyOutcome())
    result = pipeline.recompute({"b1", "n1"})
    assert result is not None
    scope, _ = result
    # n3 has no snapshot: the negRisk group and n3's own ids cannot be judged.
    assert "negrisk_buy_all:0xneg" not in scope
    assert not any(i.endswith(":n3") for i in scope)
    assert {"binary_buy_both:b1", "binary_split_sell:n1"} <= scope
