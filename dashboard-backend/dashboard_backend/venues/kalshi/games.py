"""Kalshi game events listed without their markets: the one YES/NO market per team they hold.

Kalshi lists a game's winner as one market per team under the game event
(`KXNBAGAME-26JAN11SASMIN` -> `...-SAS`, `...-MIN`), titled "{event title} Winner?", YES standing
for that team. `/events` without `with_nested_markets` (and some recordings) give the event alone;
`game_markets` rebuilds those markets' identity (tickers, titles, YES subtitles — no prices), reading
the two team codes after the ticker's date (and time) with the alias tables' ticker codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard_backend.matching.aliases import default_aliases
from dashboard_backend.matching.dates import ticker_reading

# Series (or event `product_metadata.competition`) -> the alias namespace of its teams.
SERIES_LEAGUES = {
    "KXNBAGAME": "nba",
    "KXWNBAGAME": "wnba",
    "KXMLBGAME": "mlb",
    "KXNHLGAME": "nhl",
    "KXNFLGAME": "nfl",
}
COMPETITION_LEAGUES = {
    "pro basketball (m)": "nba",
    "pro basketball (w)": "wnba",
    "pro baseball": "mlb",
    "pro hockey": "nhl",
    "pro football": "nfl",
}


def split_teams(event_ticker: str, league: str) -> tuple[str, str] | None:
    """The two team codes of a game ticker: `KXNBAGAME-26JAN11SASMIN` -> ("SAS", "MIN")."""
    if "-" not in event_ticker or ticker_reading(event_ticker).day is None:
        return None
    tail = event_ticker.split("-", 1)[1][7:].lstrip("0123456789")  # YYMONDD, then HHMM
    table = default_aliases()
    for cut in range(2, len(tail) - 1):
        first, second = tail[:cut], tail[cut:]
        if table.codes(first, league) and table.codes(second, league):
            return first, second
    return None


def game_markets(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Raw market dicts (Kalshi's shape, no prices) of a game event listed without markets."""
    ticker = str(event.get("event_ticker") or "")
    series = str(event.get("series_ticker") or ticker.split("-", 1)[0])
    metadata = event.get("product_metadata")
    competition = (
        str(metadata.get("competition") or "").lower() if isinstance(metadata, Mapping) else ""
    )
    league = SERIES_LEAGUES.get(series) or COMPETITION_LEAGUES.get(competition)
    title = str(event.get("title") or "")
    teams = split_teams(ticker, league) if league else None
    if teams is None or " at " not in title:
        return []
    away, home = (part.strip() for part in title.split(" at ", 1))
    return [
        {
            "ticker": f"{ticker}-{code}",
            "event_ticker": ticker,
            "market_type": "binary",
            "title": f"{title} Winner?",
            "yes_sub_title": name,
            "status": "active",
        }
        for code, name in zip(teams, (away, home), strict=True)
    ]
