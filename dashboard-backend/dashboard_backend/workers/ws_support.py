"""Configuration and small helpers of the websocket ingest (subscription messages, backoff,
cancellation-safe waits), apart from the worker so each module keeps one job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection

from dashboard_backend.models import MarketDocument
from dashboard_backend.settings import Settings
from dashboard_backend.venues.base import BooksResult


@dataclass(frozen=True)
class IngestConfig:
    """Timing and sizes of the ingest."""

    url: str
    ping_sec: float = 10.0
    subscribe_chunk: int = 500
    flush_sec: float = 1.0
    catalog_refresh_sec: float = 5.0
    full_catalog_every: int = 12  # full re-read every N refreshes even if the ids are unchanged
    status_sec: float = 1.0
    backoff_base_sec: float = 0.5
    backoff_max_sec: float = 30.0
    resync_delay_sec: float = 0.2  # let in-stream `book` snapshots land before asking REST
    resync_retry_sec: float = 5.0  # tokens REST did not return are asked again after this
    resync_max_tokens: int = 1000  # tokens per resync round (ClobClient batches them)

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestConfig:
        """The configuration given by PM_WS_URL, WS_PING_SEC, WS_SUBSCRIBE_CHUNK, ..."""
        return cls(
            url=settings.pm_ws_url,
            ping_sec=settings.ws_ping_sec,
            subscribe_chunk=settings.ws_subscribe_chunk,
            flush_sec=settings.ws_catalog_flush_sec,
            backoff_base_sec=settings.pm_backoff_base_sec,
            backoff_max_sec=settings.pm_backoff_max_sec,
        )


def subscribe_messages(tokens: Sequence[str], chunk: int, initial: bool) -> list[str]:
    """The subscription messages for these tokens: the first may be the initial one."""
    out: list[str] = []
    for start in range(0, len(tokens), chunk):
        ids = list(tokens[start : start + chunk])
        if initial and start == 0:
            body: dict[str, Any] = {
                "assets_ids": ids,
                "type": "market",
                "custom_feature_enabled": True,
            }
        else:
            body = {"assets_ids": ids, "operation": "subscribe"}
        out.append(json.dumps(body))
    return out


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
    """A new connection: every book is distrusted before its first frame."""


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
