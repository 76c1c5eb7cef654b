"""Polymarket venue: Gamma (market metadata) and CLOB (order books) clients and parsers."""

from __future__ import annotations

import httpx

from dashboard_backend.retry import RetryPolicy
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket.clob import BooksResult, ClobClient
from dashboard_backend.venues.polymarket.gamma import FetchResult, GammaClient

__all__ = [
    "BooksResult",
    "ClobClient",
    "FetchResult",
    "GammaClient",
    "create_polymarket_clients",
    "retry_policy",
]


def retry_policy(settings: Settings) -> RetryPolicy:
    """The venue retry policy from PM_MAX_RETRIES / PM_BACKOFF_BASE_SEC / PM_BACKOFF_MAX_SEC."""
    return RetryPolicy(
        max_retries=settings.pm_max_retries,
        base_delay=settings.pm_backoff_base_sec,
        max_delay=settings.pm_backoff_max_sec,
    )


def create_polymarket_clients(
    settings: Settings, http: httpx.AsyncClient
) -> tuple[GammaClient, ClobClient]:
    """Gamma and CLOB clients sharing one HTTP client (its timeout is PM_HTTP_TIMEOUT_SEC)."""
    policy = retry_policy(settings)
    gamma = GammaClient(http, settings.pm_gamma_url, policy, settings.pm_gamma_page_size)
    clob = ClobClient(http, settings.pm_clob_url, policy, settings.pm_books_batch)
    return gamma, clob
