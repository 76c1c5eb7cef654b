"""The API process's own metrics: request latency by route and open `/v1/stream` clients.

A plain ASGI middleware, so it sees every response (including errors and the SSE stream) without
touching a route. Latency is labelled by the route's path template (`/v1/market/{market_id}`),
never the raw path, so unknown URLs cannot grow the series without bound.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard_backend.metrics.exposition import PairCounts
from dashboard_backend.metrics.names import PREFIX

STREAM_PATH = "/v1/stream"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ApiMetrics:
    """The API's in-process series, in their own registry (one per app), and scrape caches."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            PREFIX + "http_request_duration_seconds",
            "HTTP request latency by route (the SSE stream excluded)",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stream_clients = Gauge(
            PREFIX + "stream_clients", "Open /v1/stream connections", registry=self.registry
        )
        # Pairs by relation, recounted once per matching run rather than on every scrape.
        self.pairs = PairCounts()


def route_label(scope: Scope) -> str:
    """The matched route's path template, or `unmatched`."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    """Times each HTTP request and counts open streams."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") == STREAM_PATH:
            self.metrics.stream_clients.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.stream_clients.dec()
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            self.metrics.latency.labels(scope["method"], route_label(scope), str(status)).observe(
                time.perf_counter() - started
            )
