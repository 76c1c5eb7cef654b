"""The stand-ins' cross-venue plan end to end: both venues served over HTTP from the NBA
recordings, polled by the real pollers into a real Redis, related by the matching worker's relation
path (card candidates; no embeddings needed for games), priced by the cross worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pytest
import redis.asyncio as aioredis

from dashboard_backend.catalog import CatalogStore
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import match_documents
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import Opportunity, is_cross_kind
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.cross_plan import ARBITRAGE_ROLES, DECOY_ROLES, CrossPlan
from dashboard_backend.replay.kalshi import KalshiState, kalshi_routes
from dashboard_backend.replay.kalshi_data import load_kalshi
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.replay.ws import binary_markets
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.settings import Settings
from dashboard_backend.venues.registry import create_venue
from dashboard_backend.workers.cross import CrossWorker
from dashboard_backend.workers.poller import CatalogPoller

NBA = "steffenmax_arb_bot"


@pytest.fixture(scope="module")
def stand_in(shared_data: Path) -> Iterator[tuple[str, CrossPlan, ReplayState]]:
    state = ReplayState.from_directory(shared_data / NBA)
    kalshi = KalshiState(load_kalshi(shared_data / NBA))
    plan = state.plant_cross(kalshi.data)
    with serve_in_thread(create_app(state, kalshi_routes(kalshi))) as url:
        yield url, plan, state


def settings_for(url: str, redis_url: str) -> Settings:
    return Settings.model_validate(
        {
            "redis_url": redis_url,
            "pm_gamma_url": url,
            "pm_clob_url": url,
            "pm_gamma_limit": 2000,
            "kalshi_url": f"{url}/trade-api/v2",
            "kalshi_rate_limit": 500.0,
            "kalshi_limit": 5000,
            "pm_backoff_base_sec": 0.01,
            "pm_backoff_max_sec": 0.05,
            "pm_http_timeout_sec": 5.0,
        }
    )


async def poll(settings: Settings, redis: aioredis.Redis, venue: str) -> None:
    async with httpx.AsyncClient(timeout=5.0) as http:
        await CatalogPoller(settings, redis, create_venue(venue, settings, http)).poll_once()


async def cross_opportunities(settings: Settings, redis: aioredis.Redis) -> dict[str, Opportunity]:
    """Both venues polled, related, Kalshi polled again (its book refresh follows the related
    markets), priced by the cross worker."""
    for venue in ("polymarket", "kalshi"):
        await poll(settings, redis, venue)
    docs = list((await CatalogStore(redis).read_all()).values())
    now = datetime.now(UTC)
    vectors = np.zeros((len(docs), 1), dtype=np.float32)
    result = match_documents(docs, vectors, MatchFilters.from_settings(settings), now)
    await MatchStore(redis).replace(result.matches, now)
    await poll(settings, redis, "kalshi")
    await CrossWorker(redis, settings).run(False)
    stored = await OpsStore(redis).read_snapshot()
    return {oid: op for oid, op in stored.items() if is_cross_kind(op.kind)}


async def test_planted_cross_venue_arbitrage_is_reported_and_no_decoy_is(
    stand_in: tuple[str, CrossPlan, ReplayState], redis_url: str, redis_client: aioredis.Redis
) -> None:
    url, plan, state = stand_in
    intra = state.plan.buy_both | state.plan.split_sell  # single-venue plants, kept as planted
    assert set(plan.roles) == {*ARBITRAGE_ROLES, *DECOY_ROLES}
    found = await cross_opportunities(settings_for(url, redis_url), redis_client)
    by_game: dict[str, list[Opportunity]] = {}
    for op in found.values():
        for ticker in plan.roles.values():
            if any(m.startswith(f"kalshi:{ticker}-") for m in op.market_ids):
                by_game.setdefault(ticker, []).append(op)
    for op in found.values():
        assert op.venues == {"kalshi", "polymarket"}, op.id
        assert op.expected_profit > 0
        assert op.guaranteed_payout is not None
        total = op.cost + op.fees + op.expected_profit
        assert round(total, 2) == round(op.size * op.guaranteed_payout, 2), op.id
    kinds = {
        role: sorted({op.kind for op in by_game.get(plan.roles[role], [])}) for role in plan.roles
    }
    assert kinds["yes_other"] == ["cross_equivalent"]
    assert kinds["no_same"] == ["cross_equivalent"]
    assert kinds["subset"] == ["cross_exclusive", "cross_subset"]
    assert "cross_outcome_set" in kinds["outcome_set"]
    for decoy in DECOY_ROLES:
        assert kinds[decoy] == [], decoy
    # Only planted games trade: every other game on both venues is priced as one market, except
    # against a market the stand-in planted as a single-venue arbitrage (genuine, and kept).
    assert {t for t, ops in by_game.items() if ops} == {plan.roles[r] for r in ARBITRAGE_ROLES}
    planted = {op.id for r in ARBITRAGE_ROLES for op in by_game[plan.roles[r]]}
    for op in found.values():
        assert op.id in planted or intra & set(op.market_ids), op.id


async def test_the_stale_decoy_is_an_old_copy_the_script_never_moves(
    stand_in: tuple[str, CrossPlan, ReplayState],
) -> None:
    url, plan, state = stand_in
    assert plan.frozen_tokens
    scripted = {t for m in binary_markets(state) for t in m.tokens}
    assert not scripted & plan.frozen_tokens
    assert not {m.market_id for m in binary_markets(state)} & plan.unscripted
    async with httpx.AsyncClient(timeout=5.0) as http:
        body = [{"token_id": t} for t in sorted(plan.frozen_tokens)]
        books = (await http.post(f"{url}/books", json=body)).json()
    ages = [time.time() - int(b["timestamp"]) / 1000 for b in books]
    assert len(ages) == 2
    assert all(age > 3000 for age in ages)  # served an hour old, whatever the poll says
