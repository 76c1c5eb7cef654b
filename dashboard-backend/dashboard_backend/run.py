"""`make run` / `make demo`: start the whole product and keep it running.

`python -m dashboard_backend.run [--demo DIR]` starts, as child processes sharing one Redis:
the poller (loop), the websocket ingest (when ENABLE_WS_INGEST), the embedding worker (loop), the
matching worker (loop), the notifier (when ALERT_URLS names a destination) and the API. With
REDIS_URL unset it first starts the embedded Redis and hands its URL to every child. With
`--demo DIR` it also starts the replay stand-in over the recordings in DIR and points every
Polymarket URL at it, so nothing needs the network.

The replay stand-in takes a few seconds to load the recordings: the other children start once it
answers, so the first poll does not begin with retries. A child that exits is restarted after a
growing delay; Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from dashboard_backend.connections import resolve_redis_url
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.venues.registry import enabled_specs

log = logging.getLogger("dashboard_backend.run")

# `make demo` polls this many of the ~2,400 recorded markets unless PM_GAMMA_LIMIT is set.
DEMO_GAMMA_LIMIT = 1000
# How long the other children wait for a child's readiness URL before starting anyway.
READY_TIMEOUT_SEC = 120.0


@dataclass(frozen=True)
class Child:
    """One supervised process: a name, its `python -m` arguments and, when the children after
    it need it up first, a URL that answers once it is ready."""

    name: str
    args: tuple[str, ...]
    ready_url: str | None = None


def plan_children(settings: Settings, demo_dir: Path | None, replay_port: int) -> list[Child]:
    """The processes to start, in order."""
    children: list[Child] = []
    if demo_dir is not None:
        children.append(
            Child(
                "replay",
                ("dashboard_backend.replay", str(demo_dir), "--port", str(replay_port)),
                ready_url=f"http://127.0.0.1:{replay_port}/markets?limit=1",
            )
        )
    for spec in enabled_specs(settings):
        children.append(
            Child(
                f"poller:{spec.name}",
                ("dashboard_backend.workers.poller", "--venue", spec.name, "--loop"),
            )
        )
    if settings.enable_ws_ingest:
        children.append(Child("ws", ("dashboard_backend.workers.ws_ingest",)))
    children.append(Child("embedding", ("dashboard_backend.workers.embedding", "--loop")))
    children.append(Child("matching", ("dashboard_backend.workers.matching", "--loop")))
    if settings.alert_destinations:
        children.append(Child("notifier", ("dashboard_backend.workers.notifier",)))
    children.append(Child("api", ("dashboard_backend.api",)))
    return children


def child_env(redis_url: str, demo_port: int | None) -> dict[str, str]:
    """Environment for the children: the shared Redis and, in demo mode, the local stand-in."""
    env = dict(os.environ)
    env["REDIS_URL"] = redis_url
    package_root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    if demo_port is not None:
        base = f"http://127.0.0.1:{demo_port}"
        env["PM_GAMMA_URL"] = base
        env["PM_CLOB_URL"] = base
        env["PM_WS_URL"] = f"ws://127.0.0.1:{demo_port}/ws/market"
        env["KALSHI_URL"] = f"{base}/trade-api/v2"
        env["KALSHI_WS_URL"] = f"ws://127.0.0.1:{demo_port}/trade-api/ws/v2"
        env.setdefault("KALSHI_POLL_SEC", "20")
        env.setdefault("KALSHI_BOOK_REFRESH_SEC", "5")
        # The demo should show results within a minute, not after a 15-minute refresh, and poll
        # enough of the recordings to include markets listed twice (genuine pairs to discover).
        env.setdefault("PM_POLL_SEC", "20")
        env.setdefault("EMBEDDING_REFRESH_SEC", "20")
        env.setdefault("PM_GAMMA_LIMIT", str(DEMO_GAMMA_LIMIT))
    return env


async def supervise(child: Child, env: dict[str, str], stopping: asyncio.Event) -> None:
    """Run a child until stopping; restart it with a growing delay when it exits."""
    delay = 1.0
    while not stopping.is_set():
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", *child.args, env=env)
        log.info("started %s (pid %d)", child.name, proc.pid)
        waiter = asyncio.ensure_future(proc.wait())
        stopper = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.is_set():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(waiter, 10)
                except TimeoutError:
                    proc.kill()
            return
        stopper.cancel()
        log.warning("%s exited with %s; restarting in %.0fs", child.name, proc.returncode, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        delay = min(delay * 2, 60.0)


async def wait_ready(url: str, stopping: asyncio.Event, within: float) -> bool:
    """Poll `url` until it answers below 500 (True), or until stopping or `within` seconds
    pass (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with httpx.AsyncClient(timeout=2.0) as http:
        while not stopping.is_set() and loop.time() < deadline:
            try:
                if (await http.get(url)).status_code < 500:
                    return True
            except httpx.HTTPError:
                pass  # not listening yet
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 0.2)
    return False


async def run_all(
    children: Sequence[Child],
    env: dict[str, str],
    stopping: asyncio.Event | None = None,
    ready_timeout: float = READY_TIMEOUT_SEC,
) -> None:
    """Supervise every child until SIGINT/SIGTERM (or `stopping` is set); a child with a
    readiness URL gates the children after it."""
    loop = asyncio.get_running_loop()
    if stopping is None:
        stopping = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
    tasks: list[asyncio.Task[None]] = []
    for child in children:
        tasks.append(asyncio.create_task(supervise(child, env, stopping)))
        if child.ready_url is not None and not stopping.is_set():
            started = loop.time()
            if await wait_ready(child.ready_url, stopping, ready_timeout):
                log.info("%s answers after %.1fs", child.name, loop.time() - started)
            elif not stopping.is_set():
                log.warning(
                    "%s not answering after %.0fs; starting the rest", child.name, ready_timeout
                )
    await asyncio.gather(*tasks)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `make run` and `make demo`."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.run")
    parser.add_argument(
        "--demo", type=Path, help="serve recordings from DIR via the replay stand-in"
    )
    parser.add_argument("--replay-port", type=int, default=8765, help="replay stand-in port")
    args = parser.parse_args(argv)
    settings = process_settings()
    if args.demo is not None and not args.demo.is_dir():
        print(f"error: demo data directory {args.demo} does not exist", file=sys.stderr)
        return 2
    if args.demo is not None and "STATE_DIR" not in os.environ:
        # Keep the demo's recorded markets out of the live product's embedded Redis files.
        settings = settings.model_copy(update={"state_dir": settings.state_dir / "demo"})
    redis_url, embedded = resolve_redis_url(settings)
    demo_port = args.replay_port if args.demo is not None else None
    env = child_env(redis_url, demo_port)
    log.info("Redis: %s%s", redis_url, " (embedded)" if embedded is not None else "")
    log.info("open http://%s:%d/ once the API is up", settings.api_host, settings.api_port)
    try:
        asyncio.run(run_all(plan_children(settings, args.demo, args.replay_port), env))
    finally:
        if embedded is not None:
            embedded.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
