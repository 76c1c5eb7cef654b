"""The venue-neutral core: ids, per-venue atomic replacement, stored-value parsing, selection."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.book_selection import select_book_markets
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.stored import parse_stored
from dashboard_backend.venues.base import native_id, venue_id, venue_of
from dashboard_backend.venues.registry import venue_specs
from dashboard_backend.workers.poller import related_markets
from tests.api_fixtures import binary_market

NOW = datetime(2026, 1, 5, tzinfo=UTC)
FEES = FeeTable({}, default=0.0)


def kalshi_market(ticker: str, yes_ask: float = 0.45) -> tuple[MarketDocument, list[OrderBook]]:
    doc, books = binary_market(f"kalshi:{ticker}", f"{ticker}?", yes_ask=yes_ask, no_ask=yes_ask)
    return doc.model_copy(update={"venue": "kalshi"}), books


def test_ids_say_their_venue_and_polymarket_ids_stay_bare() -> None:
    assert venue_id("polymarket", "12345") == "12345"
    assert venue_id("kalshi", "KXNBAGAME-26JAN11PHITOR-PHI") == "kalshi:KXNBAGAME-26JAN11PHITOR-PHI"
    assert venue_of("12345") == "polymarket"
    assert venue_of("kalshi:KXNBAGAME-26JAN11PHITOR-PHI:yes") == "kalshi"
    assert venue_of("binary_buy_both:kalshi:KX") == "binary_buy_both"  # ids of ids: strip first
    assert native_id("kalshi:KXBTC-25") == "KXBTC-25"
    assert native_id("12345") == "12345"


def test_every_venue_package_is_found_by_the_registry() -> None:
    names = [s.name for s in venue_specs()]
    assert "polymarket" in names


async def test_a_venue_replacement_never_touches_another_venue(
    redis_client: aioredis.Redis,
) -> None:
    store = CatalogStore(redis_client)
    pm_a, pm_a_books = binary_market("1", "A?")
    pm_b, pm_b_books = binary_market("2", "B?")
    k_a, k_a_books = kalshi_market("KXA")
    k_b, k_b_books = kalshi_market("KXB")
    await store.replace_venue("polymarket", {pm_a.id: pm_a, pm_b.id: pm_b})
    await store.replace_venue("kalshi", {k_a.id: k_a, k_b.id: k_b})
    await store.replace_venue_books("polymarket", [*pm_a_books, *pm_b_books], set())
    await store.replace_venue_books("kalshi", [*k_a_books, *k_b_books], set())
    assert await store.ids() == {"1", "2", "kalshi:KXA", "kalshi:KXB"}

    # Kalshi's next poll drops KXB: Polymarket's markets and books stay exactly as they were.
    removed = await store.replace_venue("kalshi", {k_a.id: k_a})
    await store.replace_venue_books("kalshi", k_a_books, {b.token_id for b in k_a_books})
    assert removed == {"kalshi:KXB"}
    assert await store.ids("kalshi") == {"kalshi:KXA"}
    assert await store.ids("polymarket") == {"1", "2"}
    stored_books = set(await redis_client.hkeys(keys.BOOKS))
    assert stored_books == {b.token_id for b in [*pm_a_books, *pm_b_books, *k_a_books]}

    # An empty Kalshi poll empties Kalshi only.
    await store.replace_venue("kalshi", {})
    assert await store.ids() == {"1", "2"}


async def test_opportunities_are_replaced_per_venue(redis_client: aioredis.Redis) -> None:
    ops = OpsStore(redis_client)
    pm, pm_books = binary_market("1", "A?", yes_ask=0.45, no_ask=0.45)
    k, k_books = kalshi_market("KXA", yes_ask=0.40)
    books = {b.token_id: b for b in [*pm_books, *k_books]}
    pm_found = find_opportunities([pm], books, FEES, NOW)
    k_found = find_opportunities([k], books, FEES, NOW)
    assert set(k_found) == {"binary_buy_both:kalshi:KXA"}
    assert next(iter(k_found.values())).venue == "kalshi"
    await ops.replace_venue("polymarket", pm_found, NOW)
    await ops.replace_venue("kalshi", k_found, NOW)
    assert set(await ops.read_snapshot()) == set(pm_found) | set(k_found)
    changes = await ops.replace_venue("kalshi", {}, NOW)
    assert [(c.action, c.id) for c in changes] == [("disappeared", "binary_buy_both:kalshi:KXA")]
    assert set(await ops.read_snapshot()) == set(pm_found)


async def test_a_venue_poll_never_touches_cross_market_opportunities(
    redis_client: aioredis.Redis,
) -> None:
    ops = OpsStore(redis_client)
    pm, pm_books = binary_market("1", "A?", yes_ask=0.45, no_ask=0.45)
    (intra,) = find_opportunities([pm], {b.token_id: b for b in pm_books}, FEES, NOW).values()
    # One cross opportunity across venues, one between two Polymarket markets: both the cross
    # worker's, whatever their venue field says.
    across = intra.model_copy(
        update={"id": "cross_equivalent:kalshi:KXA:yes+1-no", "kind": "cross_equivalent"}
    )
    across = across.model_copy(update={"venue": "kalshi+polymarket"})
    within = intra.model_copy(update={"id": "cross_subset:1-no+2-yes", "kind": "cross_subset"})
    await ops.apply_scoped([], {o.id: o for o in (intra, across, within)}, NOW)
    changes = await ops.replace_venue("polymarket", {}, NOW)
    assert [(c.action, c.id) for c in changes] == [("disappeared", intra.id)]
    assert set(await ops.read_snapshot()) == {across.id, within.id}
    assert within.venues == {"polymarket"}
    assert across.venues == {"kalshi", "polymarket"}


def test_stored_values_are_parsed_in_one_place_skipping_and_counting_bad_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    doc, _ = binary_market("1", "A?")
    raw = {"1": doc.to_json(), "2": "{not json", "3": '{"id": 3}', "4": None}
    with caplog.at_level(logging.WARNING):
        parsed = parse_stored(raw, MarketDocument.from_json, "catalog entries")
    assert list(parsed) == ["1"]
    assert parsed.skipped == 2
    assert parsed.skipped_keys == ("2", "3")
    assert "skipped 2 unreadable catalog entries (e.g. 2, 3)" in caplog.text


async def test_unreadable_catalog_entries_are_skipped_by_readers(
    redis_client: aioredis.Redis,
) -> None:
    doc, _ = binary_market("1", "A?")
    await redis_client.hset(keys.CATALOG, mapping={"1": doc.to_json(), "kalshi:X": "garbage"})
    store = CatalogStore(redis_client)
    everything = await store.read_all()
    assert list(everything) == ["1"]
    assert everything.skipped == 1
    assert await store.get("kalshi:X") is None


def test_book_selection_orders_by_what_matters_and_keeps_groups_whole() -> None:
    live, _ = kalshi_market("LIVE", yes_ask=0.55)  # no edge at the top, but in an opportunity
    related, _ = kalshi_market("REL", yes_ask=0.55)
    cheap, _ = kalshi_market("CHEAP", yes_ask=0.45)  # asks sum to 0.90: could pay
    dull, _ = kalshi_market("DULL", yes_ask=0.55)
    members = []
    for i, ask in enumerate((0.30, 0.30, 0.30)):
        doc, _ = kalshi_market(f"EV-{i}", yes_ask=ask)
        members.append(
            doc.model_copy(
                update={"neg_risk": True, "neg_risk_market_id": "kalshi:EV", "event_id": "EV"}
            )
        )
    docs = {d.id: d for d in [live, related, cheap, dull, *members]}
    picked = select_book_markets(docs, [live.id], [related.id], limit=10)
    assert picked[:3] == [live.id, related.id, cheap.id]
    assert set(picked[3:]) == {m.id for m in members}
    assert dull.id not in picked
    # A cap that cannot hold the whole group skips it rather than splitting it.
    assert select_book_markets(docs, [live.id], [related.id], limit=4) == [
        live.id,
        related.id,
        cheap.id,
    ]


def test_related_markets_are_those_in_a_cross_venue_match() -> None:
    class Entry:
        def __init__(self, market_id: str) -> None:
            self.market_id = market_id

    matches = {"1": [Entry("kalshi:KXA"), Entry("2")], "kalshi:KXB": [Entry("kalshi:KXC")]}
    assert related_markets(matches, "kalshi") == {"kalshi:KXA"}
    assert related_markets(matches, "polymarket") == {"1"}
