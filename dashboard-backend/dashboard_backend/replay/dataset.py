"""The catalogue the replay server serves, built from recorded payloads.

Steps: de-duplicate markets and events by id (newest `updatedAt` wins); give markets taken
from `/events` payloads their `events[0]` stub; re-serve closed recordings as open unless
`respect_closed`; add synthetic copies up to `min_markets`; keep the `limit` highest-volume
markets; group markets into events by `events[0].id` (so every event lists exactly the served
markets that name it); derive tags for events that have none.

A negRisk event with a single served market, or whose served markets' YES prices sum well
below 1, is only part of a bigger event (the rest was not recorded); it is served with
`negRiskAugmented: true`, because in this stand-in the missing outcomes really are an
unlisted "Other".
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard_backend.replay.loader import FileReport, RawRecords, is_market, read_directory
from dashboard_backend.replay.tags import derive_tags, event_texts

log = logging.getLogger(__name__)

Raw = dict[str, Any]

# Served YES prices of a negRisk event summing below this mean outcomes are missing.
INCOMPLETE_EVENT_BELOW = 0.9
COPY_ID_STRIDE = 100_000_000


def parse_str_list(value: object) -> list[str] | None:
    """Gamma's JSON-in-a-string lists (`"[\\"Yes\\", \\"No\\"]"`), or real lists; None if bad."""
    if isinstance(value, str):
        parsed = _parse_list_text(value)
        return list(parsed) if parsed is not None else None
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    return None


@functools.lru_cache(maxsize=65536)
def _parse_list_text(text: str) -> tuple[str, ...] | None:
    # Cached: the same strings (outcomes, prices, copies' fields) are parsed many times.
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    return None


def to_float(value: object) -> float | None:
    """A number from a JSON number or numeric string, None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def market_tokens(market: Raw) -> list[str]:
    """The CLOB token ids of a market (empty when missing or malformed)."""
    return parse_str_list(market.get("clobTokenIds")) or []


def yes_index(market: Raw) -> int:
    """Index of the "Yes" outcome (0 when there is none: never assume, but default sanely)."""
    names = [n.strip().lower() for n in parse_str_list(market.get("outcomes")) or []]
    return names.index("yes") if "yes" in names else 0


def yes_price(market: Raw) -> float | None:
    """The indicative price of the YES outcome."""
    prices = parse_str_list(market.get("outcomePrices")) or []
    i = yes_index(market)
    return to_float(prices[i]) if i < len(prices) else None


def event_id_of(market: Raw) -> str | None:
    """The id of the market's first event."""
    events = market.get("events")
    if isinstance(events, list) and events and isinstance(events[0], dict):
        eid = events[0].get("id")
        return str(eid) if eid is not None else None
    return None


@dataclass
class Dataset:
    """What the server serves: markets, events with nested markets, tags, recorded books."""

    markets: list[Raw]
    events: list[Raw]
    tags: list[Raw]
    recorded_books: list[Raw]
    reports: list[FileReport] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    partial_events: frozenset[str] = frozenset()  # negRisk events served augmented as partial
    market_by_id: dict[str, Raw] = field(default_factory=dict)
    event_by_id: dict[str, Raw] = field(default_factory=dict)
    market_tag_ids: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.market_by_id = {str(m["id"]): m for m in self.markets}
        self.event_by_id = {str(e["id"]): e for e in self.events}
        for event in self.events:
            ids = frozenset(
                str(t.get("id")) for t in event.get("tags") or [] if isinstance(t, dict)
            )
            for m in event["markets"]:
                self.market_tag_ids[str(m["id"])] = ids


def _newest(records: list[Raw]) -> list[Raw]:
    """De-duplicate by id keeping the newest `updatedAt` (first seen on ties), in first-seen order."""
    chosen: dict[str, Raw] = {}
    for record in records:
        key = str(record["id"])
        old = chosen.get(key)
        if old is None or str(record.get("updatedAt") or "") > str(old.get("updatedAt") or ""):
            chosen[key] = record
    return list(chosen.values())


def _event_stub(event: Raw) -> Raw:
    return {k: v for k, v in event.items() if k != "markets"}


def _activate(record: Raw) -> Raw:
    record = dict(record)
    record.update(active=True, closed=False, archived=False)
    if "acceptingOrders" in record:
        record["acceptingOrders"] = True
    return record


def _derived_hex(value: str, salt: str, digits: int) -> str:
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()[:digits]


def _copy_id(value: object, k: int) -> str:
    text = str(value)
    return str(int(text) + k * COPY_ID_STRIDE) if text.isdigit() else f"{text}-c{k}"


def _copy_market(market: Raw, k: int) -> Raw:
    """Synthetic copy number k: new ids, condition, tokens and slug; same prices."""
    out: Raw = json.loads(json.dumps(market))  # faster than deepcopy for plain JSON
    out["id"] = _copy_id(market["id"], k)
    out["conditionId"] = "0x" + _derived_hex(str(market.get("conditionId")), f"copy{k}", 64)
    out["slug"] = f"{market.get('slug') or out['id']}-copy-{k}"
    out["question"] = f"{market.get('question')} [copy {k}]"
    tokens = market_tokens(market)
    if tokens:
        new = [str(int(_derived_hex(t, f"copy{k}", 60), 16)) for t in tokens]
        out["clobTokenIds"] = json.dumps(new) if isinstance(market["clobTokenIds"], str) else new
    if market.get("negRiskMarketID"):
        out["negRiskMarketID"] = "0x" + _derived_hex(str(market["negRiskMarketID"]), f"copy{k}", 64)
    for event in out.get("events") or []:
        if isinstance(event, dict) and event.get("id") is not None:
            event["id"] = _copy_id(event["id"], k)
            event["slug"] = f"{event.get('slug')}-copy-{k}"
            if event.get("negRiskMarketID"):
                event["negRiskMarketID"] = out.get("negRiskMarketID")
    return out


