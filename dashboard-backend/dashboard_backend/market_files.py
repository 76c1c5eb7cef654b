"""Market files for the offline tools: catalog documents, or a venue's raw responses.

`read_market_file(path)` accepts

- JSONL of catalog documents (the camelCase JSON of `markets:catalog`, one per line);
- a raw Gamma response (JSON): a list of markets, a list of events with nested `markets`, or
  `{"markets": [...]}` / `{"events": [...]}` wrappers — parsed by the Polymarket venue parser;
- a raw Kalshi `/events` or `/markets` response (`{"events": [...]}` with `event_ticker`s, or
  `{"markets": [...]}` with `ticker`s) — parsed by the Kalshi venue parser when it is installed.
  A Kalshi game event listed without its markets (`with_nested_markets=false`) is expanded into
  one YES/NO market per team, the way Kalshi lists game winners (`KXNBAGAME-26JAN11SASMIN-SAS`):
  the team codes are read from the event ticker with the alias tables' ticker codes.

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
from dashboard_backend.matching.aliases import default_aliases
from dashboard_backend.matching.dates import ticker_reading
from dashboard_backend.models import MarketDocument, Outcome
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
    try:
        from dashboard_backend.venues.kalshi import parse as kalshi_parse  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        kalshi_parse = None
    for event in whole.get("events") or []:
        if not isinstance(event, Mapping):
            yield None
            continue
        nested = event.get("markets")
        if isinstance(nested, list) and nested and kalshi_parse is not None:
            yield from _kalshi_markets(kalshi_parse, nested, event)
        elif not nested:
            yield from expand_game_event(event)
    markets = whole.get("markets") or []
    if markets and kalshi_parse is not None:
        yield from _kalshi_markets(kalshi_parse, markets, None)


def _kalshi_markets(
    module: Any, markets: Sequence[Any], event: Mapping[str, Any] | None
) -> Iterable[MarketDocument | None]:
    for raw in markets:
        try:
            yield module.parse_market(raw, event)
        except (ParseError, ValueError, TypeError, KeyError):
            yield None


def expand_game_event(event: Mapping[str, Any]) -> Iterable[MarketDocument | None]:
    """One YES/NO market per team of a Kalshi game event listed without its markets."""
    ticker = str(event.get("event_ticker") or "")
    series = str(event.get("series_ticker") or ticker.split("-", 1)[0])
    competition = str((event.get("product_metadata") or {}).get("competition") or "").lower()
    league = _SERIES_LEAGUES.get(series) or _KALSHI_LEAGUES.get(competition)
    title = str(event.get("title") or "")
    if not league or "-" not in ticker or ticker_reading(ticker).day is None:
        yield None
        return
    teams = _split_codes(ticker.split("-", 1)[1], league)
    if teams is None:
        yield None
        return
    names = [part.strip() for part in title.replace(" vs ", " at ").split(" at ")]
    table = default_aliases()
    for position, code in enumerate(teams):
        market_ticker = f"{ticker}-{code}"
        key = sorted(table.codes(code, league))[0]
        label = names[position] if len(names) == 2 else table.display(key)
        yield MarketDocument(
            venue="kalshi",
            id=f"kalshi:{market_ticker}",
            condition_id=market_ticker,
            question=f"{title} Winner?",
            event_id=ticker,
            event_title=title,
            yes_sub_title=label,
            series_ticker=series,
            outcomes=(
                Outcome(name="Yes", token_id=f"kalshi:{market_ticker}:yes"),
                Outcome(name="No", token_id=f"kalshi:{market_ticker}:no"),
            ),
            category="sports",
        ).with_signature()


def _split_codes(rest: str, league: str) -> tuple[str, str] | None:
    """The two team codes after the date (and time) of a game ticker: `26JAN11SASMIN` -> SAS, MIN."""
    table = default_aliases()
    tail = rest[7:].lstrip("0123456789")  # YYMONDD, then an optional HHMM
    for cut in range(2, len(tail) - 1):
        first, second = tail[:cut], tail[cut:]
        if table.codes(first, league) and table.codes(second, league):
            return first, second
    return None
