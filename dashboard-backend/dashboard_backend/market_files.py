"""Market files for the offline tools: catalog documents, or a venue's raw responses.

`read_market_file(path)` accepts

- JSONL of catalog documents (the camelCase JSON of `markets:catalog`, one per line);
- a raw Gamma response (JSON): a list of markets, a list of events with nested `markets`, or
  `{"markets": [...]}` / `{"events": [...]}` wrappers — parsed by the Polymarket venue parser;
- a raw Kalshi `/events` or `/markets` response (`{"events": [...]}` with `event_ticker`s, or
  `{"markets": [...]}` or a bare list of markets with `ticker`s) — parsed by the Kalshi venue
  parser. A game event listed without its markets gets its one market per team
  (`venues/kalshi/games.py`).

Lines or records that do not parse are counted, never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dashboard_backend.errors import ParseError
from dashboard_backend.models import MarketDocument
from dashboard_backend.venues.kalshi import parse as kalshi_parse
from dashboard_backend.venues.kalshi.games import game_markets
from dashboard_backend.venues.polymarket.gamma_parse import parse_event_markets, parse_market

# Kalshi competition names (event `product_metadata.competition`) -> alias namespace of its teams.
_KALSHI_LEAGUES = {
    "pro basketball (m)": "nba",
    "pro basketball (w)": "wnba",
    "pro baseball": "mlb",
    "pro hockey": "nhl",
    "pro football": "nfl",
}
_SERIES_LEAGUES = {
    "KXNBAGAME": "nba",
    "KXWNBAGAME": "wnba",
    "KXMLBGAME": "mlb",
    "KXNHLGAME": "nhl",
    "KXNFLGAME": "nfl",
}


@dataclass(frozen=True)
class MarketFile:
    """The documents read from one file."""

    path: Path
    docs: tuple[MarketDocument, ...]
    bad_records: int  # lines or records that did not parse
    duplicates: int  # ids already read from this file (the first one is kept)
    source: str  # catalog / gamma / kalshi


def read_market_file(path: Path) -> MarketFile:
    """The market documents of a file (see the module docstring for the formats)."""
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    whole: Any = None
    if stripped.startswith("["):
        whole = _json(text)
    elif stripped.startswith("{"):
        first_line = stripped.split("\n", 1)[0]
        whole = _json(text) if _json(first_line) is None else None
    if whole is None:
        return _collect(path, _catalog_lines(text), "catalog")
    if isinstance(whole, list) and any(
        isinstance(r, Mapping) and "event_ticker" in r and "clobTokenIds" not in r for r in whole
    ):
        # A bare list of Kalshi markets (a saved `markets` array); Gamma events have a `ticker`
        # too, but never an `event_ticker`.
        whole = {"markets": whole}
    if isinstance(whole, Mapping) and _is_kalshi(whole):
        return _collect(path, _kalshi(whole), "kalshi")
    return _collect(path, _gamma(whole), "gamma")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _collect(path: Path, items: Iterable[MarketDocument | None], source: str) -> MarketFile:
    docs: dict[str, MarketDocument] = {}
    bad = duplicates = 0
    for item in items:
        if item is None:
            bad += 1
        elif item.id in docs:
            duplicates += 1
        else:
            docs[item.id] = item
    return MarketFile(path, tuple(docs.values()), bad, duplicates, source)


def _catalog_lines(text: str) -> Iterable[MarketDocument | None]:
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            yield MarketDocument.model_validate_json(line)
        except ValidationError:
            yield None


def _gamma(whole: Any) -> Iterable[MarketDocument | None]:
    records = (
        whole.get("events") or whole.get("markets") or [] if isinstance(whole, Mapping) else whole
    )
    if not isinstance(records, list):
        return
    for record in records:
        if isinstance(record, Mapping) and isinstance(record.get("markets"), list):
            pairs: Sequence[tuple[Any, Any]] = parse_event_markets(record)
        else:
            pairs = [(record, None)]
        for raw, event in pairs:
            try:
                yield parse_market(raw, event)
            except ParseError:
                yield None


def _is_kalshi(whole: Mapping[str, Any]) -> bool:
    records = whole.get("events") or whole.get("markets") or []
    return isinstance(records, list) and any(
        isinstance(r, Mapping)
        and ("event_ticker" in r or "ticker" in r)
        and "clobTokenIds" not in r
        for r in records
    )


def _kalshi(whole: Mapping[str, Any]) -> Iterable[MarketDocument | None]:
    for event in whole.get("events") or []:
        if not isinstance(event, Mapping):
            yield None
            continue
        nested = event.get("markets")
        raws = nested if isinstance(nested, list) and nested else game_markets(event)
        if not raws:
            yield None
        yield from _kalshi_markets(raws, event)
    yield from _kalshi_markets(whole.get("markets") or [], None)


def _kalshi_markets(
    markets: Sequence[Any], event: Mapping[str, Any] | None
) -> Iterable[MarketDocument | None]:
    for raw in markets:
        try:
            yield kalshi_parse.parse_market(raw, event)
        except ParseError:
            yield None
