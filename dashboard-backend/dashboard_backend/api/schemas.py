"""Response models of the API routes that are not domain models themselves.

The OpenAPI document is built from these and the domain models (`models.py`), so every JSON
answer is described field by field; camelCase on the wire like everything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from dashboard_backend.changes import OpportunityChange
from dashboard_backend.models import MarketDocument, MatchEntry, Model, Opportunity, OrderBook


class MarketDetail(Model):
    """`GET /v1/market/{id}`: the catalog document, its books' top levels, its opportunities."""

    market: MarketDocument
    books: dict[str, OrderBook]  # tokenId -> top 10 levels a side
    opportunities: tuple[Opportunity, ...]


class CrossMarket(Model):
    """The base market of a group, with its current YES prices."""

    id: str
    question: str
    category: str | None = None
    close_time: datetime | None = None
    url: str = ""
    liquidity: float = 0.0
    yes_best_ask: float | None = None
    yes_mid: float | None = None
    venue: str = "polymarket"


class CrossGroup(Model):
    """A base market and its matches, best first."""

    market: CrossMarket
    matches: tuple[MatchEntry, ...]


class HistoryPage(Model):
    """One page of history, newest first; pass `nextCursor` as `cursor` for the next (older) page.

    `nextCursor` is null on the last page.
    """

    items: tuple[OpportunityChange, ...]
    next_cursor: str | None = None


class VenueHealth(Model):
    """One venue in `GET /healthz`: its poller, how its books are kept live, its websocket."""

    label: str
    enabled: bool
    markets: int | None = None  # markets in its last successful poll
    last_poll: str | None = None
    last_error: str | None = None  # the last failed poll's error (cleared by a good poll)
    last_error_at: str | None = None  # when the last poll failed
    failing_since: str | None = None  # when the current run of failed polls began
    live: str  # how books are kept live under the settings (websocket, or REST refresh: why)
    ws_connected: bool
    poller: dict[str, str]  # its poller's status hash, as stored
    ws: dict[str, str]  # its websocket ingest's status hash, as stored


class HealthProblem(Model):
    """One thing that is wrong, said for a person (`poller:polymarket`, `embedding`, ...)."""

    component: str
    message: str
    severity: Literal["degraded", "down"]
    since: str | None = None


class Health(Model):
    """`GET /healthz` when Redis answers: the verdict with its reasons, counts, each worker's last
    reported status and the supervisor's view of every process."""

    ok: bool  # status == "ok"
    status: Literal["ok", "degraded", "down"]
    problems: tuple[HealthProblem, ...] = ()
    redis: bool
    catalog_size: int
    last_poll: str | None = None
    opportunities: int
    embeddings: int
    embedding_provider: str | None = None
    embedding_model: str | None = None
    last_embedding_run: str | None = None
    markets_with_matches: int
    pairs: int | None = None
    last_matching_run: str | None = None
    last_matching_duration_sec: float | None = None
    ws: dict[str, str]  # Polymarket's websocket ingest status hash, as stored
    venues: dict[str, VenueHealth]  # by venue name
    workers: dict[str, dict[str, str]]  # every worker's status hash (`poller:kalshi`, ...)
    # The supervisor's record of each process (state, restarts, exit code, reason); empty when
    # the processes run without it.
    processes: dict[str, dict[str, Any]] = Field(default_factory=dict)
