"""Run an ASGI app on a real loopback socket in a background thread (replay stand-ins, tests,
benchmarks): real HTTP and websockets, no patching."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn
from starlette.types import ASGIApp, Receive, Send


def free_port() -> int:
    """A TCP port free on loopback right now (for servers that must be told their port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    lifespan: Literal["on", "off"] = "off",
    startup_timeout: float = 10.0,
) -> Iterator[str]:
    """Serve `app` until the block exits; yields the base URL (`http://127.0.0.1:PORT`).

    `lifespan="on"` runs the app's start-up/shut-down (e.g. the API connecting to Redis). The
    socket is bound before the server starts, so picking a port never races binding it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan=lifespan,
        access_log=False,
        timeout_graceful_shutdown=1,
        ws="websockets-sansio",  # the legacy websockets protocol is deprecated
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="asgi-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def read_body(receive: Receive) -> bytes:
    """The whole body of an ASGI HTTP request (a stand-in's first step)."""
    body = b""
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        body += chunk
        if not message.get("more_body"):
            return body


async def send_json(
    send: Send, status: int, payload: Any, headers: Mapping[str, str] | None = None
) -> None:
    """Answer an ASGI HTTP request with a JSON body (and extra headers)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                *((k.encode(), v.encode()) for k, v in (headers or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})
