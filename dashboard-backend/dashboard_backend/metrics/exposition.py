"""What `/metrics` shows: recorded series plus state read from Redis at scrape time.

`read_scrape` gathers everything in a few round trips; `families` (pure) turns it into Prometheus
metric families. Venue-scoped state comes from each venue's status hashes
(`status:poller:{venue}`, `status:ws:{venue}`) for every venue the registry knows: a new venue
needs nothing here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
import redis.asyncio as aioredis
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from dashboard_backend import keys
from dashboard_backend.metrics.names import PREFIX, RECORDED
from dashboard_backend.metrics.store import MetricsRecorder, parse_field
from dashboard_backend.stored import tolerant
from dashboard_backend.venues.registry import venue_specs

WS_COUNTERS = {
    "messages": "Websocket messages applied",
    "frames": "Websocket frames received",
    "reconnects": "Websocket reconnects",
    "resyncs": "Books resynchronised from REST",
    "malformed": "Malformed websocket messages skipped",
}
ALERT_COUNTERS = {
    "sent": "Alert messages delivered (per destination)",
    "failed": "Alert messages given up after every retry",
    "retried": "Alert delivery retries",
    "dropped": "Alert messages dropped from a full destination queue",
}


@dataclass
class Scrape:
    """Everything `/metrics` reports, read from Redis."""

    venues: list[str] = field(default_factory=list)
    recorded: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, dict[str, str]] = field(default_factory=dict)  # status key -> hash
    catalog: int = 0
    books: int = 0
    embeddings: int = 0
    opportunities: Counter[tuple[str, str]] = field(default_factory=Counter)  # (venue, kind)
    pairs: Counter[str] = field(default_factory=Counter)  # relation -> unordered pairs


class _EntryRelation(msgspec.Struct):
    """The two fields of a stored match entry that the pair counts need (the rest is skipped)."""

    marketId: str  # noqa: N815 - the stored camelCase name
    relation: str | None = None


_LIST = msgspec.json.Decoder(list[_EntryRelation])


def relation_counts(lists: dict[str, str]) -> Counter[str]:
    """Unordered pairs by relation (as seen from the lower id; `unjudged` without a verdict)."""
    counts: Counter[str] = Counter()
    for base, raw in lists.items():
        try:
            entries = _LIST.decode(raw)
        except msgspec.DecodeError:
            continue
        for entry in entries:
            if base < entry.marketId or entry.marketId not in lists:
                counts[entry.relation or "unjudged"] += 1
    return counts


@dataclass
class PairCounts:
    """Pairs by relation, recounted only when a new matching run has been written.

    Parsing every stored list on each scrape would cost seconds at 50,000 lists; the lists only
    change when the matching worker finishes a run (`status:matching` lastRun).
    """

    last_run: str | None = None
    counts: Counter[str] = field(default_factory=Counter)

    async def read(self, redis: aioredis.Redis, last_run: str | None) -> Counter[str]:
        """The counts for the run `last_run` (read from Redis when it is not the cached one)."""
        if last_run is None or last_run != self.last_run:
            stored = await tolerant(redis.hgetall(keys.CROSS_MATCHES), {}, keys.CROSS_MATCHES)
            self.counts = relation_counts(stored)
            self.last_run = last_run
        return self.counts


def _opportunity_counts(snapshot: dict[str, str]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for raw in snapshot.values():
        try:
            op = json.loads(raw)
        except ValueError:
            continue
        if isinstance(op, dict):
            counts[(str(op.get("venue", "unknown")), str(op.get("kind", "unknown")))] += 1
    return counts


async def read_scrape(redis: aioredis.Redis, pairs: PairCounts | None = None) -> Scrape:
    """Read what `/metrics` reports (pair counts through `pairs`, cached between runs)."""
    venues = [spec.name for spec in venue_specs()]
    status_keys = sorted(
        {keys.status_poller(v) for v in venues}
        | {keys.status_ws(v) for v in venues}
        | {keys.STATUS_EMBEDDING, keys.STATUS_MATCHING, keys.STATUS_NOTIFIER}
    )
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hlen(keys.CATALOG)
        pipe.hlen(keys.BOOKS)
        pipe.hlen(keys.EMBEDDINGS)
        pipe.hgetall(keys.OPS_SNAPSHOT)
        for key in status_keys:
            pipe.hgetall(key)
        # A key of the wrong type answers an error: counted as empty, never a failed scrape.
        replies = await pipe.execute(raise_on_error=False)
    catalog, books, embeddings = (r if isinstance(r, int) else 0 for r in replies[:3])
    snapshot, *statuses = (r if isinstance(r, dict) else {} for r in replies[3:])
    by_key = dict(zip(status_keys, statuses, strict=True))
    last_run = by_key.get(keys.STATUS_MATCHING, {}).get("lastRun")
    return Scrape(
        venues=venues,
        recorded=await MetricsRecorder(redis).read(),
        statuses=by_key,
        catalog=catalog,
        books=books,
        embeddings=embeddings,
        opportunities=_opportunity_counts(snapshot),
        pairs=await (pairs or PairCounts()).read(redis, last_run),
    )


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _timestamp(value: str | None) -> float | None:
    try:
        return datetime.fromisoformat(value).timestamp() if value else None
    except ValueError:
        return None


def recorded_families(recorded: dict[str, float]) -> Iterator[Metric]:
    """The workers' counters and histograms."""
    for spec in RECORDED:
        if spec.kind == "counter":
            counter = CounterMetricFamily(PREFIX + spec.name, spec.help, labels=spec.labels)
            for series, value in sorted(recorded.items()):
                name, labels = parse_field(series)
                if name == spec.name:
                    counter.add_metric([labels.get(k, "") for k in spec.labels], value)
            yield counter
            continue
        histogram = HistogramMetricFamily(PREFIX + spec.name, spec.help, labels=spec.labels)
        groups: dict[tuple[str, ...], list[tuple[float, str, float]]] = {}
        sums: dict[tuple[str, ...], float] = {}
        for series, value in recorded.items():
            name, labels = parse_field(series)
            key = tuple(labels.get(k, "") for k in spec.labels)
            if name == spec.name and "le" in labels:
                le = labels["le"]
                groups.setdefault(key, []).append((float(le), le, value))
            elif name == spec.name + ":sum":
                sums[key] = value
        for key, buckets in sorted(groups.items()):
            ordered = [(le, count) for _, le, count in sorted(buckets)]
            histogram.add_metric(list(key), ordered, sums.get(key, 0.0))
        yield histogram


