"""A verifier from the settings: its HTTP client and chat client made at start-up, closed after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import redis.asyncio as aioredis

from dashboard_backend.errors import ConfigError
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.settings import Settings
from dashboard_backend.verifier.band import Band
from dashboard_backend.verifier.cache import AnswerCache
from dashboard_backend.verifier.client import ChatClient
from dashboard_backend.verifier.review import Verifier
from dashboard_backend.verifier.store import AnswerStore


@asynccontextmanager
async def open_verifier(settings: Settings, cache: AnswerCache) -> AsyncIterator[Verifier]:
    """The verifier of the LLM_* settings over `cache`; ConfigError when they are incomplete.

    Retries use LLM_MAX_RETRIES with the PM_BACKOFF_BASE_SEC / PM_BACKOFF_MAX_SEC delays.
    """
    problem = settings.llm_settings_problem()
    if problem is not None:
        raise ConfigError(problem)
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    policy = RetryPolicy(
        max_retries=settings.llm_max_retries,
        base_delay=settings.pm_backoff_base_sec,
        max_delay=settings.pm_backoff_max_sec,
    )
    async with httpx.AsyncClient() as http:
        client = ChatClient(
            http,
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key,
            timeout_sec=settings.llm_timeout_sec,
            policy=policy,
        )
        yield Verifier(
            client,
            cache,
            Band.from_settings(settings),
            settings.llm_max_calls_per_pass,
            settings.llm_concurrency,
        )


@asynccontextmanager
async def worker_verifier(
    settings: Settings, redis: aioredis.Redis
) -> AsyncIterator[Verifier | None]:
    """The matching worker's verifier (answers cached in Redis), or None when LLM_VERIFIER is off."""
    if not settings.llm_verifier:
        yield None
        return
    async with open_verifier(settings, AnswerStore(redis)) as verifier:
        yield verifier