def _id_key(record: Raw) -> tuple[int, str]:
    text = str(record["id"])
    return (int(text), "") if text.isdigit() else (1 << 62, text)


def _volume(market: Raw) -> float:
    return to_float(market.get("volume24hr")) or 0.0


def _is_neg_risk_event(event: Raw, members: list[Raw]) -> bool:
    return bool(event.get("negRisk") or event.get("enableNegRisk")) or any(
        m.get("negRisk") is True for m in members
    )


def _mark_augmented(event: Raw, members: list[Raw]) -> None:
    event["negRiskAugmented"] = True
    for m in members:
        stub = (m.get("events") or [None])[0]
        if isinstance(stub, dict):
            stub["negRiskAugmented"] = True


def build_events(
    markets: list[Raw], recorded: dict[str, Raw], partial: set[str] | None = None
) -> list[Raw]:
    """Group markets by `events[0].id` into events with nested markets (event order = first seen).

    Ids of negRisk events found partly recorded (and so served as augmented) go to `partial`.
    """
    groups: dict[str, list[Raw]] = {}
    for m in markets:
        eid = event_id_of(m)
        if eid is not None:
            groups.setdefault(eid, []).append(m)
    events: list[Raw] = []
    for eid, members in groups.items():
        base = recorded.get(eid) or members[0]["events"][0]
        event = _event_stub(base)
        if _is_neg_risk_event(event, members) and not event.get("negRiskAugmented"):
            total = sum(yes_price(m) or 0.0 for m in members)
            if len(members) < 2 or total < INCOMPLETE_EVENT_BELOW:
                _mark_augmented(event, members)
                if partial is not None:
                    partial.add(eid)
        if not event.get("tags"):
            event["tags"] = derive_tags(event_texts(event, members))
        # Nested markets in id order, whatever order the recordings held them in.
        members = sorted(members, key=_id_key)
        event["markets"] = [{k: v for k, v in m.items() if k != "events"} for m in members]
        events.append(event)
    return events


def build_dataset(
    records: RawRecords,
    *,
    respect_closed: bool = False,
    limit: int | None = None,
    min_markets: int = 0,
) -> Dataset:
    """Turn raw records into the served catalogue (see the module docstring)."""
    events = _newest(records.events)
    recorded_events = {str(e["id"]): _event_stub(e) for e in events}
    markets = list(records.markets)
    for event in events:  # markets nested in /events payloads lack their `events` field
        for nested in event["markets"]:
            if "events" not in nested and isinstance(nested, dict):
                nested = {**nested, "events": [_event_stub(event)]}
            markets.append(nested)
    markets = _newest([m for m in markets if is_market(m)])
    if not respect_closed:
        markets = [_activate(m) for m in markets]
        for m in markets:
            m["events"] = [
                _activate(e) if isinstance(e, dict) else e for e in m.get("events") or []
            ]
        recorded_events = {k: _activate(e) for k, e in recorded_events.items()}
    else:
        markets = [json.loads(json.dumps(m)) for m in markets]
    originals = list(markets)
    k = 1
    while originals and len(markets) < min_markets:
        need = min_markets - len(markets)
        markets += [_copy_market(m, k) for m in originals[:need]]
        k += 1
    if limit is not None and len(markets) > limit:
        keep = {id(m) for m in sorted(markets, key=_volume, reverse=True)[:limit]}
        markets = [m for m in markets if id(m) in keep]
    partial: set[str] = set()
    served_events = build_events(markets, recorded_events, partial)
    if partial:
        log.info("%d partly recorded negRisk events served as negRiskAugmented", len(partial))
    tags: dict[str, Raw] = {str(t["id"]): t for t in records.tags}
    for event in served_events:
        for tag in event.get("tags") or []:
            if isinstance(tag, dict) and tag.get("id") is not None:
                tags.setdefault(str(tag["id"]), tag)
    return Dataset(
        markets=markets,
        events=served_events,
        tags=list(tags.values()),
        recorded_books=records.books,
        reports=records.reports,
        skipped_files=records.skipped,
        partial_events=frozenset(partial),
    )


def load_dataset(
    root: Path,
    *,
    respect_closed: bool = False,
    limit: int | None = None,
    min_markets: int = 0,
) -> Dataset:
    """Read a directory of recordings and build the served catalogue."""
    dataset = build_dataset(
        read_directory(root), respect_closed=respect_closed, limit=limit, min_markets=min_markets
    )
    log.info(
        "dataset: %d markets, %d events, %d tags, %d recorded books from %d files (%d skipped)",
        len(dataset.markets),
        len(dataset.events),
        len(dataset.tags),
        len(dataset.recorded_books),
        sum(1 for r in dataset.reports if r.used),
        len(dataset.skipped_files),
    )
    return dataset
