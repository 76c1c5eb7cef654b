"""Riding out a dependency that went away (Redis restarting, a venue unreachable).

A loop that loses a dependency retries with bounded, jittered exponential back-off and logs one
line when the dependency goes away and one when it is back (with how long and how many tries),
never one per try. `Outage` keeps that state and the counters; the delays follow
`retry.backoff_delay`, the rule every reconnecting loop shares.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dashboard_backend.retry import backoff_delay

# What a lost, restarting or still-loading Redis raises (BusyLoadingError is a ConnectionError),
# and socket errors underneath. Not command errors such as WRONGTYPE: those are no outage.
REDIS_DOWN: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


def reraise_if_cancelling() -> None:
    """redis-py can turn a cancellation mid-command into a ConnectionError: stop anyway."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Outage:
    """One dependency's availability as a loop sees it: quiet logs, counters, next delay."""

    def __init__(
        self,
        what: str,
        logger: logging.Logger,
        base_sec: float = 0.25,
        cap_sec: float = 5.0,
        rng: random.Random | None = None,
    ):
        self.what = what
        self.log = logger
        self.base_sec = base_sec
        self.cap_sec = cap_sec
        self.rng = rng or random.Random()
        self.failures = 0  # consecutive failures of the current outage
        self.total_failures = 0  # every failure since start
        self.outages = 0  # outages since start
        self.down_since: float | None = None  # time.time() the current outage began
        self.last_error = ""

    @property
    def down(self) -> bool:
        """Whether the dependency is currently failing."""
        return self.down_since is not None

    def failed(self, exc: BaseException) -> float:
        """Record a failure; returns the delay before the next try (logs only the first).

        A failure that is really a cancellation (redis-py can turn one into a ConnectionError)
        is raised as the cancellation, so a loop being stopped never mistakes it for an outage.
        """
        reraise_if_cancelling()
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if self.down_since is None:
            self.down_since = time.time()
            self.outages += 1
            self.log.warning("%s unreachable (%s); retrying with back-off", self.what, exc)
        delay = backoff_delay(self.failures, self.base_sec, self.cap_sec, self.rng)
        self.failures += 1
        self.total_failures += 1
        return delay

    def ok(self) -> None:
        """Record a success; logs once when an outage ends."""
        if self.down_since is None:
            return
        self.log.info(
            "%s back after %.1fs (%d failed attempts)",
            self.what,
            time.time() - self.down_since,
            self.failures,
        )
        self.down_since = None
        self.failures = 0
