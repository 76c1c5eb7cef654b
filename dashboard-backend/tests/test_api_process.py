"""The API as `pmarb serve` runs it: a real process, its request log switched by LOG_REQUESTS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dashboard_backend.serve import free_port

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def serve_and_get(redis_url: str, tmp_path: Path, **env: str) -> str:
    """Start the API process, GET /healthz once it answers, stop it; returns its log output."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"LOG_REQUESTS", "API_PORT"}},
        "PYTHONPATH": str(PACKAGE_ROOT),
        "REDIS_URL": redis_url,
        "API_PORT": str(port),
        **env,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard_backend.cli", "serve"],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the API process did not start")
                time.sleep(0.2)
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    return output


def test_request_lines_are_off_by_default_and_on_with_log_requests(
    redis_url: str, tmp_path: Path
) -> None:
    quiet = serve_and_get(redis_url, tmp_path)
    assert "Application startup complete" in quiet  # the server's own lines still show
    assert "GET /healthz" not in quiet
    loud = serve_and_get(redis_url, tmp_path, LOG_REQUESTS="true")
    assert "GET /healthz" in loud
