"""GET /healthz: Redis reachability, catalog size, each venue's poller and live feed, workers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dashboard_backend import keys
from dashboard_backend.api.deps import RedisDep, SettingsDep
from dashboard_backend.api.schemas import Health, VenueHealth
from dashboard_backend.status import ping, read_statuses, store_counts
from dashboard_backend.venues.base import POLYMARKET
from dashboard_backend.venues.registry import venue_specs

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def read_health(redis: RedisDep, settings: SettingsDep) -> Health | JSONResponse:
    """Health summary; 503 when Redis cannot be reached."""
    try:
        await ping(redis)
    except Exception as exc:  # noqa: BLE001 - any Redis failure means unhealthy
        return JSONResponse({"ok": False, "redis": False, "error": str(exc)}, status_code=503)
    counts = await store_counts(redis)
    specs = venue_specs()
    status_keys = [keys.STATUS_EMBEDDING, keys.STATUS_MATCHING, keys.STATUS_NOTIFIER]
    for spec in specs:
        status_keys += [keys.status_poller(spec.name), keys.status_ws(spec.name)]
    statuses = await read_statuses(redis, status_keys)
    embedding = statuses[keys.STATUS_EMBEDDING]
    matching = statuses[keys.STATUS_MATCHING]
    workers: dict[str, dict[str, str]] = {
        "embedding": embedding,
        "matching": matching,
        "notifier": statuses[keys.STATUS_NOTIFIER],  # empty when no ALERT_URLS
    }
    venues: dict[str, VenueHealth] = {}
    for spec in specs:
        poller = statuses[keys.status_poller(spec.name)]
        ws = statuses[keys.status_ws(spec.name)]
        workers[f"poller:{spec.name}"] = poller
        workers[f"ws:{spec.name}"] = ws
        venues[spec.name] = VenueHealth(
            label=spec.label,
            enabled=spec.enabled(settings),
            markets=_int(poller.get("markets")),
            last_poll=poller.get("lastPoll"),
            last_error=poller.get("lastError") or None,
            live=spec.live_mode(settings),
            ws_connected=ws.get("connected") == "true",
            poller=poller,
            ws=ws,
        )
    polls = [v.last_poll for v in venues.values() if v.last_poll]
    return Health(
        ok=True,
        redis=True,
        catalog_size=counts["catalog"],
        last_poll=max(polls) if polls else None,
        opportunities=counts["opportunities"],
        embeddings=counts["embeddings"],
        embedding_provider=embedding.get("provider"),
        embedding_model=embedding.get("model"),
        last_embedding_run=embedding.get("lastRun"),
        markets_with_matches=counts["matches"],
        pairs=_int(matching.get("pairs")),
        last_matching_run=matching.get("lastRun"),
        last_matching_duration_sec=_float(matching.get("lastDuration")),
        ws=statuses[keys.status_ws(POLYMARKET)],
        venues=venues,
        workers=workers,
    )


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None
