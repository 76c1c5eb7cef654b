"""Validated request parameters shared by the routes: ids, categories, times, venues.

Ids and names are bounded in length and refuse control characters (a NUL byte, a newline), so
nothing odd reaches Redis or a log line; times must lie between 1970 and 9999 (Redis stream ids
start at the Unix epoch). Naive times are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator

from dashboard_backend.venues.registry import venue_specs

ID_MAX = 256
NAME_MAX = 64
# Printable text: no C0 control characters, no DEL.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Documents in the OpenAPI schema what `after_epoch` enforces: years 1970 to 9999.
SINCE_PATTERN = r"^(19[7-9][0-9]|[2-9][0-9]{3})-"


def iso_time(value: object) -> object:
    """Refuse bare numbers for a time (they would be read as Unix seconds): ISO-8601 only."""
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("must be an ISO-8601 time such as 2026-01-31T12:00:00Z")
    return value


def after_epoch(value: datetime) -> datetime:
    """The time as aware UTC; ValueError for a year before 1970 (as documented by
    SINCE_PATTERN); a 1970 time whose offset puts it just before the epoch means the epoch."""
    if value.year < EPOCH.year:
        raise ValueError("must be at or after 1970-01-01T00:00:00Z")
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return max(aware, EPOCH)


MarketIdPath = Annotated[
    str,
    Path(min_length=1, max_length=ID_MAX, pattern=PRINTABLE, description="a catalog market id"),
]
MarketIdQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=ID_MAX, pattern=PRINTABLE, description="only this market"),
]
CategoryQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=NAME_MAX, pattern=PRINTABLE, description="only this category"),
]
SinceQuery = Annotated[
    datetime | None,
    Query(
        description="only events after this ISO-8601 time (1970 or later)",
        json_schema_extra={"pattern": SINCE_PATTERN},
    ),
    BeforeValidator(iso_time),
    AfterValidator(lambda v: None if v is None else after_epoch(v)),
]


def venue_names() -> list[str]:
    """Every venue the registry knows (enabled or not), sorted."""
    return sorted(spec.name for spec in venue_specs())


def known_venues(values: list[str] | None) -> list[str] | None:
    """The venues named, lower-cased; ValueError naming the first unknown one."""
    if values is None:
        return None
    names = venue_names()
    wanted = [v.strip().lower() for v in values]
    for value, raw in zip(wanted, values, strict=True):
        if value not in names:
            raise ValueError(f"unknown venue {raw!r} (known: {', '.join(names)})")
    return wanted


VenuesQuery = Annotated[
    list[str] | None,
    Query(
        description=(
            "only opportunities trading on one of these venues (repeat the parameter for "
            "several); a cross-venue opportunity trades on the venue of each of its legs"
        ),
        json_schema_extra={"items": {"type": "string", "enum": venue_names()}},
    ),
    AfterValidator(known_venues),
]
