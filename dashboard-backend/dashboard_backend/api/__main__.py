"""`python -m dashboard_backend.api`: serve the API on API_HOST:API_PORT (127.0.0.1:8000)."""

from __future__ import annotations

import argparse

import uvicorn

from dashboard_backend.api.main import create_app
from dashboard_backend.settings import process_settings


def main(argv: list[str] | None = None) -> int:
    """Run the API server until interrupted."""
    argparse.ArgumentParser(
        prog="python -m dashboard_backend.api",
        description="Serve the HTTP API and the web page on API_HOST:API_PORT "
        "(request lines only with LOG_REQUESTS=true).",
    ).parse_args(argv)
    settings = process_settings()
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        access_log=settings.log_requests,
        # Open /v1/stream connections would otherwise hold a shutdown for as long as they last.
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
