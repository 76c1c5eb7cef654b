"""Validated request parameters shared by the routes: ids, categories, times.

Ids and names are bounded in length and refuse control characters (a NUL byte, a newline), so
nothing odd reaches Redis or a log line; times must lie between 1970 and 9999 (Redis stream ids
start at the Unix epoch). Naive times are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

ID_MAX = 256
NAME_MAX = 64
# Printable text: no C0 control characters, no DEL.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def after_epoch(value: datetime) -> datetime:
    """The time as aware UTC; ValueError before 1970-01-01."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if aware < EPOCH:
        raise ValueError("must be at or after 1970-01-01T00:00:00Z")
    return aware


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
    AfterValidator(lambda v: None if v is None else after_epoch(v)),
    Query(description="only events after this ISO-8601 time (1970 or later)"),
]
