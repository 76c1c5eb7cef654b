"""Waiting in tests: poll a condition against a generous deadline (never a speed assertion)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], what: str, wait: float = 20.0
) -> None:
    """Wait until `condition()` (sync or async) holds; fail naming `what` after `wait` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def stops_when_cancelled(
    start: Callable[[], Coroutine[Any, Any, object]], steps: Iterable[int], what: str
) -> None:
    """For each n in `steps`: run `start()` as a task for n event-loop steps, cancel it, and
    require that it stops (within a generous 10 s) as cancelled."""
    for n in steps:
        task = asyncio.create_task(start())
        for _ in range(n):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert done, f"{what}, cancelled after {n} event-loop steps, is still running"
        assert task.cancelled()
