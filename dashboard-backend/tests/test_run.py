"""The `make run` / `make demo` supervisor's plan: which processes, with which environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard_backend.run import DEMO_GAMMA_LIMIT, child_env, plan_children
from dashboard_backend.settings import Settings


def test_run_starts_every_worker_and_the_api() -> None:
    names = [c.name for c in plan_children(Settings(), None, 8765)]
    assert names == ["poller", "ws", "embedding", "matching", "api"]
    without_ws = [c.name for c in plan_children(Settings(enable_ws_ingest=False), None, 8765)]
    assert "ws" not in without_ws


def test_demo_starts_the_replay_first_and_points_every_url_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PM_GAMMA_LIMIT", raising=False)
    children = plan_children(Settings(), tmp_path, 9999)
    assert children[0].name == "replay"
    assert children[0].args == ("dashboard_backend.replay", str(tmp_path), "--port", "9999")
    env = child_env("redis://127.0.0.1:6379/0", 9999)
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert env["PM_GAMMA_URL"] == env["PM_CLOB_URL"] == "http://127.0.0.1:9999"
    assert env["PM_WS_URL"] == "ws://127.0.0.1:9999/ws/market"
    assert env["PM_GAMMA_LIMIT"] == str(DEMO_GAMMA_LIMIT)


def test_live_run_keeps_the_configured_venue_urls() -> None:
    env = child_env("redis://127.0.0.1:6379/0", None)
    assert "PM_GAMMA_URL" not in env or "127.0.0.1" not in env["PM_GAMMA_URL"]
    assert env["PYTHONPATH"].split(":")[0].endswith("dashboard-backend")
