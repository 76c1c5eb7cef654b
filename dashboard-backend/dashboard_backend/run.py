"""`make run` / `make demo`: start the whole product and keep it running.

`python -m dashboard_backend.run [--demo DIR] [--only NAMES]` starts, as child processes sharing
one Redis: the embedded Redis itself (when REDIS_URL is unset), one poller per enabled venue
(loop), one websocket ingest per venue with a live feed (Polymarket when ENABLE_WS_INGEST; Kalshi
with an API key too), the embedding worker (loop), the matching worker (loop), the cross worker
(loop), the notifier (when ALERT_URLS names a destination) and the API. With `--demo DIR` it also
starts the replay stand-in over the recordings in DIR and points every venue URL at it, so nothing
needs the network; a throwaway Kalshi key pair is made for the run (in STATE_DIR) so the
stand-in's signed websocket, and so live Kalshi books, work offline too.

The replay stand-in takes a few seconds to load the recordings: the other children start once it
answers, so the first poll does not begin with retries. Every child is supervised (see
supervisor.py): restarted when it dies, with a back-off that resets after a healthy run, except
after exit code 2 (needs an operator). Ctrl-C stops everything, the embedded Redis last.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.errors import ConfigError
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.supervisor import READY_TIMEOUT_SEC, Child, Supervisor, wait_ready
from dashboard_backend.venues.kalshi.auth import write_test_key_pair
from dashboard_backend.venues.registry import enabled_specs

log = logging.getLogger("dashboard_backend.run")

# `make demo` polls this many of the ~2,400 recorded markets unless PM_GAMMA_LIMIT is set.
DEMO_GAMMA_LIMIT = 1000
# The demo's Kalshi API key id: a label for the throwaway key pair, not a credential.
DEMO_KALSHI_KEY_ID = "demo-test-key"


@dataclass(frozen=True)
class DemoKey:
    """The demo's throwaway Kalshi key pair (made at start-up, never committed)."""

    private_path: Path
    public_path: Path

    @classmethod
    def create(cls, state_dir: Path) -> DemoKey:
        """A fresh pair in `state_dir` (the previous run's is replaced)."""
        key = cls(state_dir / "demo-kalshi-key.pem", state_dir / "demo-kalshi-key.pub.pem")
        write_test_key_pair(key.private_path, key.public_path)
        return key

    def settings(self) -> dict[str, str]:
        """The Kalshi key settings that sign with it."""
        return {
            "KALSHI_API_KEY_ID": DEMO_KALSHI_KEY_ID,
            "KALSHI_PRIVATE_KEY_PATH": str(self.private_path),
        }


__all__ = ["Child", "plan_children", "run_all", "wait_ready"]


def plan_children(
    settings: Settings,
    demo_dir: Path | None,
    replay_port: int,
    only: set[str] | None = None,
    *,
    demo_key: DemoKey | None = None,
) -> list[Child]:
    """The processes to start, in order (the embedded Redis is added by `redis_child`); `only`
    keeps the named ones (`poller` names every venue's poller, `ws` every venue's websocket
    ingest) and the replay stand-in."""
    children: list[Child] = []
    if demo_dir is not None:
        args = ["dashboard_backend.replay", str(demo_dir), "--port", str(replay_port)]
        if demo_key is not None:
            args += ["--kalshi-public-key", str(demo_key.public_path)]
        children.append(
            Child(
                "replay",
                tuple(args),
                ready_url=f"http://127.0.0.1:{replay_port}/markets?limit=1",
                infrastructure=True,
            )
        )
    specs = enabled_specs(settings)
    for spec in specs:
        children.append(
            Child(
                f"poller:{spec.name}",
                ("dashboard_backend.workers.poller", "--venue", spec.name, "--loop"),
            )
        )
    for spec in specs:
        if spec.live(settings):
            ingest = ("dashboard_backend.workers.ws_ingest", "--venue", spec.name)
            children.append(Child(f"ws:{spec.name}", ingest))
    children.append(Child("embedding", ("dashboard_backend.workers.embedding", "--loop")))
    children.append(Child("matching", ("dashboard_backend.workers.matching", "--loop")))
    children.append(Child("cross", ("dashboard_backend.workers.cross", "--loop")))
    if settings.alert_destinations:
        children.append(Child("notifier", ("dashboard_backend.workers.notifier",)))
    children.append(Child("api", ("dashboard_backend.api",)))
    if only is not None:
        children = [
            c
            for c in children
            if c.name == "replay" or c.name in only or c.name.split(":")[0] in only
        ]
    return children


