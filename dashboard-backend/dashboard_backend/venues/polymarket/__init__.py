"""Polymarket venue: Gamma (market metadata) and CLOB (order books) clients and parsers."""

from __future__ import annotations

import httpx

from dashboard_backend.fees import FeeTable
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.settings import Settings
from dashboard_backend.venues.base import POLYMARKET, PollPlan, Venue, VenueSpec
from dashboard_backend.venues.polymarket.clob import ClobClient
from dashboard_backend.venues.polymarket.feed import PolymarketFeed
from dashboard_backend.venues.polymarket.gamma import GammaClient

__all__ = [
    "SPEC",
    "ClobClient",
    "GammaClient",
    "PolymarketFeed",
    "create_polymarket_clients",
    "create_venue",
    "live_feed",
]


def create_polymarket_clients(
    settings: Settings, http: httpx.AsyncClient
) -> tuple[GammaClient, ClobClient]:
    """Gamma and CLOB clients sharing one HTTP client (its timeout is PM_HTTP_TIMEOUT_SEC)."""
    policy = RetryPolicy.from_settings(settings)
    gamma = GammaClient(
        http,
        settings.pm_gamma_url,
        policy,
        settings.pm_gamma_page_size,
        tags=settings.gamma_tags,
    )
    clob = ClobClient(http, settings.pm_clob_url, policy, settings.pm_books_batch)
    return gamma, clob


def create_venue(settings: Settings, http: httpx.AsyncClient) -> Venue:
    """Polymarket's capabilities: Gamma listing, CLOB books, the market channel, taker fees."""
    gamma, clob = create_polymarket_clients(settings, http)
    return Venue(
        name=POLYMARKET,
        label="Polymarket",
        markets=gamma,
        books=clob,
        fees=FeeTable.from_settings(settings),
        poll=PollPlan(
            limit=settings.pm_gamma_limit,
            interval_sec=settings.pm_poll_sec,
            rolling=settings.pm_gamma_rolling,
            rolling_ttl_sec=settings.pm_gamma_rolling_ttl_sec,
        ),
        live_enabled=settings.enable_ws_ingest,
        live_mode=live_mode(settings),
    )


def live_mode(settings: Settings) -> str:
    """How Polymarket books are kept live."""
    if settings.enable_ws_ingest:
        return "websocket (CLOB market channel)"
    return "REST polling only (ENABLE_WS_INGEST=false)"


def live_feed(settings: Settings) -> PolymarketFeed | None:
    """The CLOB market channel at PM_WS_URL, unless ENABLE_WS_INGEST is false."""
    if not settings.enable_ws_ingest:
        return None
    return PolymarketFeed(settings.pm_ws_url, settings.ws_subscribe_chunk)


SPEC = VenueSpec(
    name=POLYMARKET,
    label="Polymarket",
    enabled=lambda settings: True,
    create=create_venue,
    live_mode=live_mode,
    web_url="https://polymarket.com",
    live=lambda settings: settings.enable_ws_ingest,
    live_feed=live_feed,
)
