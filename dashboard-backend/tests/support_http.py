"""Run an ASGI app (Starlette/FastAPI) on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from dashboard_backend.settings import Settings


@contextmanager
def run_app(app: Any, startup_timeout: float = 10.0, lifespan: str = "off") -> Iterator[str]:
    """Serve `app` with uvicorn in a background thread; yields its base URL (no trailing /).

    `lifespan="on"` runs the app's start-up/shut-down (e.g. the API connecting to Redis).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan=lifespan,  # type: ignore[arg-type]
        ws="none",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    # Passing the bound socket avoids a race between picking a port and binding it.
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("test HTTP server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def replay_settings(url: str, redis_url: str, **overrides: object) -> Settings:
    """Settings pointing every Polymarket client at a replay stand-in, with fast retries."""
    base: dict[str, object] = {
        "redis_url": redis_url,
        "pm_gamma_url": url,
        "pm_clob_url": url,
        "pm_gamma_limit": 50,
        "pm_backoff_base_sec": 0.01,
        "pm_backoff_max_sec": 0.05,
        "pm_http_timeout_sec": 2.0,
    }
    base.update(overrides)
    return Settings.model_validate(base)
