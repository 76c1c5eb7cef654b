"""The `make run` / `make demo` supervisor's plan: which processes, with which environment."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from dashboard_backend.run import (
    DEMO_GAMMA_LIMIT,
    DEMO_KALSHI_KEY_ID,
    Child,
    DemoKey,
    child_env,
    plan_children,
    run_all,
    wait_ready,
)
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from dashboard_backend.venues.kalshi import live_feed
from tests.support_process import run_module

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def test_run_starts_every_worker_and_the_api(tmp_path: Path) -> None:
    names = [c.name for c in plan_children(Settings(), None, 8765)]
    assert names == [
        "poller:kalshi",
        "poller:polymarket",
        "ws:polymarket",
        "embedding",
        "matching",
        "cross",
        "api",
    ]
    no_kalshi = [c.name for c in plan_children(Settings(enable_kalshi=False), None, 8765)]
    assert "poller:kalshi" not in no_kalshi
    without_ws = [c.name for c in plan_children(Settings(enable_ws_ingest=False), None, 8765)]
    assert not [n for n in without_ws if n.startswith("ws:")]
    # One ingest per venue with a live feed: Kalshi's needs an API key.
    keyed = Settings(kalshi_api_key_id="k", kalshi_private_key_path=tmp_path / "k.pem")
    ingests = [c for c in plan_children(keyed, None, 8765) if c.name.startswith("ws:")]
    assert [c.name for c in ingests] == ["ws:kalshi", "ws:polymarket"]
    assert ingests[0].args == ("dashboard_backend.workers.ws_ingest", "--venue", "kalshi")
    alerting = Settings(alert_urls="json://127.0.0.1:9/hook")
    assert "notifier" in [c.name for c in plan_children(alerting, None, 8765)]


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
    assert env["KALSHI_URL"] == "http://127.0.0.1:9999/trade-api/v2"
    assert env["PM_GAMMA_LIMIT"] == str(DEMO_GAMMA_LIMIT)


def test_demo_signs_kalshi_with_a_throwaway_key_the_stand_in_checks(tmp_path: Path) -> None:
    key = DemoKey.create(tmp_path)
    replay = plan_children(Settings(), tmp_path, 9999, demo_key=key)[0]
    assert replay.args[-2:] == ("--kalshi-public-key", str(key.public_path))
    env = child_env("redis://127.0.0.1:6379/0", 9999, key)
    assert env["KALSHI_API_KEY_ID"] == DEMO_KALSHI_KEY_ID
    assert env["KALSHI_WS_URL"] == "ws://127.0.0.1:9999/trade-api/ws/v2"
    settings = Settings(
        kalshi_api_key_id=env["KALSHI_API_KEY_ID"],
        kalshi_private_key_path=Path(env["KALSHI_PRIVATE_KEY_PATH"]),
    )
    assert live_feed(settings) is not None  # the key file is a usable RSA key
    assert "ws:kalshi" in [c.name for c in plan_children(settings, tmp_path, 9999, demo_key=key)]
    assert oct(key.private_path.stat().st_mode & 0o777) == "0o600"


def test_live_run_keeps_the_configured_venue_urls() -> None:
    env = child_env("redis://127.0.0.1:6379/0", None)
    assert "PM_GAMMA_URL" not in env or "127.0.0.1" not in env["PM_GAMMA_URL"]
    assert env["PYTHONPATH"].split(":")[0].endswith("dashboard-backend")


def test_demo_gates_the_workers_on_the_stand_in_answering(tmp_path: Path) -> None:
    replay = plan_children(Settings(), tmp_path, 9999)[0]
    assert replay.ready_url == "http://127.0.0.1:9999/markets?limit=1"
    assert all(c.ready_url is None for c in plan_children(Settings(), None, 9999))


async def test_children_after_a_gate_start_once_it_answers(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    out = tmp_path / "probe.txt"
    children = [
        Child("late", ("tests.late_child", "serve", str(port), "1.5"), ready_url=url),
        Child("probe", ("tests.late_child", "probe", url, str(out))),
    ]
    env = child_env("redis://unused", None)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), env["PYTHONPATH"]])
    stopping = asyncio.Event()
    task = asyncio.create_task(run_all(children, env, stopping, ready_timeout=30))
    try:
        for _ in range(300):
            if out.exists() and out.read_text():
                break
            await asyncio.sleep(0.1)
    finally:
        stopping.set()
        await asyncio.wait_for(task, 30)
    # Without the gate the probe would start with the late server and find nothing listening.
    assert out.read_text() == "up"


async def test_wait_ready_gives_up_when_nothing_answers() -> None:
    stopping = asyncio.Event()
    assert not await wait_ready(f"http://127.0.0.1:{free_port()}/", stopping, within=0.5)


def test_only_keeps_the_named_processes_and_the_stand_in(tmp_path: Path) -> None:
    children = plan_children(Settings(), tmp_path, 9999, only={"poller", "api"})
    names = [c.name for c in children]
    assert names[0] == "replay"
    assert "api" in names
    assert all(n == "replay" or n == "api" or n.startswith("poller:") for n in names)
    assert any(n.startswith("poller:") for n in names)
    keyed = Settings(kalshi_api_key_id="k", kalshi_private_key_path=tmp_path / "k.pem")
    ingests = [c.name for c in plan_children(keyed, None, 9999, only={"ws"})]
    assert ingests == ["ws:kalshi", "ws:polymarket"]


def test_make_run_refuses_an_exposed_api_without_a_token_before_starting_anything(
    tmp_path: Path,
) -> None:
    done = run_module(
        "dashboard_backend.run", drop=("API_TOKEN",), API_HOST="0.0.0.0", STATE_DIR=str(tmp_path)
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: API_HOST=0.0.0.0 is reachable from other machines: set API_TOKEN (clients send "
        "it as a bearer token) or bind to 127.0.0.1"
    ]
    assert not (tmp_path / "redis.log").exists()  # nothing was started
