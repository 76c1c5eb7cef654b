"""Kalshi: parsing the recorded payloads, the client over the stand-in, fees, the poller."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.errors import UpstreamError
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.faults import FaultPlan
from dashboard_backend.replay.kalshi import KalshiState, kalshi_routes
from dashboard_backend.replay.kalshi_data import load_kalshi
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.settings import Settings
from dashboard_backend.venues.base import POLYMARKET
from dashboard_backend.venues.kalshi import KalshiClient, KalshiFees, create_venue, live_mode
from dashboard_backend.venues.kalshi.parse import (
    is_parlay,
    parse_event,
    parse_market,
    parse_orderbook,
)
from dashboard_backend.venues.polymarket import create_venue as create_polymarket
from dashboard_backend.workers.poller import CatalogPoller

MARKETS_100 = "jonasgebele_tail_end/kalshi_v2_markets_100.json"
PARLAYS_200 = "borat_wom_polymarket_strategy/kalshi_v2_markets_200.json"
EVENTS_BOM = "borat_wom_polymarket_strategy/kalshi_v2_events_100.json"
NBA_EVENTS = "steffenmax_arb_bot/kalshi_events_nba.json"
ORDERBOOK = "henryzhao_live_fixtures/kalshi_orderbook_nonempty.json"
PM_ACTIVE = "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"


def load(shared_data: Path, name: str) -> object:
    return json.loads((shared_data / name).read_text(encoding="utf-8-sig"))


def test_recorded_markets_parse_into_yes_no_documents(shared_data: Path) -> None:
    raw = load(shared_data, MARKETS_100)
    assert isinstance(raw, list)
    bond = next(m for m in raw if m["ticker"] == "KXBOND-30-CAL")
    doc = parse_market(bond)
    assert doc.id == "kalshi:KXBOND-30-CAL"
    assert doc.venue == "kalshi"
    assert [o.name for o in doc.outcomes] == ["Yes", "No"]
    assert [o.token_id for o in doc.outcomes] == [
        "kalshi:KXBOND-30-CAL:yes",
        "kalshi:KXBOND-30-CAL:no",
    ]
    yes, no = doc.outcomes
    # Prices from the *_dollars strings.
    assert (yes.best_bid, yes.best_ask) == (0.09, 0.16)
    assert (no.best_bid, no.best_ask) == (0.84, 0.91)
    assert doc.yes_sub_title == "Callum Turner"
    assert doc.event_id == "KXBOND-30"
    assert doc.series_ticker == "KXBOND"
    assert doc.rules
    assert doc.rules.startswith("If Callum Turner is cast")
    assert doc.url.startswith("https://kalshi.com/markets/kxbond")
    between = next(m for m in raw if m.get("strike_type") == "between")
    strike = parse_market(between)
    assert strike.strike_type == "between"
    assert strike.line == float(between["floor_strike"])
    assert strike.cap_strike == float(between["cap_strike"])


def test_no_sub_title_is_never_an_outcome_name(shared_data: Path) -> None:
    raw = load(shared_data, MARKETS_100)
    assert isinstance(raw, list)
    for m in raw:
        doc = parse_market(m)
        assert [o.name for o in doc.outcomes] == ["Yes", "No"]
        assert m["no_sub_title"] not in {o.name for o in doc.outcomes} or m["no_sub_title"] in (
            "Yes",
            "No",
        )


def test_recorded_parlays_are_recognised(shared_data: Path) -> None:
    page = load(shared_data, PARLAYS_200)
    assert isinstance(page, dict)
    assert all(is_parlay(m) for m in page["markets"])
    raw = load(shared_data, MARKETS_100)
    assert isinstance(raw, list)
    assert not any(is_parlay(m) for m in raw)


def test_orderbook_asks_are_derived_from_the_other_sides_bids(shared_data: Path) -> None:
    yes, no = parse_orderbook(load(shared_data, ORDERBOOK), "KXT")
    # YES bids 0.22/0.23/0.24, NO bids 0.73/0.74/0.75: YES ask = 1 − best NO bid, with its size.
    assert [(lv.price, lv.size) for lv in yes.bids] == [
        (0.24, 100000.0),
        (0.23, 28.55),
        (0.22, 252.0),
    ]
    assert [(lv.price, lv.size) for lv in yes.asks] == [(0.25, 40.0), (0.26, 200.0), (0.27, 40.34)]
    assert (no.best_bid, no.best_ask) == (0.75, 0.76)
    assert no.asks[0].size == 100000.0
    assert yes.token_id == "kalshi:KXT:yes"
    assert no.token_id == "kalshi:KXT:no"


def test_fees_round_up_to_the_cent_once_per_order_with_series_rates() -> None:
    doc = parse_market(
        {"ticker": "KXA-1", "event_ticker": "KXA", "title": "A?", "status": "active"}
    )
    fees = KalshiFees()
    schedule = fees.schedule_for(doc)
    # 0.07 × 100 × 0.5 × 0.5 = 1.75 exactly; one contract: 0.0175 -> 0.02.
    assert schedule.order_fee([(0.5, 100)]) == pytest.approx(1.75)
    assert schedule.order_fee([(0.5, 1)]) == pytest.approx(0.02)
    # Rounded once per order, not per contract: 3 contracts at 0.5 cost 0.0525 -> 0.06, not 0.06+.
    assert schedule.order_fee([(0.5, 3)]) == pytest.approx(0.06)
    index = doc.model_copy(update={"series_ticker": "KXINXU"})
    assert fees.rate_for(index) == 0.035
    extended = KalshiFees({"kxa": 0.02})
    assert extended.rate_for(doc) == 0.02


def test_events_file_with_a_bom_loads_and_mutually_exclusive_games_group(
    shared_data: Path,
) -> None:
    assert load_kalshi(shared_data / EVENTS_BOM).files == 1  # read despite the UTF-8 BOM
    everything = load_kalshi(shared_data)
    mars = next(e for e in everything.events if e["event_ticker"] == "KXELONMARS-99")
    assert mars["available_on_brokers"] is True  # the v2 event's own fields, from the BOM file
    assert mars["markets"]
    games = load_kalshi(shared_data / NBA_EVENTS)
    event = next(e for e in games.events if e["event_ticker"] == "KXNBAGAME-26JAN11PHITOR")
    assert [m["ticker"] for m in event["markets"]] == [
        "KXNBAGAME-26JAN11PHITOR-PHI",
        "KXNBAGAME-26JAN11PHITOR-TOR",
    ]
    docs, reasons = parse_event(event)
    assert not reasons
    assert all(d.neg_risk and not d.neg_risk_augmented for d in docs)
    assert {d.neg_risk_market_id for d in docs} == {"kalshi:KXNBAGAME-26JAN11PHITOR"}
    assert docs[0].yes_sub_title == "Philadelphia"


def test_a_non_exhaustive_exclusive_event_is_never_a_buy_all(shared_data: Path) -> None:
    markets: list[dict[str, object]] = [
        {"ticker": f"KXBOND-30-{c}", "title": f"{c}?", "status": "active", "yes_sub_title": c}
        for c in ("AAA", "BBB")
    ]
    event: dict[str, object] = {
        "event_ticker": "KXBOND-30",
        "series_ticker": "KXBOND",
        "title": "Next James Bond",
        "category": "Entertainment",
        "mutually_exclusive": True,
        "markets": markets,
    }
    docs, _ = parse_event(event)
    assert all(d.neg_risk_augmented for d in docs)  # an unlisted candidate may win
    assert docs[0].category == "culture"
    with_other = {
        **event,
        "markets": [
            *markets,
            {
                "ticker": "KXBOND-30-OTH",
                "title": "?",
                "status": "active",
                "yes_sub_title": "Someone else",
            },
        ],
    }
    docs, _ = parse_event(with_other)
    assert not any(d.neg_risk_augmented for d in docs)


@pytest.fixture
def stand_in(shared_data: Path) -> Iterator[tuple[str, KalshiState]]:
    yield from _serve(shared_data, "")


def _serve(shared_data: Path, faults: str) -> Generator[tuple[str, KalshiState], None, None]:
    plan = FaultPlan.parse(faults)
    pm = ReplayState.from_directory(shared_data / PM_ACTIVE, faults=plan)
    kalshi = KalshiState(load_kalshi(shared_data, seed=1))
    with serve_in_thread(create_app(pm, kalshi_routes(kalshi))) as url:
        yield url, kalshi


def settings_for(url: str, redis_url: str, **overrides: object) -> Settings:
    base: dict[str, object] = {
        "redis_url": redis_url,
        "pm_gamma_url": url,
        "pm_clob_url": url,
        "pm_gamma_limit": 50,
        "kalshi_url": f"{url}/trade-api/v2",
        "kalshi_rate_limit": 200.0,
        "kalshi_limit": 5000,
        "pm_backoff_base_sec": 0.01,
        "pm_backoff_max_sec": 0.05,
        "pm_http_timeout_sec": 5.0,
    }
    base.update(overrides)
    return Settings.model_validate(base)


async def test_cursor_pagination_walks_every_event_and_excludes_parlays(
    stand_in: tuple[str, KalshiState],
) -> None:
    url, state = stand_in
    async with httpx.AsyncClient(timeout=5) as http:
        client = KalshiClient(
            http, f"{url}/trade-api/v2", RetryPolicy(), rate_per_sec=0, page_size=7
        )
        pages = [0]
        events = [e async for e in client.iter_events(pages)]
        open_events = [
            e for e in state.data.events if any(m["status"] == "active" for m in e["markets"])
        ]
        assert len(events) == len(open_events)
        assert pages[0] == -(-len(open_events) // 7)  # ceil: every page walked once
        assert len({e["event_ticker"] for e in events}) == len(events)
        markets = [m async for m in client.iter_markets()]
        assert markets
        assert not any(is_parlay(m) for m in markets)
        catalog = await client.fetch_catalog(10_000)
        assert catalog.exhausted
        assert {d.id for d in catalog.markets} == {f"kalshi:{m['ticker']}" for m in markets}


async def test_rate_limit_paces_requests(stand_in: tuple[str, KalshiState]) -> None:
    url, state = stand_in
    tickers = [m["ticker"] for m in state.data.markets if m["status"] == "active"][:12]
    async with httpx.AsyncClient(timeout=5) as http:
        client = KalshiClient(http, f"{url}/trade-api/v2", RetryPolicy(), rate_per_sec=40.0)
        import time

        asked_ms = int(time.time() * 1000)
        started = time.perf_counter()
        result = await client.fetch_books([f"kalshi:{t}:yes" for t in tickers])
        elapsed = time.perf_counter() - started
        answered_ms = int(time.time() * 1000)
    assert result.requests == 12
    assert len(result.books) == 12
    assert elapsed >= 11 / 40.0 * 0.9  # 12 requests at 40/s take at least ~0.27 s
    # Kalshi states no time on a book: each carries its fetch time, so its age can be judged.
    stamps = [b.timestamp for b in result.books.values()]
    assert all(s is not None and asked_ms <= s <= answered_ms for s in stamps)


async def test_kalshi_poll_fills_its_catalog_books_and_event_opportunity(
    stand_in: tuple[str, KalshiState], redis_url: str, redis_client: aioredis.Redis
) -> None:
    url, _state = stand_in
    settings = settings_for(url, redis_url, kalshi_book_max=60)
    async with httpx.AsyncClient(timeout=5) as http:
        pm = await CatalogPoller(
            settings, redis_client, create_polymarket(settings, http)
        ).poll_once()
        report = await CatalogPoller(
            settings, redis_client, create_venue(settings, http)
        ).poll_once()
    store = CatalogStore(redis_client)
    kalshi_ids = await store.ids("kalshi")
    assert len(kalshi_ids) == report.markets > 400
    assert len(await store.ids(POLYMARKET)) == pm.markets == 50
    watch = await store.watch("kalshi")
    assert 0 < len(watch) <= 60
    books = await store.read_books(f"kalshi:{t.split(':', 1)[1]}:yes" for t in watch)
    assert len(books) == len(watch)
    snapshot = await OpsStore(redis_client).read_snapshot("kalshi")
    buy_all = [op for op in snapshot.values() if op.kind == "event_buy_all"]
    assert buy_all, "the planted NBA game arbitrage was not found"
    op = buy_all[0]
    assert op.id.startswith("event_buy_all:kalshi:KXNBAGAME-")
    assert op.venue == "kalshi"
    # Each leg's fee is rounded up to the cent: the total is a whole number of cents.
    assert round(op.fees * 100, 6) == round(op.fees * 100)
    assert op.expected_profit == pytest.approx(op.size - op.cost - op.fees, abs=1e-6)
    doc = MarketDocument.from_json(await redis_client.hget(keys.CATALOG, op.market_ids[0]))
    assert doc.outcomes[0].best_ask == books_of(await store.read_books([doc.outcomes[0].token_id]))


def books_of(books: Mapping[str, OrderBook]) -> float | None:
    return next(iter(books.values())).best_ask


async def test_a_kalshi_outage_leaves_both_catalogs_untouched(
    shared_data: Path, redis_url: str, redis_client: aioredis.Redis
) -> None:
    # Kalshi answers the first poll, then fails every request (an outage of its stand-in).
    stand_in = _serve(shared_data, "503@2+:/trade-api")
    url, _ = next(stand_in)
    try:
        settings = settings_for(url, redis_url, kalshi_book_max=0, pm_max_retries=1)
        async with httpx.AsyncClient(timeout=5) as http:
            kalshi = CatalogPoller(settings, redis_client, create_venue(settings, http))
            polymarket = CatalogPoller(settings, redis_client, create_polymarket(settings, http))
            await polymarket.poll_once()
            before = await CatalogStore(redis_client).read_all()
            kalshi_settings = settings.model_copy(update={"kalshi_page_size": 200})
            first = await CatalogPoller(
                kalshi_settings, redis_client, create_venue(kalshi_settings, http)
            ).poll_once()
            assert first.markets > 0
            after_first = await CatalogStore(redis_client).read_all()
            with pytest.raises(UpstreamError):
                await kalshi.poll_once()
            # Polymarket keeps polling while Kalshi is down.
            again = await polymarket.poll_once()
            assert again.markets == 50
        after = await CatalogStore(redis_client).read_all()
        assert set(after) == set(after_first)
        assert {
            k: v for k, v in after.items() if not k.startswith("kalshi:")
        }.keys() == before.keys()
    finally:
        stand_in.close()


def test_rest_only_mode_is_said_without_the_key(tmp_path: Path) -> None:
    assert "REST refresh only" in live_mode(Settings())
    assert "no KALSHI_API_KEY_ID" in live_mode(Settings())
    key = tmp_path / "k.pem"
    key.write_text("x")
    mode = live_mode(Settings(kalshi_api_key_id="abc-123", kalshi_private_key_path=key))
    assert mode.startswith("websocket")
    assert "abc-123" not in mode
    assert "x" not in mode.split("(")[0]
