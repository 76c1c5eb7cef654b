"""Every metric the workers record, in one place: name, kind, help, labels, histogram buckets.

The processes are separate programs (restarted independently, possibly on other hosts when
REDIS_URL is shared), so their counters live in Redis (`metrics:counters`), not in each process's
memory; the API turns them into Prometheus text. Per-venue metrics carry a `venue` label: a new
venue records under its own label and needs no new metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PREFIX = "pmarb_"


@dataclass(frozen=True)
class Recorded:
    """A metric a worker records."""

    name: str  # without PREFIX, and without `_total` for counters
    kind: Literal["counter", "histogram"]
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


POLLS = Recorded(
    "polls", "counter", "Polls by venue and outcome (ok, failed)", ("venue", "outcome")
)
POLL_DURATION = Recorded(
    "poll_duration_seconds",
    "histogram",
    "Duration of a complete poll (markets, books, opportunities)",
    ("venue",),
    (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
)
EMBEDDED = Recorded(
    "embedded_markets", "counter", "Markets embedded (new or changed)", ("provider",)
)
EMBEDDING_TOKENS = Recorded(
    "embedding_tokens", "counter", "Tokens sent to the embedding provider", ("provider",)
)
EMBEDDING_COST = Recorded(
    "embedding_cost_usd", "counter", "Estimated embedding cost in USD", ("provider",)
)
MATCHING_DURATION = Recorded(
    "matching_pass_duration_seconds",
    "histogram",
    "Duration of a matching pass",
    (),
    (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)

RECORDED = (POLLS, POLL_DURATION, EMBEDDED, EMBEDDING_TOKENS, EMBEDDING_COST, MATCHING_DURATION)
