"""Events as venues list them: a title and some of its markets (the input of `events.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard_backend.matching.cards import MarketText


@dataclass(frozen=True)
class EventMarket:
    """One market of an event: its id and what it says."""

    id: str
    text: MarketText


@dataclass(frozen=True)
class Event:
    """An event as a venue lists it (`markets` may be a sample of `market_count`)."""

    venue: str
    id: str
    title: str
    markets: tuple[EventMarket, ...]
    market_count: int = 0
    about: datetime | None = None
    about_precision: str = ""
    league: str = ""
