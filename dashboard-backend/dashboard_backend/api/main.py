"""The FastAPI application: one router per resource, Redis created at start-up.

Ordinary endpoints share one bounded pool of Redis connections (a burst waits for a free one
rather than failing); the live stream reads through a hub with a client of its own, so open
streams never take connections from the other endpoints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware

from dashboard_backend import __version__
from dashboard_backend.api.errors import (
    INVALID,
    NOT_FOUND,
    UNAUTHORIZED,
    UNAVAILABLE,
    documented,
    install_error_handlers,
)
from dashboard_backend.api.instrumentation import ApiMetrics, MetricsMiddleware
from dashboard_backend.api.middleware import BearerToken, HeadAndOptions, SecurityHeaders
from dashboard_backend.api.routes import (
    cross,
    docs,
    health,
    history,
    markets,
    metrics,
    opportunities,
    stream,
    web,
)
from dashboard_backend.api.stream_hub import StreamHub
from dashboard_backend.connections import create_redis, resolve_redis_url
from dashboard_backend.settings import Settings

# Connections the ordinary endpoints share; the stream hub has its own few.
API_POOL_CONNECTIONS = 64
HUB_POOL_CONNECTIONS = 8


def create_app(settings: Settings) -> FastAPI:
    """Build the app; Redis (embedded when REDIS_URL is unset) is connected in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url, embedded = resolve_redis_url(settings)
        app.state.redis = create_redis(url, max_connections=API_POOL_CONNECTIONS)
        hub_redis = create_redis(url, max_connections=HUB_POOL_CONNECTIONS)
        app.state.hub = StreamHub(hub_redis, max_clients=settings.stream_max_clients)
        await app.state.hub.start()
        try:
            yield
        finally:
            await app.state.hub.stop()
            await hub_redis.aclose()
            await app.state.redis.aclose()
            if embedded is not None:
                embedded.close()

    app = FastAPI(
        title="Prediction-market mispricing finder",
        version=__version__,
        lifespan=lifespan,
        # Served by routes/docs.py from installed files instead of FastAPI's CDN-backed pages.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = ApiMetrics()
    install_error_handlers(app)
    guarded = UNAUTHORIZED if settings.api_token else {}
    app.include_router(health.router, responses=documented(guarded, UNAVAILABLE))
    for module in (opportunities, history, stream, cross):
        app.include_router(module.router, responses=documented(guarded, INVALID, UNAVAILABLE))
    app.include_router(
        markets.router, responses=documented(guarded, INVALID, NOT_FOUND, UNAVAILABLE)
    )
    app.include_router(metrics.router, responses=documented(guarded))
    app.include_router(web.router)
    app.include_router(docs.router)
    # Outermost last: hosts are checked first, then the token, then HEAD/OPTIONS and headers.
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAndOptions)
    if settings.api_token:
        app.add_middleware(BearerToken, token=settings.api_token)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    return app
