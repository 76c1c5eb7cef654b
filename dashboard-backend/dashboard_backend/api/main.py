"""The FastAPI application: one router per resource, Redis created at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dashboard_backend import __version__
from dashboard_backend.api.instrumentation import ApiMetrics, MetricsMiddleware
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
from dashboard_backend.connections import create_redis, resolve_redis_url
from dashboard_backend.errors import ApiError
from dashboard_backend.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the app; Redis (embedded when REDIS_URL is unset) is connected in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url, embedded = resolve_redis_url(settings)
        app.state.redis = create_redis(url)
        try:
            yield
        finally:
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
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        messages = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
            name = ".".join(loc) or "request"
            messages.append(f"invalid parameter '{name}': {err.get('msg', 'invalid value')}")
        return JSONResponse(
            {"detail": "; ".join(messages), "errors": jsonable_errors(exc)}, status_code=422
        )

    for module in (opportunities, history, stream, markets, health, cross, web, docs, metrics):
        app.include_router(module.router)
    return app


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    """Validation errors reduced to JSON-safe fields."""
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": e.get("type"),
        }
        for e in exc.errors()
    ]
