"""The fault suite: the whole product as `make demo` runs it (real processes, loopback only), with
Redis and then every worker killed by SIGKILL; everything comes back by itself, in bounded time.

The supervisor (`python -m dashboard_backend.run --demo`) runs the embedded Redis, the replay
stand-in, the poller, the websocket ingest, the embedding worker (against a local
OpenAI-compatible stub, so no model is loaded), the matching worker, the notifier and the API.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import create_redis
from dashboard_backend.serve import free_port
from tests.openai_stub import API_KEY, OpenAIStub, serve_stub
from tests.support_wait import eventually

VENUE = "polymarket"
WORKERS = ("poller:polymarket", "ws:polymarket", "embedding", "matching", "notifier", "api")
BACK_WITHIN_SEC = 10.0


@dataclass
class Product:
    """The running supervisor and how to reach what it runs."""

    process: asyncio.subprocess.Process
    api: httpx.AsyncClient
    redis: aioredis.Redis
    log: Path

    async def processes(self) -> dict[str, dict[str, Any]]:
        """The supervisor's records, as /healthz shows them (empty while the API is away)."""
        try:
            response = await self.api.get("/healthz")
        except httpx.HTTPError:
            return {}
        records: dict[str, dict[str, Any]] = response.json().get("processes", {})
        return records

    async def all_running(self, names: tuple[str, ...]) -> bool:
        records = await self.processes()
        return all(records.get(n, {}).get("state") == "running" for n in names)

    async def last_poll(self) -> str:
        try:
            value = await self.redis.hget(keys.status_poller(VENUE), "lastPoll")
        except (aioredis.RedisError, OSError):
            return ""
        return str(value or "")


@pytest.fixture
async def product(shared_data: Path, tmp_path: Path) -> AsyncIterator[Product]:
    api_port, redis_port, replay_port = free_port(), free_port(), free_port()
    async with serve_stub(OpenAIStub()) as stub:
        env = {
            **os.environ,
            "EMBEDDED_REDIS_PORT": str(redis_port),
            "API_PORT": str(api_port),
            "STATE_DIR": str(tmp_path / "state"),
            "PM_GAMMA_LIMIT": "150",
            "PM_POLL_SEC": "1",
            "EMBEDDING_REFRESH_SEC": "2",
            "ENABLE_KALSHI": "false",
            "EMBEDDING_PROVIDER": "openai",
            "OPENAI_API_KEY": API_KEY,
            "OPENAI_BASE_URL": stub.base_url,
            "PM_BACKOFF_BASE_SEC": "0.1",
            "PM_BACKOFF_MAX_SEC": "1",
            "LOG_LEVEL": "INFO",
            # A destination nobody listens on: the notifier runs (its deliveries fail quietly).
            "ALERT_URLS": f"json://127.0.0.1:{free_port()}/hook?cto=1&rto=1",
        }
        env.pop("REDIS_URL", None)
        log = tmp_path / "supervisor.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "dashboard_backend.run",
                "--demo",
                str(shared_data),
                "--replay-port",
                str(replay_port),
                env=env,
                stdout=out,
                stderr=out,
            )
        api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=5)
        redis = create_redis(f"redis://127.0.0.1:{redis_port}/0")
        product = Product(process, api, redis, log)
        try:
            yield product
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
            await api.aclose()
            await redis.aclose()


async def healthy(product: Product) -> bool:
    """Every process running, Redis answering, a poll done and the catalog filled."""
    if not await product.all_running(("redis", "replay", *WORKERS)):
        return False
    try:
        return bool(await product.last_poll()) and await product.redis.hlen(keys.CATALOG) > 0
    except (aioredis.RedisError, OSError):
        return False


async def test_kill_9_of_redis_and_of_every_worker_heals_by_itself(product: Product) -> None:
    started = time.monotonic()
    await eventually(lambda: healthy(product), "the product to come up", wait=120)
    timings = {"product up": time.monotonic() - started}
    records = await product.processes()
    restarts_before = {n: records[n]["restarts"] for n in WORKERS}

    # --- Redis, killed mid-poll (the poller polls every second) -------------------------------
    canaries = {f"canary:{i}": str(i) for i in range(200)}
    await product.redis.mset(canaries)
    await asyncio.sleep(1.2)  # acknowledged more than a second before the kill
    poll_before = await product.last_poll()
    redis_pid = records["redis"]["pid"]
    os.kill(redis_pid, signal.SIGKILL)
    killed_at = time.monotonic()

    async def redis_back() -> bool:
        records = await product.processes()
        redis = records.get("redis", {})
        return redis.get("state") == "running" and redis.get("pid") not in (None, redis_pid)

    await eventually(redis_back, "redis restarted", wait=BACK_WITHIN_SEC)
    timings["redis restarted"] = time.monotonic() - killed_at
    # Every worker rode the outage out (no restart), the API answers, and a new poll lands.
    await eventually(
        lambda: _newer(product, poll_before), "a poll after the restart", wait=BACK_WITHIN_SEC
    )
    timings["first poll after the redis kill"] = time.monotonic() - killed_at
    assert time.monotonic() - killed_at < BACK_WITHIN_SEC
    assert await product.redis.mget(list(canaries)) == list(canaries.values())
    assert (await product.last_poll()) >= poll_before  # never back in time
    records = await product.processes()
    assert {n: records[n]["restarts"] for n in WORKERS} == restarts_before
    await assert_no_half_written_keys(product.redis)
    health = (await product.api.get("/healthz")).json()
    assert health["redis"] is True
    # Quiet logs: one line when Redis went away and one when it came back, per process.
    text = product.log.read_text(errors="replace")
    assert "publish failed" not in text
    for worker in ("poller: redis", "matching: redis", "notifier: redis", "stream hub: redis"):
        assert text.count(f"{worker} unreachable") <= 1, worker

    # --- every worker, one after the other ----------------------------------------------------
    for name in WORKERS:
        pid = (await product.processes())[name]["pid"]
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()

        async def restarted(name: str = name, pid: int = pid) -> bool:
            record = (await product.processes()).get(name, {})
            return record.get("state") == "running" and record.get("pid") != pid

        await eventually(restarted, f"{name} restarted", wait=BACK_WITHIN_SEC)
        timings[f"{name} restarted"] = time.monotonic() - killed_at
    # And the product is correct again: polls land, the stream serves, health is truthful.
    poll_before = await product.last_poll()
    await eventually(lambda: _newer(product, poll_before), "a poll", wait=BACK_WITHIN_SEC)
    await eventually(lambda: healthy(product), "everything running", wait=BACK_WITHIN_SEC)
    async with product.api.stream("GET", "/v1/stream") as response:
        assert response.status_code == 200
        lines = response.aiter_lines()
        assert (await anext(lines)).startswith("id: ")
    records = await product.processes()
    assert all(records[n]["restarts"] == restarts_before[n] + 1 for n in WORKERS)
    print("fault suite timings:", {k: round(v, 2) for k, v in timings.items()})


async def _newer(product: Product, than: str) -> bool:
    return await product.last_poll() > than


async def assert_no_half_written_keys(redis: aioredis.Redis) -> None:
    """Whole keys only: every catalog document parses, and build-then-rename leftovers expire."""
    catalog = await CatalogStore(redis).read_all(VENUE)
    assert len(catalog) == await redis.hlen(keys.CATALOG)
    async for key in redis.scan_iter(match=f"{keys.TMP_PREFIX}*"):
        assert await redis.ttl(key) > 0, f"{key} would stay forever"
    history = await redis.xrevrange(keys.OPS_HISTORY, count=50)
    for _, fields in history:
        json.loads(fields["data"])
