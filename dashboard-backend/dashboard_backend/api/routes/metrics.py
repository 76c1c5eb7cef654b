"""GET /metrics: Prometheus text exposition of the workers' and the API's metrics."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from dashboard_backend.api.deps import RedisDep
from dashboard_backend.api.instrumentation import ApiMetrics
from dashboard_backend.metrics.exposition import families, read_scrape

router = APIRouter(tags=["health"])

METRICS_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Prometheus text format 0.0.4",
        "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
    }
}


class _Fixed(Collector):
    """Families computed before rendering (the registry's collect() cannot await Redis)."""

    def __init__(self, ready: Iterable[Metric]):
        self.ready = list(ready)

    def collect(self) -> Iterable[Metric]:
        return self.ready


@router.get("/metrics", response_class=Response, responses=METRICS_RESPONSE)
async def read_metrics(request: Request, redis: RedisDep) -> Response:
    """Per-venue polls, markets, books, opportunities by kind, websocket counters, embeddings,
    matching, pairs by relation, alerts, stream clients and HTTP latency."""
    registry = CollectorRegistry(auto_describe=False)
    api: ApiMetrics = request.app.state.metrics
    registry.register(_Fixed(families(await read_scrape(redis, api.pairs))))
    text = generate_latest(registry) + generate_latest(api.registry)
    return Response(text, media_type=CONTENT_TYPE_LATEST)
