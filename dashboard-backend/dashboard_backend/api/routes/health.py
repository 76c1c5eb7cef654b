"""GET /healthz: Redis reachability, catalog size and each worker's last run."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dashboard_backend import keys
from dashboard_backend.api.deps import RedisDep
from dashboard_backend.api.schemas import Health
from dashboard_backend.status import read_status

router = APIRouter(tags=["health"])

WORKER_STATUS = {
    "poller": keys.STATUS_POLLER,
    "embedding": keys.STATUS_EMBEDDING,
    "matching": keys.STATUS_MATCHING,
    "ws": keys.STATUS_WS,
}


@router.get("/healthz", response_model=Health)
async def read_health(redis: RedisDep) -> Health | JSONResponse:
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
    workers: dict[str, dict[str, str]] = {}
    for name, key in WORKER_STATUS.items():
        workers[name] = await read_status(redis, key)
    return Health(
        ok=True,
        redis=True,
        catalog_size=catalog_size,
        last_poll=workers["poller"].get("lastPoll"),
        opportunities=opportunities,
        embeddings=embeddings,
        embedding_provider=workers["embedding"].get("provider"),
        embedding_model=workers["embedding"].get("model"),
        last_embedding_run=workers["embedding"].get("lastRun"),
        markets_with_matches=matched,
        pairs=_int(workers["matching"].get("pairs")),
        last_matching_run=workers["matching"].get("lastRun"),
        last_matching_duration_sec=_float(workers["matching"].get("lastDuration")),
        ws=workers["ws"],
        workers=workers,
    )


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None
