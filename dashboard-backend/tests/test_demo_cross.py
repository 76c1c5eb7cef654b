"""`make demo` end to end for cross-venue opportunities.

The supervisor (`pmarb demo DIR`, a real process) over the recordings that hold both venues' NBA
games: replay stand-ins (Gamma, CLOB, websocket, Kalshi REST), embedded Redis, both pollers, the
websocket ingest, embeddings (the OpenAI-compatible stub standing in for the provider), matching,
the cross worker and the API. /v1/opportunities must list the planted cross-venue arbitrage, with
legs on two venues and cost + fees + expected profit = size × guaranteed payout to the cent, and
never a decoy. Polls run every few seconds (the demo's 20 s defaults only make it slower).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from dashboard_backend.replay.cross_plan import ARBITRAGE_ROLES, DECOY_ROLES, CrossPlan
from dashboard_backend.replay.kalshi_data import load_kalshi
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.serve import free_port
from tests.openai_stub import API_KEY, serve_stub

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
NBA = "steffenmax_arb_bot"
DEADLINE_SEC = 120.0  # what `make demo` promises
STALE_WAIT_SEC = 30.0  # the cross worker reports stale books with its status, every few seconds


def _stale_books(health: dict[str, Any]) -> int:
    """The cross worker's count of followed books too old to price, from /healthz."""
    return int(health.get("workers", {}).get("cross", {}).get("staleBooks", 0))


EXPECTED = {
    "yes_other": {"cross_equivalent"},
    "no_same": {"cross_equivalent"},
    "subset": {"cross_subset", "cross_exclusive"},
    "outcome_set": {"cross_outcome_set"},
}


def planted(shared_data: Path) -> CrossPlan:
    """The roles the stand-in plants (deterministic: the same data and seed as the demo's)."""
    state = ReplayState.from_directory(shared_data / NBA)
    return state.plant_cross(load_kalshi(shared_data / NBA))


def kalshi_games(op: dict[str, object]) -> set[str]:
    legs = op.get("legs")
    assert isinstance(legs, list)
    return {
        str(leg["marketId"]).split(":", 1)[1].rsplit("-", 1)[0]
        for leg in legs
        if leg.get("venue") == "kalshi"
    }


def check_terms(op: dict[str, object]) -> None:
    """Legs on two venues, positive profit, and the identity to the cent."""
    legs = op["legs"]
    assert isinstance(legs, list)
    assert {leg["venue"] for leg in legs} == {"kalshi", "polymarket"}, op["id"]
    cost, fees, profit = (float(op[k]) for k in ("cost", "fees", "expectedProfit"))  # type: ignore[arg-type]
    size, payout = float(op["size"]), float(op["guaranteedPayout"])  # type: ignore[arg-type]
    assert profit > 0, op["id"]
    assert abs((cost + fees + profit) - size * payout) < 0.005, op["id"]


async def test_make_demo_lists_planted_cross_venue_arbitrage_and_no_decoy(
    shared_data: Path, tmp_path: Path
) -> None:
    plan = planted(shared_data)
    decoy_games = {plan.roles[r] for r in DECOY_ROLES}
    api, redis_port, replay = free_port(), free_port(), free_port()
    async with serve_stub() as stub:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PM_", "KALSHI_"))},
            "PYTHONPATH": str(PACKAGE_ROOT),
            "STATE_DIR": str(tmp_path / "state"),
            "API_PORT": str(api),
            "EMBEDDED_REDIS_PORT": str(redis_port),
            "EMBEDDING_PROVIDER": "openai",
            "OPENAI_API_KEY": API_KEY,
            "OPENAI_BASE_URL": stub.base_url,
            "PM_POLL_SEC": "5",
            "KALSHI_POLL_SEC": "5",
            "KALSHI_BOOK_REFRESH_SEC": "2",
            "EMBEDDING_REFRESH_SEC": "5",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "dashboard_backend.cli", "demo", str(shared_data / NBA)),
            *("--replay-port", str(replay)),
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        seen: dict[str, dict[str, object]] = {}
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api}", timeout=5) as http:
                loop = asyncio.get_running_loop()
                deadline = loop.time() + DEADLINE_SEC
                found: dict[str, set[str]] = {}
                while loop.time() < deadline and proc.returncode is None:
                    await asyncio.sleep(1.0)
                    try:
                        rows = (await http.get("/v1/opportunities", params={"limit": 1000})).json()
                    except httpx.TransportError:
                        continue  # not up yet
                    for op in rows:
                        if str(op["kind"]).startswith("cross_"):
                            seen[op["id"]] = op
                            for game in kalshi_games(op):
                                found.setdefault(game, set()).add(str(op["kind"]))
                    if all(EXPECTED[r] <= found.get(plan.roles[r], set()) for r in ARBITRAGE_ROLES):
                        break
                # The stale decoy's books are judged when the worker prices them, which can come
                # after the planted trades are listed: wait for the worker's status to say so.
                health = (await http.get("/healthz")).json()
                stale_deadline = loop.time() + STALE_WAIT_SEC
                while _stale_books(health) < 2 and loop.time() < stale_deadline:
                    await asyncio.sleep(1.0)
                    health = (await http.get("/healthz")).json()
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    assert seen, "no cross-venue opportunity within two minutes"
    for role in ARBITRAGE_ROLES:
        assert EXPECTED[role] <= found.get(plan.roles[role], set()), role
    for op in seen.values():
        check_terms(op)
        assert not kalshi_games(op) & decoy_games, op["id"]
    # The stale decoy's books were read and judged too old, not missed.
    assert _stale_books(health) >= 2
    assert health["workers"]["ws:polymarket"]["connected"] == "true"
