"""GET /healthz: Redis reachability, catalog size and each worker's last run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dashboard_backend import keys
from dashboard_backend.api.deps import RedisDep
from dashboard_backend.status import read_status

router = APIRouter(tags=["health"])

WORKER_STATUS = {
    "poller": keys.STATUS_POLLER,
    "embedding": keys.STATUS_EMBEDDING,
    "matching": keys.STATUS_MATCHING,
    "ws": keys.STATUS_WS,
}


@router.get("/healthz")
async def read_health(redis: RedisDep) -> JSONResponse:
    """Health summary; 503 when Redis cannot be reached."""
    try:
        await redis.ping()
    except Exception as exc:  # noqa: BLE001 - any Redis failure means unhealthy
        return JSONResponse({"ok": False, "redis": False, "error": str(exc)}, status_code=503)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hlen(keys.CATALOG)
        pipe.hlen(keys.EMBEDDINGS)
        pipe.hlen(keys.CROSS_MATCHES)
        pipe.hlen(keys.OPS_SNAPSHOT)
        catalog_size, embeddings, matched, opportunities = await pipe.execute()
    workers: dict[str, Any] = {}
    for name, key in WORKER_STATUS.items():
        workers[name] = await read_status(redis, key)
    body: dict[str, Any] = {
        "ok": True,
        "redis": True,
        "catalogSize": catalog_size,
        "lastPoll": workers["poller"].get("lastPoll"),
        "opportunities": opportunities,
        "embeddings": embeddings,
        "embeddingProvider": workers["embedding"].get("provider"),
        "embeddingModel": workers["embedding"].get("model"),
        "lastEmbeddingRun": workers["embedding"].get("lastRun"),
        "marketsWithMatches": matched,
        "pairs": _int(workers["matching"].get("pairs")),
        "lastMatchingRun": workers["matching"].get("lastRun"),
        "lastMatchingDurationSec": _float(workers["matching"].get("lastDuration")),
        "ws": workers["ws"],
        "workers": workers,
    }
    return JSONResponse(body)


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None
