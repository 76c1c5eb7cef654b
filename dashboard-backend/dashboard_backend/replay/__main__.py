"""`python -m dashboard_backend.replay DIR [--host H] [--port P] [--seed N] [--limit N]
[--min-markets N] [--faults SPEC] [--respect-closed] [--arb-rate R] [--no-ws] [--no-kalshi]
[--kalshi-min-markets N] [--kalshi-public-key PEM]`: serve a recording.

Gamma and CLOB REST share one port with the CLOB market channel at `/ws/market`, Kalshi's REST
under `/trade-api/v2` and Kalshi's websocket at `/trade-api/ws/v2` (handshakes signed by the key
whose public half `--kalshi-public-key` names; without it every Kalshi handshake is refused).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from dashboard_backend.errors import ConfigError
from dashboard_backend.logs import configure_logging
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.faults import FaultPlan
from dashboard_backend.replay.kalshi import KalshiState, kalshi_routes
from dashboard_backend.replay.kalshi_data import load_kalshi
from dashboard_backend.replay.kalshi_ws import KalshiChannel
from dashboard_backend.replay.kalshi_ws import live_config as kalshi_live_config
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.replay.ws import MarketChannel, live_config
from dashboard_backend.venues.kalshi.auth import load_public_key

log = logging.getLogger("dashboard_backend.replay")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard_backend.replay",
        description="Serve recorded Polymarket Gamma payloads and synthesized CLOB books.",
    )
    parser.add_argument("dir", type=Path, help="directory (or file) of recorded payloads")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthesized books")
    parser.add_argument("--limit", type=int, default=None, help="serve at most N markets")
    parser.add_argument(
        "--min-markets", type=int, default=0, help="add synthetic copies up to N markets"
    )
    parser.add_argument("--faults", default="", help="fault rules, e.g. 429@2,500@3,timeout@4")
    parser.add_argument(
        "--respect-closed", action="store_true", help="serve closed recordings as closed"
    )
    parser.add_argument(
        "--arb-rate", type=float, default=0.05, help="share of markets priced as arbitrage"
    )
    parser.add_argument("--no-ws", action="store_true", help="do not serve the /ws/market channel")
    parser.add_argument("--no-kalshi", action="store_true", help="do not serve Kalshi")
    parser.add_argument(
        "--kalshi-min-markets",
        type=int,
        default=0,
        help="add synthetic Kalshi events up to N markets",
    )
    parser.add_argument(
        "--kalshi-public-key",
        type=Path,
        default=None,
        help="PEM public key the Kalshi websocket handshake must be signed with",
    )
    parser.add_argument("--log-level", default="INFO", help="logging level")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Load the recording and serve it until interrupted."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging(args.log_level)
    if not args.dir.exists():
        raise SystemExit(f"replay: {args.dir} does not exist")
    try:
        faults = FaultPlan.parse(args.faults)
    except ValueError as exc:
        raise SystemExit(f"replay: --faults: {exc}") from exc
    state = ReplayState.from_directory(
        args.dir,
        seed=args.seed,
        limit=args.limit,
        min_markets=args.min_markets,
        respect_closed=args.respect_closed,
        faults=faults,
        arb_rate=args.arb_rate,
    )
    base = f"http://{args.host}:{args.port}"
    kalshi = None
    plan = None
    if not args.no_kalshi:
        try:
            public_key = load_public_key(args.kalshi_public_key) if args.kalshi_public_key else None
        except ConfigError as exc:
            raise SystemExit(f"replay: {exc}") from exc
        kalshi = KalshiState(
            load_kalshi(args.dir, seed=args.seed, min_markets=args.kalshi_min_markets)
        )
        plan = state.plant_cross(kalshi.data)  # before the scripts copy the books
    routes = [] if args.no_ws else MarketChannel(state, live_config(args.seed)).routes()
    if kalshi is not None:
        routes += kalshi_routes(kalshi)
        if not args.no_ws:
            still = plan.kalshi_unscripted if plan is not None else frozenset()
            scripted = [t for t in kalshi.data.books if t not in still]
            channel = KalshiChannel(
                kalshi, kalshi_live_config(args.seed), public_key, tickers=scripted
            )
            routes += channel.routes()
            if public_key is None:
                log.info("kalshi websocket refuses every handshake: no --kalshi-public-key")
    log.info(
        "serving on %s  (PM_GAMMA_URL=%s PM_CLOB_URL=%s PM_WS_URL=%s)",
        base,
        base,
        base,
        "-" if args.no_ws else f"ws://{args.host}:{args.port}/ws/market",
    )
    uvicorn.run(
        create_app(state, routes),
        host=args.host,
        port=args.port,
        log_level="warning",
        ws="websockets-sansio",  # the legacy websockets protocol is deprecated
    )


if __name__ == "__main__":
    main()
