"""GET /healthz: the truth about the product — `ok`, `degraded` (with reasons) or `down`.

One Redis round trip (a pipeline) reads the counts, every worker's and venue's status and the
supervisor's process records; the verdict comes from health.py. A value of the wrong type or
shape is read as absent, never a 500. Calls that arrive while an answer is being computed share
it, so a thousand simultaneous probes cost a few reads, and a later call always reads afresh.
200 for ok / degraded, 503 for down (and when Redis cannot be reached).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dashboard_backend import keys
from dashboard_backend.api.deps import RedisDep, SettingsDep
from dashboard_backend.api.schemas import Health, HealthProblem, VenueHealth
from dashboard_backend.health import HealthInputs, Problem, VenueStatus, assess, parse_records
from dashboard_backend.outage import REDIS_DOWN
from dashboard_backend.settings import Settings
from dashboard_backend.status import utc_now
from dashboard_backend.venues.base import POLYMARKET
from dashboard_backend.venues.registry import venue_specs

router = APIRouter(tags=["health"])

COUNTS = {
    "catalog": keys.CATALOG,
    "embeddings": keys.EMBEDDINGS,
    "matches": keys.CROSS_MATCHES,
    "opportunities": keys.OPS_SNAPSHOT,
}


class HealthCache:
    """Single flight: callers that arrive while an answer is being computed share it."""

    def __init__(self) -> None:
        self.answer: tuple[int, dict[str, Any]] = (503, {})
        self.generation = 0
        self.lock = asyncio.Lock()


@router.get("/healthz", response_model=Health)
async def read_health(request: Request, redis: RedisDep, settings: SettingsDep) -> JSONResponse:
    """Health: `status` ok / degraded / down with `problems`; 503 when down or Redis is away."""
    cache: HealthCache = request.app.state.__dict__.setdefault("health_cache", HealthCache())
    arrived = cache.generation
    async with cache.lock:
        if cache.generation == arrived:  # nobody computed since this call arrived
            cache.answer = await compute_health(redis, settings)
            cache.generation += 1
        code, body = cache.answer
    return JSONResponse(body, status_code=code)


async def compute_health(redis: Any, settings: Settings) -> tuple[int, dict[str, Any]]:
    """The status code and body of /healthz."""
    specs = venue_specs()
    status_keys = [
        keys.STATUS_EMBEDDING,
        keys.STATUS_MATCHING,
        keys.STATUS_CROSS,
        keys.STATUS_NOTIFIER,
        keys.STATUS_PROCESSES,
    ]
    for spec in specs:
        status_keys += [keys.status_poller(spec.name), keys.status_ws(spec.name)]
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.ping()
            for key in COUNTS.values():
                pipe.hlen(key)
            for key in status_keys:
                pipe.hgetall(key)
            replies = await pipe.execute(raise_on_error=False)
        if isinstance(replies[0], Exception):
            raise replies[0]
    except REDIS_DOWN as exc:
        problem = Problem("redis", f"Redis unreachable: {exc}", "down")
        return 503, {
            "ok": False,
            "status": "down",
            "redis": False,
            "error": str(exc),
            "problems": [problem.to_dict()],
        }
    counts = {name: _count(r) for name, r in zip(COUNTS, replies[1:5], strict=True)}
    statuses = {key: _fields(r) for key, r in zip(status_keys, replies[5:], strict=True)}
    embedding = statuses[keys.STATUS_EMBEDDING]
    matching = statuses[keys.STATUS_MATCHING]
    processes = statuses[keys.STATUS_PROCESSES]
    workers: dict[str, dict[str, str]] = {
        "embedding": embedding,
        "matching": matching,
        "cross": statuses[keys.STATUS_CROSS],
        "notifier": statuses[keys.STATUS_NOTIFIER],  # empty when no ALERT_URLS
    }
    venues: dict[str, VenueHealth] = {}
    judged: dict[str, VenueStatus] = {}
    for spec in specs:
        poller = statuses[keys.status_poller(spec.name)]
        ws = statuses[keys.status_ws(spec.name)]
        workers[f"poller:{spec.name}"] = poller
        workers[f"ws:{spec.name}"] = ws
        enabled, live = spec.enabled(settings), spec.live_mode(settings)
        venues[spec.name] = VenueHealth(
            label=spec.label,
            enabled=enabled,
            markets=_number(poller.get("markets"), int),
            last_poll=poller.get("lastPoll") or None,
            last_error=poller.get("lastError") or None,
            last_error_at=poller.get("lastErrorAt") or None,
            failing_since=poller.get("failingSince") or None,
            live=live,
            ws_connected=ws.get("connected") == "true",
            poller=poller,
            ws=ws,
        )
        if enabled:
            judged[spec.name] = VenueStatus(spec.label, poller, ws, live.startswith("websocket"))
    inputs = HealthInputs(
        now=utc_now(),
        poll_interval_sec=settings.pm_poll_sec,
        catalog_size=counts["catalog"],
        venues=judged,
        embedding=embedding,
        matching=matching,
        processes=processes,
    )
    status, problems = assess(inputs)
    polls = [v.last_poll for v in venues.values() if v.last_poll]
    health = Health(
        ok=status == "ok",
        status=status,
        problems=tuple(HealthProblem(**p.to_dict()) for p in problems),
        redis=True,
        catalog_size=counts["catalog"],
        last_poll=max(polls) if polls else None,
        opportunities=counts["opportunities"],
        embeddings=counts["embeddings"],
        embedding_provider=embedding.get("provider"),
        embedding_model=embedding.get("model"),
        last_embedding_run=embedding.get("lastRun"),
        markets_with_matches=counts["matches"],
        pairs=_number(matching.get("pairs"), int),
        last_matching_run=matching.get("lastRun"),
        last_matching_duration_sec=_number(matching.get("lastDuration"), float),
        ws=statuses[keys.status_ws(POLYMARKET)],
        venues=venues,
        workers=workers,
        processes=parse_records(processes),
    )
    return (503 if status == "down" else 200), health.to_dict()


def _count(reply: object) -> int:
    """HLEN's answer; 0 for a key of the wrong type (an error in the reply)."""
    return reply if isinstance(reply, int) else 0


def _fields(reply: object) -> dict[str, str]:
    """HGETALL's answer; empty for a key of the wrong type."""
    if not isinstance(reply, dict):
        return {}
    return {str(k): str(v) for k, v in reply.items()}


def _number(value: str | None, kind: type[int] | type[float]) -> Any:
    """A stored number, or None when absent, not a number or not finite."""
    try:
        number = float(value or "")
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return kind(number)
