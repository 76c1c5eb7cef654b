"""The pieces of the synthetic two-venue catalog (`_twovenue.py`): names, formats, the builder."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard_backend.models import MarketDocument, Outcome

ALIASES = Path(__file__).resolve().parent.parent / "matching" / "data" / "aliases"
START = date(2026, 5, 1)  # the catalog's "today"
DIM = 384
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
FIRST_NAMES = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Sarah",
    "David",
    "Karen",
    "Daniel",
    "Nancy",
    "Paul",
    "Laura",
    "Mark",
    "Emily",
    "Kevin",
    "Anna",
    "Brian",
    "Julia",
    "Jason",
    "Rachel",
    "Ryan",
    "Nicole",
    "Eric",
    "Olivia",
    "Adam",
    "Sofia",
    "Tyler",
    "Grace",
    "Aaron",
    "Chloe",
    "Lucas",
    "Mia",
    "Mateo",
    "Elena",
    "Hugo",
    "Clara",
    "Luca",
    "Ines",
    "Jonas",
    "Freya",
    "Tomas",
    "Alba",
    "Marco",
    "Lena",
    "Ivan",
    "Noor",
]
LAST_NAMES = [
    "Abbott",
    "Barrera",
    "Castillo",
    "Delgado",
    "Ellison",
    "Fairchild",
    "Galloway",
    "Hartley",
    "Iverson",
    "Jennings",
    "Kowalski",
    "Lindqvist",
    "Montoya",
    "Navarro",
    "Okafor",
    "Pennington",
    "Quintero",
    "Rasmussen",
    "Salazar",
    "Thornton",
    "Underwood",
    "Valdivia",
    "Whitaker",
    "Yamamoto",
    "Zielinski",
    "Ashford",
    "Brennan",
    "Calloway",
    "Donnelly",
    "Everett",
    "Fitzgerald",
    "Gutierrez",
    "Holloway",
    "Ingram",
    "Jablonski",
    "Kaminski",
    "Larsen",
    "Mancini",
    "Novak",
    "Oliveira",
    "Pacheco",
    "Romero",
    "Sandoval",
    "Takahashi",
    "Vasquez",
    "Weston",
    "Xavier",
    "Youngblood",
    "Zamora",
    "Bellamy",
    "Carrington",
    "Dominguez",
]
AWARDS = (
    ("NL Cy Young Award", "NL Cy Young", "KXMLBNLCY", "mlb"),
    ("AL Cy Young Award", "AL Cy Young", "KXMLBALCY", "mlb"),
    ("NL MVP", "NL MVP", "KXMLBNLMVP", "mlb"),
    ("AL MVP", "AL MVP", "KXMLBALMVP", "mlb"),
    ("NBA MVP", "NBA MVP", "KXNBAMVP", "nba"),
    ("NBA Rookie of the Year", "NBA Rookie of the Year", "KXNBAROY", "nba"),
    ("NHL Hart Memorial Trophy", "Hart Memorial Trophy", "KXNHLHART", "nhl"),
    ("NFL Offensive Player of the Year", "NFL Offensive Player of the Year", "KXNFLOPOY", "nfl"),
    ("F1 Drivers' Championship", "F1 Drivers Championship", "KXF1", "f1"),
    ("Ballon d'Or", "Ballon d'Or", "KXBALLONDOR", "soccer"),
    ("Masters Tournament", "Masters", "KXPGAMASTERS", "golf"),
    ("Wimbledon men's singles title", "Wimbledon Men's Singles", "KXWIMBLEDONM", "tennis"),
    ("Eurovision Song Contest", "Eurovision", "KXEUROVISION", "culture"),
    ("Best Picture Oscar", "Oscar for Best Picture", "KXOSCARPIC", "culture"),
    ("Time Person of the Year", "Time Person of the Year", "KXTIMEPOY", "culture"),
)
PROPOSITIONS = (
    ("{p} announce a presidential run", "{p} announces a presidential run", "KXRUN"),
    ("{p} resign as CEO", "{p} resigns as CEO", "KXRESIGN"),
    ("{p} be indicted", "{p} is indicted", "KXINDICT"),
    ("{p} visit China", "{p} visits China", "KXVISIT"),
    ("{p} launch a token", "{p} launches a token", "KXTOKEN"),
    ("{p} get married", "{p} gets married", "KXWED"),
    ("{p} release a new album", "{p} releases a new album", "KXALBUM"),
    ("{p} be arrested", "{p} is arrested", "KXARREST"),
)
ASSETS = (
    ("Bitcoin", "BTC", 100_000.0, 5_000.0),
    ("Ethereum", "ETH", 3_500.0, 250.0),
    ("Solana", "SOL", 180.0, 10.0),
    ("XRP", "XRP", 2.5, 0.25),
    ("Dogecoin", "DOGE", 0.25, 0.025),
)
STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "FL",
    "GA",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "OH",
    "OK",
    "OR",
    "PA",
    "SC",
    "TN",
    "TX",
    "UT",
    "VA",
    "WA",
    "WI",
]
PARTIES = (("Democratic Party", "Democratic", "D"), ("Republican Party", "Republican", "R"))


@dataclass(frozen=True)
class Team:
    """A team of one league as the venues name it."""

    key: str
    full: str  # "Sacramento Kings"
    city: str  # "Sacramento" (Kalshi titles)
    nick: str  # "Kings" (Polymarket titles)
    code: str  # "SAC" (Kalshi tickers)


@dataclass
class Catalog:
    """Documents, their embedding parts and the known cross-venue equivalent pairs."""

    docs: list[MarketDocument] = field(default_factory=list)
    # Per document: (category, family, subject, item, bet) labels the vectors are built from.
    parts: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    # (Polymarket id, Kalshi id) of every pair that is the same bet, with its family name.
    truth: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(
        self, doc: MarketDocument, category: str, family: str, subject: str, item: str, bet: str
    ) -> MarketDocument:
        self.docs.append(doc)
        self.parts.append((category, family, subject, item, bet))
        return doc


def teams_by_league() -> dict[str, list[Team]]:
    """Teams per league from the alias tables: US leagues and soccer leagues with ticker codes."""
    leagues: dict[str, list[Team]] = {}
    for path in (ALIASES / "us_teams.tsv", ALIASES / "soccer.tsv"):
        header = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                header = line[1:].strip().split()[0].lower() if line[1:].strip() else header
                continue
            cols = line.split("\t")
            if len(cols) != 4 or not cols[3].strip():
                continue
            names = [n.strip() for n in cols[2].split("|") if n.strip()]
            league = cols[0].split(":")[0] if path.name == "us_teams.tsv" else header
            full = names[0]
            city = names[1] if len(names) > 2 else full
            nick = names[-1] if len(names) > 2 else full
            leagues.setdefault(league, []).append(
                Team(cols[0], full, city, nick, cols[3].split("|")[0].strip())
            )
    return {k: v for k, v in leagues.items() if len(v) >= 6 and k in LEAGUES}


# League -> (Kalshi series prefix, Polymarket slug prefix, sport, soccer-style three-way).
LEAGUES = {
    "nba": ("KXNBA", "nba", "basketball", False),
    "wnba": ("KXWNBA", "wnba", "basketball", False),
    "mlb": ("KXMLB", "mlb", "baseball", False),
    "nhl": ("KXNHL", "nhl", "hockey", False),
    "nfl": ("KXNFL", "nfl", "football", False),
    "england": ("KXEPL", "epl", "soccer", True),
    "spain": ("KXLALIGA", "lal", "soccer", True),
    "italy": ("KXSERIEA", "sea", "soccer", True),
    "germany": ("KXBUNDESLIGA", "bun", "soccer", True),
    "france": ("KXLIGUE1", "fl1", "soccer", True),
    "mls": ("KXMLS", "mls", "soccer", True),
}


def ticker_day(day: date) -> str:
    """Kalshi's date code: 26MAY17."""
    return f"{day.year % 100:02d}{MONTHS[day.month - 1]}{day.day:02d}"


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def yes_no(prefix: str) -> tuple[Outcome, Outcome]:
    return (
        Outcome(name="Yes", token_id=f"{prefix}:yes", price=0.5, best_bid=0.49, best_ask=0.51),
        Outcome(name="No", token_id=f"{prefix}:no", price=0.5, best_bid=0.49, best_ask=0.51),
    )


