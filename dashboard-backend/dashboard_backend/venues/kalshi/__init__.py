"""Kalshi venue: the trade API v2 catalog (events with nested markets), order books, fees, and
with an API key the `orderbook_delta` websocket for the markets that matter."""

from __future__ import annotations

import httpx

from dashboard_backend.retry import RetryPolicy
from dashboard_backend.settings import Settings
from dashboard_backend.venues.base import PollPlan, Venue, VenueSpec
from dashboard_backend.venues.kalshi.auth import load_private_key
from dashboard_backend.venues.kalshi.client import KalshiClient
from dashboard_backend.venues.kalshi.feed import KalshiFeed
from dashboard_backend.venues.kalshi.fees import KalshiFees
from dashboard_backend.venues.kalshi.parse import KALSHI_WEB, VENUE

__all__ = [
    "SPEC",
    "KalshiClient",
    "KalshiFeed",
    "KalshiFees",
    "create_venue",
    "live_feed",
    "live_mode",
]


def has_key(settings: Settings) -> bool:
    """Both halves of an API key are configured (the websocket needs one)."""
    return bool(settings.kalshi_api_key_id and settings.kalshi_private_key_path)


def is_live(settings: Settings) -> bool:
    """Whether these settings run Kalshi's websocket ingest."""
    return settings.enable_ws_ingest and has_key(settings)


def live_mode(settings: Settings) -> str:
    """How Kalshi books are kept live; says why when it is REST only (never shows the key)."""
    refresh = f"every {settings.kalshi_book_refresh_sec:g}s"
    if is_live(settings):
        return (
            f"websocket (signed orderbook_delta) for up to {settings.kalshi_book_max} markets; "
            f"REST refresh {refresh} when disconnected"
        )
    rest = f"REST refresh only ({refresh}, up to {settings.kalshi_book_max} markets)"
    if has_key(settings):
        return f"{rest}: ENABLE_WS_INGEST=false"
    return f"{rest}: no KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH, so no websocket"


def live_feed(settings: Settings) -> KalshiFeed | None:
    """The signed websocket at KALSHI_WS_URL when a key is configured; ConfigError (naming only
    the file) when the key file cannot be used."""
    if not is_live(settings) or settings.kalshi_private_key_path is None:
        return None
    return KalshiFeed(
        settings.kalshi_ws_url,
        settings.kalshi_api_key_id or "",
        load_private_key(settings.kalshi_private_key_path),
        settings.ws_subscribe_chunk,
    )


def fee_model(settings: Settings) -> KalshiFees:
    """Kalshi's per-series taker rates, extended by KALSHI_FEE_RATES."""
    return KalshiFees(settings.kalshi_fee_rates)


def create_venue(settings: Settings, http: httpx.AsyncClient) -> Venue:
    """Kalshi's capabilities over one HTTP client (rate-limited by KALSHI_RATE_LIMIT)."""
    client = KalshiClient(
        http,
        settings.kalshi_url,
        RetryPolicy.from_settings(settings),
        rate_per_sec=settings.kalshi_rate_limit,
        page_size=settings.kalshi_page_size,
    )
    return Venue(
        name=VENUE,
        label="Kalshi",
        markets=client,
        books=client,
        fees=fee_model(settings),
        poll=PollPlan(
            limit=settings.kalshi_limit,
            interval_sec=settings.kalshi_poll_sec,
            full_books=False,
            book_refresh_sec=settings.kalshi_book_refresh_sec,
            book_max=settings.kalshi_book_max,
        ),
        live_enabled=is_live(settings),
        live_mode=live_mode(settings),
    )


SPEC = VenueSpec(
    name=VENUE,
    label="Kalshi",
    enabled=lambda settings: settings.enable_kalshi,
    create=create_venue,
    live_mode=live_mode,
    web_url=KALSHI_WEB,
    fee_model=fee_model,
    live=is_live,
    live_feed=live_feed,
)
