"""The embedded Redis: a real server that other processes share and that keeps its data."""

from __future__ import annotations

from pathlib import Path

import redis

from dashboard_backend.connections import EmbeddedRedis, resolve_redis_url
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings


def test_embedded_redis_is_shared_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    port = free_port()
    first = EmbeddedRedis(tmp_path, port).start()
    client = redis.Redis.from_url(first.url, decode_responses=True)
    client.hset("markets:catalog", "1", "{}")
    # A second process (here: object) finds the running server instead of starting another.
    second = EmbeddedRedis(tmp_path, port).start()
    assert redis.Redis.from_url(second.url).hlen("markets:catalog") == 1
    second.close()  # did not start it: must not stop it
    assert client.ping()
    client.close()
    first.close()
    restarted = EmbeddedRedis(tmp_path, port).start()
    try:
        again = redis.Redis.from_url(restarted.url, decode_responses=True)
        assert again.hgetall("markets:catalog") == {"1": "{}"}
        again.close()
    finally:
        restarted.close()


def test_configured_url_wins_over_the_embedded_server(tmp_path: Path) -> None:
    url, embedded = resolve_redis_url(Settings(redis_url="redis://example:1/2", state_dir=tmp_path))
    assert (url, embedded) == ("redis://example:1/2", None)
