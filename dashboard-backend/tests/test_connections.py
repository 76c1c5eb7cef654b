"""The embedded Redis: a real server that other processes share and that keeps its data."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import redis
import redis.asyncio as aioredis

from dashboard_backend.connections import EmbeddedRedis, create_redis, resolve_redis_url
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from tests.support_wait import stops_when_cancelled


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


async def _commands(client: aioredis.Redis, pipelined: bool, stop: asyncio.Event) -> None:
    while not stop.is_set():
        if pipelined:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset("h", "f", "v")
                pipe.hlen("h")
                await pipe.execute()
        else:
            await client.hlen("h")


async def test_a_task_cancelled_in_the_middle_of_a_command_stops(redis_url: str) -> None:
    # redis-py sends under asyncio.wait_for, which on Python 3.11 drops a cancellation that
    # lands just after the write: a cancelled worker loop then ran on for ever. Cancel at
    # every event-loop step of a few commands: each cancellation must stop the task.
    client = create_redis(redis_url)
    stop = asyncio.Event()
    try:
        for pipelined in (False, True):
            await stops_when_cancelled(
                functools.partial(_commands, client, pipelined, stop),
                range(150),
                f"a task sending commands (pipelined={pipelined})",
            )
        # Connections dropped mid-command are not reused half-read: replies stay in step.
        assert await client.set("k", "v")
        assert await client.get("k") == "v"
        assert await client.hlen("h") == 1
    finally:
        stop.set()  # lets a task that ignored its cancellation end before the loop closes
        await client.aclose()
