"""The embedding provider interface, and the predicate telling fatal failures from transient."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from dashboard_backend.errors import ConfigError, PermanentUpstreamError
from dashboard_backend.retry import RETRYABLE_STATUSES


class EmbeddingProvider(Protocol):
    """Turns texts into vectors; one instance per process, closed with `aclose`."""

    name: str  # "openai" | "local"
    model: str  # e.g. "text-embedding-3-small" or "all-MiniLM-L6-v2"

    async def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """float32 array of shape (len(texts), dim), not necessarily normalised."""
        ...

    async def aclose(self) -> None:
        """Release clients and connections."""
        ...


@runtime_checkable
class CountsTokens(Protocol):
    """A provider that reports the tokens its upstream billed (for the cost estimate)."""

    tokens_used: int


def is_fatal(error: BaseException) -> bool:
    """True for failures a later retry cannot fix: bad settings, bad key, unknown model, 4xx.

    Retries that ran out on 429/5xx/timeouts are not fatal: the next run may well succeed.
    """
    if isinstance(error, ConfigError):
        return True
    if isinstance(error, PermanentUpstreamError):
        status = error.status
        return status is not None and 400 <= status < 500 and status not in RETRYABLE_STATUSES
    return False
