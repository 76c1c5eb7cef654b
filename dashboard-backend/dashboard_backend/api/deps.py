"""Request dependencies: the Redis client and settings created at start-up (app.state)."""

from __future__ import annotations

from typing import Annotated, Literal

import redis.asyncio as aioredis
from fastapi import Depends, Request

from dashboard_backend.catalog import CatalogStore
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.settings import Settings


def get_redis(request: Request) -> aioredis.Redis:
    """The app's shared Redis client."""
    client: aioredis.Redis = request.app.state.redis
    return client


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_catalog(redis: Annotated[aioredis.Redis, Depends(get_redis)]) -> CatalogStore:
    """Catalog store over the shared client."""
    return CatalogStore(redis)


def get_ops(
    redis: Annotated[aioredis.Redis, Depends(get_redis)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> OpsStore:
    """Opportunity store over the shared client."""
    return OpsStore(redis, settings.history_retention)


def get_matches(redis: Annotated[aioredis.Redis, Depends(get_redis)]) -> MatchStore:
    """Match store over the shared client."""
    return MatchStore(redis)


# `?format=`: JSON (the response model) or CSV for spreadsheets and research.
ExportFormat = Literal["json", "csv"]

RedisDep = Annotated[aioredis.Redis, Depends(get_redis)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[CatalogStore, Depends(get_catalog)]
OpsDep = Annotated[OpsStore, Depends(get_ops)]
MatchDep = Annotated[MatchStore, Depends(get_matches)]
