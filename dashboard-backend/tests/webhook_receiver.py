"""A loopback webhook receiver for the alert tests: records what apprise's `json://` posts.

`POST /hook` records and answers 200; `POST /fail` records and answers 500 (a broken destination).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support_http import run_app


@dataclass
class Receiver:
    """What the receiver got, per path."""

    base_url: str = ""
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        """The apprise URL that posts JSON to `path` here (short timeouts)."""
        return f"json://{self.base_url.removeprefix('http://')}/{path}?cto=2&rto=2"

    def messages(self, path: str = "hook") -> list[dict[str, Any]]:
        """Bodies posted to `path`, in order."""
        with self.lock:
            return list(self.posts.get(path, []))


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """Serve a receiver on a free loopback port."""
    receiver = Receiver()

    async def record(request: Request) -> JSONResponse:
        path = request.path_params["path"]
        body = await request.json()
        with receiver.lock:
            receiver.posts.setdefault(path, []).append(body)
        return JSONResponse({}, status_code=500 if path == "fail" else 200)

    app = Starlette(routes=[Route("/{path}", record, methods=["POST"])])
    with run_app(app) as base_url:
        receiver.base_url = base_url
        yield receiver