def named(prefix: str, names: tuple[str, str]) -> tuple[Outcome, Outcome]:
    return tuple(  # type: ignore[return-value]
        Outcome(name=n, token_id=f"{prefix}-{k}", price=0.5, best_bid=0.49, best_ask=0.51)
        for k, n in enumerate(names)
    )


class Builder:
    """Builds the catalog family by family (one instance per generation)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cat = Catalog()
        self.poly_seq = 500_000
        self.event_seq = 10_000

    def poly(
        self,
        question: str,
        event: str,
        event_title: str,
        outcomes: tuple[str, str] | None,
        parts: tuple[str, str, str, str, str],
        close: datetime,
        **extra: Any,
    ) -> str:
        self.poly_seq += 1
        mid = str(self.poly_seq)
        doc = MarketDocument.model_construct(
            venue="polymarket",
            id=mid,
            condition_id=f"0x{self.poly_seq:064x}",
            question=question,
            outcomes=named(mid, outcomes) if outcomes else yes_no(mid),
            category=parts[0],
            event_id=event,
            event_title=event_title,
            close_time=close,
            liquidity=1000.0,
            **extra,
        )
        self.cat.add(doc, *parts)
        return mid

    def kalshi(
        self,
        ticker: str,
        event_ticker: str,
        question: str,
        event_title: str,
        yes_sub: str,
        parts: tuple[str, str, str, str, str],
        close: datetime,
        **extra: Any,
    ) -> str:
        mid = f"kalshi:{ticker}"
        doc = MarketDocument.model_construct(
            venue="kalshi",
            id=mid,
            condition_id=ticker,
            question=question,
            slug=ticker.lower(),
            outcomes=yes_no(ticker),
            category=parts[0],
            event_id=event_ticker,
            event_title=event_title,
            group_item_title=yes_sub or None,
            yes_sub_title=yes_sub or None,
            series_ticker=event_ticker.split("-")[0],
            close_time=close,
            liquidity=1000.0,
            **extra,
        )
        self.cat.add(doc, *parts)
        return mid

    def event(self) -> str:
        self.event_seq += 1
        return str(self.event_seq)

    def same(self, poly_id: str, kalshi_id: str, family: str) -> None:
        self.cat.truth[(poly_id, kalshi_id)] = family

    def person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def day(self, horizon: int = 60) -> date:
        """A day in the coming weeks, most games near-term."""
        return START + timedelta(days=int(self.rng.expovariate(1 / 12)) % horizon)
