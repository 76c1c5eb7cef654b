"""Retry policy for HTTP calls to venues and providers: a pure predicate plus a backoff loop.

429, 5xx, timeouts and connection errors are retried with exponential backoff (jittered); a
`Retry-After` header (seconds or HTTP date) overrides the computed delay. Anything else is raised
at once as a PermanentUpstreamError.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

import httpx

from dashboard_backend.errors import PermanentUpstreamError, RetryableUpstreamError, UpstreamError

if TYPE_CHECKING:
    from dashboard_backend.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def should_retry(error: BaseException) -> bool:
    """Whether a failed request is worth retrying."""
    if isinstance(error, RetryableUpstreamError):
        return True
    if isinstance(error, UpstreamError):
        return False
    return isinstance(
        error, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def raise_for_status(response: httpx.Response) -> None:
    """Turn an error response into the matching UpstreamError."""
    if response.status_code < 400:
        return
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    message = f"{response.request.method} {response.request.url} -> HTTP {response.status_code}"
    if response.status_code in RETRYABLE_STATUSES:
        raise RetryableUpstreamError(message, response.status_code, retry_after)
    raise PermanentUpstreamError(
        f"{message}: {response.text[:200]}", response.status_code, retry_after
    )


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Jittered exponential backoff: uniform in [d/2, d] with d = min(cap, base * 2^attempt).

    `attempt` counts from 0 (the first retry or reconnect waits about `base`).
    """
    delay = min(cap, base * 2.0 ** min(attempt, 30))
    return delay * (0.5 + (rng or random).random() / 2)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to retry."""

    max_retries: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy of PM_MAX_RETRIES / PM_BACKOFF_BASE_SEC / PM_BACKOFF_MAX_SEC."""
        return cls(
            max_retries=settings.pm_max_retries,
            base_delay=settings.pm_backoff_base_sec,
            max_delay=settings.pm_backoff_max_sec,
        )

    def delay(self, attempt: int, error: BaseException) -> float:
        """Delay before retry number `attempt` (1-based); Retry-After wins when given."""
        if isinstance(error, UpstreamError) and error.retry_after is not None:
            return float(min(error.retry_after, self.max_delay))
        return backoff_delay(attempt - 1, self.base_delay, self.max_delay)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    what: str,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run `call`, retrying retryable failures; raises the last error when retries run out."""
    attempt = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            if not should_retry(exc) or attempt >= policy.max_retries:
                if should_retry(exc):
                    raise PermanentUpstreamError(
                        f"{what}: giving up after {attempt + 1} attempts: {exc}",
                        getattr(exc, "status", None),
                    ) from exc
                raise
            attempt += 1
            wait = policy.delay(attempt, exc)
            log.warning("%s failed (%s); retry %d in %.2fs", what, exc, attempt, wait)
            await sleep(wait)
