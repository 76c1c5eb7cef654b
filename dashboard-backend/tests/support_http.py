"""Run an ASGI app (Starlette/FastAPI) on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from dashboard_backend.serve import serve_in_thread
from dashboard_backend.settings import Settings


def run_app(
    app: Any, startup_timeout: float = 10.0, lifespan: str = "off"
) -> AbstractContextManager[str]:
    """Serve `app` on a free loopback port (see `serve_in_thread`); yields its base URL."""
    return serve_in_thread(
        app, lifespan="on" if lifespan == "on" else "off", startup_timeout=startup_timeout
    )


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
