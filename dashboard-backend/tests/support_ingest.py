"""Running a websocket ingest in a test: test-speed timings, and a run that must stop cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dashboard_backend.workers.ws_ingest import WsIngest
from dashboard_backend.workers.ws_support import IngestConfig


def fast_config(**overrides: Any) -> IngestConfig:
    """Every interval of the ingest shortened so a scripted stream plays out in seconds."""
    timings: dict[str, Any] = {
        "ping_sec": 0.5,
        "flush_sec": 0.1,
        "catalog_refresh_sec": 0.2,
        "status_sec": 0.1,
        "backoff_base_sec": 0.05,
        "backoff_max_sec": 0.2,
        "resync_delay_sec": 0.02,
        "resync_retry_sec": 0.2,
    }
    timings.update(overrides)
    return IngestConfig(**timings)


@asynccontextmanager
async def ingesting(ingest: WsIngest) -> AsyncIterator[None]:
    """Run the ingest for the block; then stop it, failing (with every task's stack) if it
    does not stop within 10 s."""
    stop = asyncio.Event()
    task = asyncio.create_task(ingest.run(stop))
    try:
        yield
    finally:
        stop.set()
        done, _ = await asyncio.wait({task}, timeout=10)
        if not done:
            stacks = "\n".join(
                f"{t.get_coro()}: {t.get_stack(limit=4)}" for t in asyncio.all_tasks()
            )
            raise AssertionError(f"the ingest did not stop:\n{stacks}")