def redis_child(server: EmbeddedRedis) -> Child:
    """The embedded Redis as a supervised child, ready once its port answers."""
    command = server.command()

    async def ready(alive: Callable[[], bool]) -> None:
        await asyncio.to_thread(server.wait_ready, alive)

    return Child("redis", tuple(command[1:]), program=command[0], ready=ready, infrastructure=True)


def child_env(
    redis_url: str, demo_port: int | None, demo_key: DemoKey | None = None
) -> dict[str, str]:
    """Environment for the children: the shared Redis and, in demo mode, the local stand-in
    (and the throwaway Kalshi key it checks handshakes against)."""
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
    if demo_key is not None:
        env.update(demo_key.settings())
    return env


async def run_all(
    children: Sequence[Child],
    env: dict[str, str],
    stopping: asyncio.Event | None = None,
    ready_timeout: float = READY_TIMEOUT_SEC,
    redis_url: str | None = None,
) -> None:
    """Supervise every child until SIGINT/SIGTERM (or `stopping` is set); a child with a
    readiness URL gates the children after it. With `redis_url`, process states are written to
    `status:processes`."""
    redis = create_redis(redis_url) if redis_url else None
    supervisor = Supervisor(children, env, redis, ready_timeout=ready_timeout)
    loop = asyncio.get_running_loop()
    if stopping is None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, supervisor.stop)
        watcher = None
    else:
        watcher = asyncio.create_task(_stop_when(stopping, supervisor))
    try:
        await supervisor.run()
    finally:
        if watcher is not None:
            watcher.cancel()
        if redis is not None:
            await redis.aclose()


async def _stop_when(stopping: asyncio.Event, supervisor: Supervisor) -> None:
    await stopping.wait()
    supervisor.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `make run` and `make demo`."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.run")
    parser.add_argument(
        "--demo", type=Path, help="serve recordings from DIR via the replay stand-in"
    )
    parser.add_argument("--replay-port", type=int, default=8765, help="replay stand-in port")
    parser.add_argument(
        "--only",
        help="comma-separated processes to run (poller, ws, embedding, matching, notifier, api); "
        "Redis and the replay stand-in are always started",
    )
    args = parser.parse_args(argv)
    settings = process_settings()
    if args.demo is not None and not args.demo.is_dir():
        print(f"error: demo data directory {args.demo} does not exist", file=sys.stderr)
        return 2
    try:
        settings.check_api_exposure()  # refused here, before anything starts
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.demo is not None and "STATE_DIR" not in os.environ:
        # Keep the demo's recorded markets out of the live product's embedded Redis files.
        settings = settings.model_copy(update={"state_dir": settings.state_dir / "demo"})
    demo_key = None
    if args.demo is not None and settings.enable_kalshi:
        demo_key = DemoKey.create(settings.state_dir)
        settings = settings.model_copy(
            update={
                "kalshi_api_key_id": DEMO_KALSHI_KEY_ID,
                "kalshi_private_key_path": demo_key.private_path,
            }
        )
    only = None if args.only is None else {n.strip() for n in args.only.split(",") if n.strip()}
    children = plan_children(settings, args.demo, args.replay_port, only, demo_key=demo_key)
    redis_url = settings.redis_url
    if redis_url is None:
        server = EmbeddedRedis(settings.state_dir, settings.embedded_redis_port)
        redis_url = server.url
        if server.running():
            log.info("Redis: %s (already running; not supervised by this process)", redis_url)
        else:
            children.insert(0, redis_child(server))
            log.info("Redis: %s (embedded, files in %s)", redis_url, settings.state_dir)
    else:
        log.info("Redis: %s", redis_url)
    demo_port = args.replay_port if args.demo is not None else None
    env = child_env(redis_url, demo_port, demo_key)
    log.info("open http://%s:%d/ once the API is up", settings.api_host, settings.api_port)
    asyncio.run(run_all(children, env, redis_url=redis_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
