"""The supervisor with real child processes and a real Redis: restarts, exit code 2, status."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.run import redis_child
from dashboard_backend.serve import free_port
from dashboard_backend.supervisor import (
    STATUS_EVERY_SEC,
    Child,
    RestartPolicy,
    Supervisor,
    last_line,
    restartable,
)
from tests.support_wait import eventually

FAST = RestartPolicy(first_delay=0.05, max_delay=0.2, healthy_after=0.5)


def python_child(name: str, code: str) -> Child:
    return Child(name, ("-c", code), program=sys.executable)


def test_back_off_doubles_while_failing_and_resets_after_a_healthy_run() -> None:
    policy = RestartPolicy(first_delay=1, max_delay=60, healthy_after=30)
    delays = [policy.next_delay(None, 0.1)]
    for _ in range(8):
        delays.append(policy.next_delay(delays[-1], 0.1))
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert policy.next_delay(60, 31) == 1  # ran healthily: back to the first delay
    assert not restartable(2)
    assert all(restartable(code) for code in (0, 1, -9))
    assert last_line("a\nerror: bad key\n\n") == "error: bad key"


async def read_records(redis: aioredis.Redis) -> dict[str, dict[str, object]]:
    raw: dict[str, str] = await redis.hgetall(keys.STATUS_PROCESSES)
    return {name: json.loads(value) for name, value in raw.items()}


async def test_a_dying_child_is_restarted_and_exit_code_2_stops_restarts(
    redis_client: aioredis.Redis,
) -> None:
    children = [
        python_child("flaky", "import sys; print('lost my mind', file=sys.stderr); sys.exit(1)"),
        python_child(
            "fatal",
            "import sys; print('error: OPENAI_API_KEY refused', file=sys.stderr); sys.exit(2)",
        ),
        python_child("steady", "import time; time.sleep(60)"),
    ]
    supervisor = Supervisor(children, dict(os.environ), redis_client, FAST)
    task = asyncio.create_task(supervisor.run())
    await eventually(lambda: supervisor.records["flaky"].restarts >= 3, "three restarts")
    await asyncio.sleep(0.3)
    records = await read_records(redis_client)
    supervisor.stop()
    await asyncio.wait_for(task, 15)
    assert supervisor.records["flaky"].restarts >= 3
    assert records["flaky"]["exitCode"] == 1
    assert records["flaky"]["reason"] == "lost my mind"
    assert records["fatal"]["state"] == "stopped"
    assert records["fatal"]["needsOperator"] is True
    assert records["fatal"]["restarts"] == 0
    assert records["fatal"]["reason"] == "error: OPENAI_API_KEY refused"
    assert records["steady"]["state"] == "running"
    # On stop every child is terminated (no orphan keeps running).
    assert supervisor.records["steady"].state == "stopped"


async def test_embedded_redis_is_restarted_after_kill_9_and_keeps_acknowledged_writes(
    tmp_path: Path,
) -> None:
    server = EmbeddedRedis(tmp_path, free_port())
    supervisor = Supervisor([redis_child(server)], dict(os.environ), None, FAST)
    task = asyncio.create_task(supervisor.run())
    client = create_redis(server.url)
    try:
        await eventually(lambda: supervisor.records["redis"].state == "running", "redis up")
        await client.hset("markets:catalog", mapping={str(i): "{}" for i in range(500)})
        await asyncio.sleep(1.2)  # acknowledged more than a second before the kill
        pid = supervisor.records["redis"].pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await eventually(
            lambda: supervisor.records["redis"].pid not in (None, pid) and server.running(),
            "redis restarted within 10 s",
            wait=10,
        )
        # The same client reconnects by itself and finds every acknowledged write.
        assert await client.hlen("markets:catalog") == 500
        assert supervisor.records["redis"].restarts == 1
        assert (tmp_path / EmbeddedRedis.AOF_FILE).exists()
    finally:
        await client.aclose()
        supervisor.stop()
        await asyncio.wait_for(task, 15)
    assert not server.running()


def test_a_snapshot_only_directory_is_loaded_and_converted_to_append_only(tmp_path: Path) -> None:
    import redis

    port = free_port()
    # A state directory from before: an RDB snapshot and no append-only file.
    with EmbeddedRedis(tmp_path, port) as first:
        client = redis.Redis(port=port)
        client.set("kept", "1")
        client.config_set("appendonly", "no")
        client.save()
        client.close()
    (tmp_path / EmbeddedRedis.AOF_FILE).unlink()
    with EmbeddedRedis(tmp_path, port) as second:
        client = redis.Redis(port=second.port, decode_responses=True)
        assert client.get("kept") == "1"
        assert client.config_get("appendonly")["appendonly"] == "yes"
        client.close()
    assert first.port == port


async def test_a_steady_supervisor_keeps_reporting(redis_client: aioredis.Redis) -> None:
    """Nothing changes, yet every write is newer: /healthz must not call it silent."""
    supervisor = Supervisor(
        [python_child("steady", "import time; time.sleep(60)")],
        dict(os.environ),
        redis_client,
        FAST,
    )
    task = asyncio.create_task(supervisor.run())
    try:
        await eventually(lambda: supervisor.records["steady"].state == "running", "running")
        await asyncio.sleep(0.3)
        first = str((await read_records(redis_client))["steady"]["updatedAt"])

        async def newer() -> bool:
            record = (await read_records(redis_client))["steady"]
            return str(record["updatedAt"]) > first and record["state"] == "running"

        await eventually(newer, "a newer report while nothing changed", wait=STATUS_EVERY_SEC * 5)
    finally:
        supervisor.stop()
        await asyncio.wait_for(task, 15)
