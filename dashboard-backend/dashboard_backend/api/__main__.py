"""`python -m dashboard_backend.api`: serve the API on API_HOST:API_PORT (127.0.0.1:8000)."""

from __future__ import annotations

import argparse
import logging
import resource

import uvicorn

from dashboard_backend.api.main import create_app
from dashboard_backend.errors import ConfigError
from dashboard_backend.settings import process_settings

log = logging.getLogger("dashboard_backend.api")


def raise_open_files_limit() -> None:
    """Every open stream is a socket: allow as many open files as the system lets us."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def main(argv: list[str] | None = None) -> int:
    """Run the API server until interrupted (exit 2 when it would be exposed without a token)."""
    argparse.ArgumentParser(
        prog="python -m dashboard_backend.api",
        description="Serve the HTTP API and the web page on API_HOST:API_PORT "
        "(request lines only with LOG_REQUESTS=true).",
    ).parse_args(argv)
    settings = process_settings()
    try:
        settings.check_api_exposure()
    except ConfigError as exc:
        log.error("api stopped: %s", exc)
        return 2
    raise_open_files_limit()
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