def state_families(scrape: Scrape) -> Iterator[Metric]:
    """Gauges and worker-kept counters read from Redis at scrape time."""
    markets = GaugeMetricFamily(
        PREFIX + "markets", "Markets in the venue's last poll", labels=["venue"]
    )
    books = GaugeMetricFamily(PREFIX + "books", "Books in the venue's last poll", labels=["venue"])
    skipped = GaugeMetricFamily(
        PREFIX + "markets_skipped", "Malformed markets skipped by the last poll", labels=["venue"]
    )
    last_poll = GaugeMetricFamily(
        PREFIX + "last_poll_timestamp_seconds", "When the venue's last poll ended", labels=["venue"]
    )
    connected = GaugeMetricFamily(
        PREFIX + "ws_connected", "1 while the venue's websocket is connected", labels=["venue"]
    )
    ws = {
        name: CounterMetricFamily(PREFIX + f"ws_{name}", text, labels=["venue"])
        for name, text in WS_COUNTERS.items()
    }
    for venue in scrape.venues:
        poll = scrape.statuses.get(keys.status_poller(venue), {})
        for family, value in (
            (markets, _number(poll.get("markets"))),
            (books, _number(poll.get("books"))),
            (skipped, _number(poll.get("skipped"))),
            (last_poll, _timestamp(poll.get("lastPoll"))),
        ):
            if value is not None:
                family.add_metric([venue], value)
        status = scrape.statuses.get(keys.status_ws(venue), {})
        if status:
            connected.add_metric([venue], 1.0 if status.get("connected") == "true" else 0.0)
        for name, ws_family in ws.items():
            count = _number(status.get(name))
            if count is not None:
                ws_family.add_metric([venue], count)
    yield from (markets, books, skipped, last_poll, connected, *ws.values())

    yield GaugeMetricFamily(PREFIX + "catalog_markets", "Markets in the catalog", scrape.catalog)
    yield GaugeMetricFamily(PREFIX + "stored_books", "Order books stored", scrape.books)
    yield GaugeMetricFamily(
        PREFIX + "embeddings", "Markets with a stored embedding", scrape.embeddings
    )
    ops = GaugeMetricFamily(
        PREFIX + "opportunities", "Current opportunities", labels=["venue", "kind"]
    )
    for (venue, kind), n in sorted(scrape.opportunities.items()):
        ops.add_metric([venue, kind], n)
    yield ops
    pairs = GaugeMetricFamily(
        PREFIX + "pairs", "Candidate pairs by relation verdict", labels=["relation"]
    )
    for relation, n in sorted(scrape.pairs.items()):
        pairs.add_metric([relation], n)
    yield pairs
    matching = scrape.statuses.get(keys.STATUS_MATCHING, {})
    last_pass = _number(matching.get("lastDuration"))
    if last_pass is not None:
        yield GaugeMetricFamily(
            PREFIX + "matching_last_pass_seconds", "Duration of the last matching pass", last_pass
        )
    notifier = scrape.statuses.get(keys.STATUS_NOTIFIER, {})
    for name, text in ALERT_COUNTERS.items():
        alerts = _number(notifier.get(name))
        alert_family = CounterMetricFamily(PREFIX + f"alerts_{name}", text)
        if alerts is not None:
            alert_family.add_metric([], alerts)
        yield alert_family


def families(scrape: Scrape) -> Iterator[Metric]:
    """Every family `/metrics` exposes from Redis."""
    yield from recorded_families(scrape.recorded)
    yield from state_families(scrape)
