"""Configuration and small helpers of the websocket ingest (cancellation-safe waits, the items
its tasks queue for the processor), apart from the worker so each module keeps one job."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection

from dashboard_backend.models import MarketDocument
from dashboard_backend.settings import Settings
from dashboard_backend.venues.base import BooksResult, FeedSession


@dataclass(frozen=True)
class IngestConfig:
    """Timing and sizes of the ingest."""

    ping_sec: float = 10.0
    # Follow only the markets the venue's poller keeps full books for (`books:watch:{venue}`),
    # not its whole catalog: a venue that cannot book-poll everything (Kalshi).
    watch_only: bool = False
    flush_sec: float = 1.0
    catalog_refresh_sec: float = 5.0
    full_catalog_every: int = 12  # full re-read every N refreshes even if the ids are unchanged
    status_sec: float = 1.0
    backoff_base_sec: float = 0.5
    backoff_max_sec: float = 30.0
    resync_delay_sec: float = 0.2  # let in-stream snapshots land before asking for them
    # Tokens a resync did not restore (REST did not return them, the stream sent no snapshot)
    # are asked again after this.
    resync_retry_sec: float = 5.0
    resync_max_tokens: int = 1000  # tokens per resync round (ClobClient batches them)

    @classmethod
    def from_settings(cls, settings: Settings, watch_only: bool = False) -> IngestConfig:
        """The configuration given by WS_PING_SEC, WS_CATALOG_FLUSH_SEC and the backoff settings."""
        return cls(
            ping_sec=settings.ws_ping_sec,
            watch_only=watch_only,
            flush_sec=settings.ws_catalog_flush_sec,
            backoff_base_sec=settings.pm_backoff_base_sec,
            backoff_max_sec=settings.pm_backoff_max_sec,
        )


async def wait_either(work: Coroutine[Any, Any, object], stop: asyncio.Event) -> bool:
    """Await `work` unless `stop` is set first; True when the work finished."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not task.done():
        task.cancel()
        return False
    return True


async def close_on(stop: asyncio.Event, ws: ClientConnection) -> None:
    await stop.wait()
    await ws.close()


@dataclass(frozen=True)
class QueuedFrame:
    """A frame as received."""

    text: str | bytes
    received: float  # time.perf_counter()


@dataclass(frozen=True)
class QueuedSnapshots:
    """REST books fetched for a resync, with the BookSet mark taken before the request."""

    result: BooksResult
    requested: tuple[str, ...]
    mark: int


@dataclass(frozen=True)
class QueuedCatalog:
    """A fresh read of the catalog."""

    docs: dict[str, MarketDocument]


@dataclass(frozen=True)
class Reconnected:
    """A new connection: every book is distrusted before its first frame, which `session`
    decodes."""

    session: FeedSession


@dataclass(frozen=True)
class QueuedFollowed:
    """The tokens the cross worker follows changed: their books are published from now on."""

    tokens: frozenset[str]


@dataclass(frozen=True)
class QueuedVouch:
    """Queued once a second while connected: when the processor reaches it, every frame received
    before `at` (ms) is applied, so every trusted book is current at `at`."""

    at: int


QueueItem = (
    QueuedFrame | QueuedSnapshots | QueuedCatalog | Reconnected | QueuedFollowed | QueuedVouch
)
