"""A synthetic two-venue catalog for the relations scale benchmark: Polymarket- and Kalshi-style
market documents in the venues' own formats, with the cross-venue equivalent pairs known.

Formats follow the recordings in ../shared/data: Polymarket games as one event per game
("Grizzlies vs. Lakers", slug `nba-mem-lal-2026-05-04`) with a moneyline whose outcomes name the
teams, spreads ("Spread: Lakers (-3.5)"), totals ("O/U 245.5", Over / Under) and player props;
soccer as three Yes/No markets ("Will Arsenal win on 2026-05-17?", "... end in a draw?"). Kalshi
games as `KXNBAGAME-26MAY04MEMLAL` events titled "Memphis at Los Angeles L" with one market per
team ("... Winner?", YES sub-title the team, ticker suffix its code, `-TIE` for a draw), spreads
("Los Angeles L wins by over 3.5 Points?") and totals (floor strike). Contests and awards with
many entrants ("Will X win the 2026 NL Cy Young Award?" / "Will X win NL Cy Young?"), House races
by district ("Will the Democratic Party win the AZ-06 House seat?" / "Will Democratic win the
House race for AZ-06?"), crypto candles (Polymarket only: "Bitcoin Up or Down - May 11, 4AM ET")
and monthly price ladders (`KXBTCMAXMON-BTC-26MAY31-120000`), and propositions with deadline
ladders ("... by June 30, 2026?" / `KX...-26JUN30`).

Teams come from the relation engine's alias tables (`matching/data/aliases`); people are drawn
from name lists. Everything is seeded: the same (n, seed) gives the same documents and vectors.

Vectors imitate sentence embeddings (`synthetic_vectors`): a shared direction, the category, the
venue's wording, the family (league, award, race type), the subject (the game, the contest, the
district), the item (the team, the entrant, the strike) and the bet, plus noise. The two venues'
listings of one bet share subject, item and bet but not wording, so they are near, not identical,
while siblings of one event and other games of a league on the same day are near too (the hard
negatives the engine has to refuse).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dashboard_backend.models import MarketDocument, Outcome, market_signature

ALIASES = Path(__file__).resolve().parent.parent / "matching" / "data" / "aliases"
START = date(2026, 5, 1)  # the catalog's "today"
DIM = 384
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_FIRST = [
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
_LAST = [
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
_AWARDS = (
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
_PROPOSITIONS = (
    ("{p} announce a presidential run", "{p} announces a presidential run", "KXRUN"),
    ("{p} resign as CEO", "{p} resigns as CEO", "KXRESIGN"),
    ("{p} be indicted", "{p} is indicted", "KXINDICT"),
    ("{p} visit China", "{p} visits China", "KXVISIT"),
    ("{p} launch a token", "{p} launches a token", "KXTOKEN"),
    ("{p} get married", "{p} gets married", "KXWED"),
    ("{p} release a new album", "{p} releases a new album", "KXALBUM"),
    ("{p} be arrested", "{p} is arrested", "KXARREST"),
)
_ASSETS = (
    ("Bitcoin", "BTC", 100_000.0, 5_000.0),
    ("Ethereum", "ETH", 3_500.0, 250.0),
    ("Solana", "SOL", 180.0, 10.0),
    ("XRP", "XRP", 2.5, 0.25),
    ("Dogecoin", "DOGE", 0.25, 0.025),
)
_STATES = [
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
_PARTIES = (("Democratic Party", "Democratic", "D"), ("Republican Party", "Republican", "R"))


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


def _teams() -> dict[str, list[Team]]:
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
    return {k: v for k, v in leagues.items() if len(v) >= 6 and k in _LEAGUES}


# League -> (Kalshi series prefix, Polymarket slug prefix, sport, soccer-style three-way).
_LEAGUES = {
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
    return f"{day.year % 100:02d}{_MONTHS[day.month - 1]}{day.day:02d}"


def _at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _yes_no(prefix: str) -> tuple[Outcome, Outcome]:
    return (
        Outcome(name="Yes", token_id=f"{prefix}:yes", price=0.5, best_bid=0.49, best_ask=0.51),
        Outcome(name="No", token_id=f"{prefix}:no", price=0.5, best_bid=0.49, best_ask=0.51),
    )


def _named(prefix: str, names: tuple[str, str]) -> tuple[Outcome, Outcome]:
    return tuple(  # type: ignore[return-value]
        Outcome(name=n, token_id=f"{prefix}-{k}", price=0.5, best_bid=0.49, best_ask=0.51)
        for k, n in enumerate(names)
    )


class _Builder:
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
        **extra: object,
    ) -> str:
        self.poly_seq += 1
        mid = str(self.poly_seq)
        doc = MarketDocument.model_construct(
            venue="polymarket",
            id=mid,
            condition_id=f"0x{self.poly_seq:064x}",
            question=question,
            outcomes=_named(mid, outcomes) if outcomes else _yes_no(mid),
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
        **extra: object,
    ) -> str:
        mid = f"kalshi:{ticker}"
        doc = MarketDocument.model_construct(
            venue="kalshi",
            id=mid,
            condition_id=ticker,
            question=question,
            slug=ticker.lower(),
            outcomes=_yes_no(ticker),
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
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    def day(self, horizon: int = 60) -> date:
        """A day in the coming weeks, most games near-term."""
        return START + timedelta(days=int(self.rng.expovariate(1 / 12)) % horizon)


def _game_between(b: _Builder, league: str, away: Team, home: Team, day: date, both: bool) -> None:
    """One game: a Polymarket event, and when `both` a Kalshi winner/spread/total listing."""
    series, slug_league, sport, soccer = _LEAGUES[league]
    hour = b.rng.choice((0, 1, 2, 17, 19, 23))
    start = _at(day + timedelta(days=1 if hour < 4 else 0), hour)
    game = f"{league}:{day}:{away.code}{home.code}"
    slug = f"{slug_league}-{away.code.lower()}-{home.code.lower()}-{day.isoformat()}"
    ev = b.event()
    cat = "sports"
    poly_title = f"{away.full} vs. {home.full}" if soccer else f"{away.nick} vs. {home.nick}"
    common: dict[str, object] = {"event_start": start, "event_slug": slug}
    close = start + timedelta(hours=3)
    k_event = f"{series}GAME-{ticker_day(day)}{away.code}{home.code}"
    k_title = f"{away.city} vs {home.city}" if soccer else f"{away.city} at {home.city}"
    k_close = close + timedelta(days=14)
    poly_win: dict[str, str] = {}
    if soccer:
        for team in (away, home):
            poly_win[team.code] = b.poly(
                f"Will {team.full} win on {day.isoformat()}?",
                ev,
                poly_title,
                None,
                (cat, league, game, team.code, "winner"),
                close,
                slug=f"{slug}-{team.code.lower()}",
                group_item_title=team.full,
                market_type="moneyline",
                **common,
            )
        poly_win["TIE"] = b.poly(
            f"Will {away.full} vs. {home.full} end in a draw?",
            ev,
            poly_title,
            None,
            (cat, league, game, "draw", "winner"),
            close,
            slug=f"{slug}-draw",
            group_item_title=f"Draw ({away.full} vs. {home.full})",
            market_type="moneyline",
            **common,
        )
    else:
        moneyline = b.poly(
            poly_title,
            ev,
            poly_title,
            (away.nick, home.nick),
            (cat, league, game, "both", "winner"),
            close,
            slug=slug,
            market_type="moneyline",
            **common,
        )
        poly_win = {away.code: moneyline, home.code: moneyline}
    lines = {
        "basketball": (3.5, 225.5, 10.0),
        "football": (3.5, 44.5, 3.0),
        "baseball": (1.5, 8.5, 1.0),
        "hockey": (1.5, 5.5, 1.0),
        "soccer": (1.5, 2.5, 1.0),
    }
    spread, total, step = lines[sport]
    spreads: list[tuple[float, Team, str]] = []
    for k in range(b.rng.randint(1, 3)):
        line = spread + k * step
        fav = home if k % 2 == 0 else away
        other = away if fav is home else home
        pid = b.poly(
            f"Spread: {fav.nick if not soccer else fav.full} (-{line})",
            ev,
            poly_title,
            (fav.nick if not soccer else fav.full, other.nick if not soccer else other.full),
            (cat, league, game, f"{fav.code}{line}", "spread"),
            close,
            slug=f"{slug}-spread-{k}",
            market_type="spreads",
            line=-line,
            group_item_title=f"Spread -{line}",
            **common,
        )
        spreads.append((line, fav, pid))
    totals: dict[float, str] = {}
    for k in range(b.rng.randint(1, 3)):
        line = total + k * step
        totals[line] = b.poly(
            f"{poly_title}: O/U {line}",
            ev,
            poly_title,
            ("Over", "Under"),
            (cat, league, game, f"o{line}", "total"),
            close,
            slug=f"{slug}-total-{k}",
            market_type="totals",
            line=line,
            group_item_title=f"O/U {line}",
            **common,
        )
    for _ in range(b.rng.randint(0, 6) if sport != "soccer" else b.rng.randint(0, 2)):
        player = b.person()
        stat = (
            b.rng.choice(("Points", "Rebounds", "Assists"))
            if sport == "basketball"
            else (b.rng.choice(("Hits", "Strikeouts")) if sport == "baseball" else "Goals")
        )
        line = b.rng.choice((0.5, 1.5, 2.5, 5.5, 9.5, 19.5))
        b.poly(
            f"{player}: {stat} Over {line}",
            ev,
            poly_title,
            None,
            (cat, league, game, player, "prop"),
            close,
            slug=f"{slug}-{stat.lower()}-{player.lower().replace(' ', '-')}",
            market_type=stat.lower(),
            line=line,
            group_item_title=f"{stat} O/U {line}",
            **common,
        )
    if not both:
        return
    codes = [away, home] + ([None] if soccer else [])
    for team in codes:
        code = team.code if team else "TIE"
        kid = b.kalshi(
            f"{k_event}-{code}",
            k_event,
            f"{k_title} Winner?",
            k_title,
            team.city if team else "Tie",
            (cat, league, game, code if team else "draw", "winner"),
            k_close,
        )
        if code in poly_win:
            b.same(poly_win[code], kid, "game winner")
    for line, fav, pid in spreads:
        k_series = f"{series}SPREAD-{ticker_day(day)}{away.code}{home.code}"
        kid = b.kalshi(
            f"{k_series}-{fav.code}{int(line + 0.5)}",
            k_series,
            f"{fav.city} wins by over {line} {'Points' if sport != 'soccer' else 'goals'}?",
            f"{k_title}: Spread",
            f"{fav.city} wins by over {line}",
            (cat, league, game, f"{fav.code}{line}", "spread"),
            k_close,
            floor_strike=line,
            line=line,
            strike_type="greater",
        )
        b.same(pid, kid, "game spread")
    extra = [total + step * k for k in range(-2, 5) if total + step * k not in totals]
    for line in b.rng.sample(extra, 3):
        k_series = f"{series}TOTAL-{ticker_day(day)}{away.code}{home.code}"
        b.kalshi(
            f"{k_series}-{int(line + 0.5)}",
            k_series,
            f"{k_title}: Total Points",
            f"{k_title}: Total Points",
            f"Over {line} points scored",
            (cat, league, game, f"o{line}", "total"),
            k_close,
            floor_strike=line,
            line=line,
            strike_type="greater",
        )
    for line, pid in totals.items():
        k_series = f"{series}TOTAL-{ticker_day(day)}{away.code}{home.code}"
        unit = {
            "basketball": "points",
            "football": "points",
            "baseball": "runs",
            "hockey": "goals",
            "soccer": "goals",
        }[sport]
        kid = b.kalshi(
            f"{k_series}-{int(line + 0.5)}",
            k_series,
            f"{k_title}: Total {unit.title()}",
            f"{k_title}: Total {unit.title()}",
            f"Over {line} {unit} scored",
            (cat, league, game, f"o{line}", "total"),
            k_close,
            floor_strike=line,
            line=line,
            strike_type="greater",
        )
        b.same(pid, kid, "game total")


def _award(b: _Builder, index: int) -> None:
    """A contest with many entrants on both venues (overlapping entrant lists)."""
    poly_name, kalshi_name, series, sport = _AWARDS[index % len(_AWARDS)]
    year = 2026 + (index // len(_AWARDS)) % 4
    contest = f"award:{series}:{year}"
    ev = b.event()
    k_event = f"{series}-{year % 100}"
    entrants = sorted({b.person() for _ in range(b.rng.randint(12, 40))})
    close = _at(date(year, 12, 15))
    cat = "sports" if sport not in ("culture",) else "culture"
    for name in entrants:
        on_poly, on_kalshi = b.rng.random() < 0.9, b.rng.random() < 0.8
        pid = kid = ""
        if on_poly:
            pid = b.poly(
                f"Will {name} win the {year} {poly_name}?",
                ev,
                f"{year} {poly_name} Winner",
                None,
                (cat, series, contest, name, "winner"),
                close,
                group_item_title=name,
                neg_risk=True,
            )
        if on_kalshi:
            code = "".join(w[:2] for w in name.split()).upper()
            kid = b.kalshi(
                f"{k_event}-{code}",
                k_event,
                f"Will {name} win {kalshi_name}?",
                f"{kalshi_name} Winner?",
                name,
                (cat, series, contest, name, "winner"),
                close + timedelta(days=5),
            )
        if pid and kid:
            b.same(pid, kid, "award")


def _house(b: _Builder, state: str, seat: int) -> None:
    """A House race: parties on both venues, named candidates on Polymarket."""
    district = f"{state}-{seat:02d}"
    race = f"house:{district}"
    ev = b.event()
    k_event = f"KXHOUSERACE-{state}{seat:02d}-26"
    close = _at(date(2026, 11, 3))
    for full, short, code in _PARTIES:
        pid = b.poly(
            f"Will the {full} win the {district} House seat?",
            ev,
            f"{district} House Election Winner",
            None,
            ("politics", "house", race, code, "winner"),
            close,
            group_item_title=full,
            neg_risk=True,
        )
        kid = b.kalshi(
            f"{k_event}-{code}",
            k_event,
            f"Will {short} win the House race for {district}?",
            f"{district} House winner?",
            short,
            ("politics", "house", race, code, "winner"),
            close + timedelta(days=30),
        )
        b.same(pid, kid, "house race")
    b.poly(
        f"Will another party win the {district} House seat?",
        ev,
        f"{district} House Election Winner",
        None,
        ("politics", "house", race, "other", "winner"),
        close,
        group_item_title="Other",
        neg_risk=True,
    )


def _candles(b: _Builder, asset: int, day: date, count: int) -> None:
    """Polymarket up/down candles of one asset on one day (hourly, then 15-minute windows)."""
    name, code, _, _ = _ASSETS[asset]
    for k in range(count):
        minutes = k * (60 if count <= 24 else 15)
        start = _at(day) + timedelta(minutes=minutes)
        et = start - timedelta(hours=4)
        clock = f"{(et.hour - 1) % 12 + 1}:{et.minute:02d}{'AM' if et.hour < 12 else 'PM'}"
        if count <= 24:
            label = f"{et.strftime('%B')} {et.day}, {clock.replace(':00', '')} ET"
        else:
            end = et + timedelta(minutes=15)
            clock2 = f"{(end.hour - 1) % 12 + 1}:{end.minute:02d}{'AM' if end.hour < 12 else 'PM'}"
            label = f"{et.strftime('%B')} {et.day}, {clock}-{clock2} ET"
        title = f"{name} Up or Down - {label}"
        ev = b.event()
        b.poly(
            title,
            ev,
            title,
            ("Up", "Down"),
            ("crypto", f"candle:{code}", f"candle:{code}:{day}", str(k), "up"),
            start + timedelta(minutes=15),
            event_start=start,
            slug=f"{code.lower()}-updown-{int(start.timestamp())}",
        )


def _ladder(b: _Builder, asset: int, month: int, year: int) -> None:
    """Monthly reach / dip ladders of one asset on both venues."""
    name, code, level, step = _ASSETS[asset]
    month_name = date(year, month, 1).strftime("%B")
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    close = _at(last, 23, 59)
    for kind, sign, series in (("reach", 1, "MAXMON"), ("dip to", -1, "MINMON")):
        ev = b.event()
        k_event = f"KX{code}{series}-{code}-{ticker_day(last)}"
        subject = f"ladder:{code}:{year}-{month}:{kind}"
        for k in range(1, b.rng.randint(5, 9)):
            strike = level + sign * k * step
            shown = f"{strike:,.0f}" if strike >= 100 else f"{strike:g}"
            pid = b.poly(
                f"Will {name} {kind} ${shown} in {month_name} {year}?",
                ev,
                f"What price will {name} hit in {month_name}?",
                None,
                ("crypto", f"ladder:{code}", subject, shown, kind),
                close,
                group_item_title=f"{'↑' if sign > 0 else '↓'} ${shown}",
                neg_risk=False,
            )
            kid = b.kalshi(
                f"{k_event}-{round(strike * 100)}",
                k_event,
                f"Will {name} {kind} ${shown} by {last.strftime('%b')} {last.day}, {year}?",
                f"{name} {'maximum' if sign > 0 else 'minimum'} price in {month_name} {year}",
                f"{'Above' if sign > 0 else 'Below'} ${shown}",
                ("crypto", f"ladder:{code}", subject, shown, kind),
                close,
                floor_strike=strike,
                strike_type="greater" if sign > 0 else "less",
            )
            b.same(pid, kid, "price ladder")


def _proposition(b: _Builder, index: int) -> None:
    """A proposition with a deadline ladder on Polymarket and some of its deadlines on Kalshi."""
    poly_text, _, series = _PROPOSITIONS[index % len(_PROPOSITIONS)]
    who = b.person()
    subject = f"prop:{series}:{who}"
    ev = b.event()
    deadlines = sorted(
        {date(2026, m, 1) - timedelta(days=1) for m in b.rng.sample(range(6, 13), 3)}
    )
    for deadline in deadlines:
        when = f"{deadline.strftime('%B')} {deadline.day}, {deadline.year}"
        pid = b.poly(
            f"Will {poly_text.format(p=who)} by {when}?",
            ev,
            f"Will {poly_text.format(p=who)} by ...?",
            None,
            ("politics", series, subject, str(deadline), "by"),
            _at(deadline, 23, 59),
            group_item_title=f"{deadline.strftime('%B')} {deadline.day}",
        )
        if b.rng.random() < 0.6:
            k_event = f"{series}{who.split()[1].upper()[:6]}-{ticker_day(deadline)}"
            kid = b.kalshi(
                k_event,
                k_event,
                f"Will {poly_text.format(p=who)} before "
                f"{deadline.strftime('%b')} {deadline.day}, {deadline.year}?",
                f"{who}: {series[2:].title()} before {deadline.strftime('%b')} {deadline.day}?",
                "",
                ("politics", series, subject, str(deadline), "by"),
                _at(deadline, 23, 59),
            )
            b.same(pid, kid, "proposition")


def _tennis(b: _Builder, day: date, players: list[str], both: bool) -> None:
    """A tennis match between two people (names the alias tables do not know)."""
    one, two = b.rng.sample(players, 2)
    match = f"tennis:{day}:{one}:{two}"
    ev = b.event()
    start = _at(day, b.rng.choice((9, 11, 13, 15)))
    title = f"{one} vs. {two}"
    pid = b.poly(
        title,
        ev,
        title,
        (one, two),
        ("sports", "atp", match, "both", "winner"),
        start + timedelta(hours=3),
        event_start=start,
        market_type="moneyline",
        event_slug=f"atp-{one.split()[1].lower()}-{two.split()[1].lower()}-{day.isoformat()}",
    )
    if not both:
        return
    codes = (one.split()[1][:3].upper(), two.split()[1][:3].upper())
    k_event = f"KXATPMATCH-{ticker_day(day)}{codes[0]}{codes[1]}"
    for name, code in zip((one, two), codes, strict=True):
        kid = b.kalshi(
            f"{k_event}-{code}",
            k_event,
            f"Will {name} win the {one.split()[1]} vs {two.split()[1]} match?",
            f"{one.split()[1]} vs {two.split()[1]}",
            name,
            ("sports", "atp", match, name, "winner"),
            start + timedelta(days=7),
        )
        b.same(pid, kid, "tennis match")


def _futures(b: _Builder, league: str, teams: list[Team]) -> None:
    """A league champion market per team on both venues (a contest with many entrants)."""
    series = _LEAGUES[league][0]
    name = {
        "england": "Premier League",
        "spain": "La Liga",
        "italy": "Serie A",
        "germany": "Bundesliga",
        "france": "Ligue 1",
    }.get(league, league.upper())
    ev = b.event()
    contest = f"champion:{league}"
    k_event = f"{series}-26"
    close = _at(date(2026, 12, 31))
    for team in teams:
        pid = b.poly(
            f"Will the {team.full} win the 2026 {name} Championship?",
            ev,
            f"{name} Champion 2026",
            None,
            ("sports", league, contest, team.code, "winner"),
            close,
            group_item_title=team.full,
            neg_risk=True,
        )
        if b.rng.random() < 0.85:
            kid = b.kalshi(
                f"{k_event}-{team.code}",
                k_event,
                f"Will {team.full} win the {name} title?",
                f"{name} Champion?",
                team.full,
                ("sports", league, contest, team.code, "winner"),
                close,
            )
            b.same(pid, kid, "league champion")


def _daily_ladder(b: _Builder, asset: int, day: date) -> None:
    """An asset's price at 5 PM ET on a day, as strikes on both venues."""
    name, code, level, step = _ASSETS[asset]
    ev = b.event()
    k_event = f"KX{code}D-{ticker_day(day)}17"
    subject = f"daily:{code}:{day}"
    when = f"{day.strftime('%B')} {day.day}"
    center = level + step * b.rng.randint(-3, 3)
    for k in range(-4, 5):
        strike = center + k * step / 2
        shown = f"{strike:,.0f}" if strike >= 100 else f"{strike:g}"
        pid = b.poly(
            f"Will the price of {name} be above ${shown} on {when}?",
            ev,
            f"{name} above ___ on {when}?",
            None,
            ("crypto", f"daily:{code}", subject, shown, "above"),
            _at(day, 21),
            group_item_title=f"{shown}",
        )
        if True:
            kid = b.kalshi(
                f"{k_event}-T{strike:g}",
                k_event,
                f"Will the {name} price be above ${shown} on {when}, {day.year} at 5pm EDT?",
                f"{name} price on {when}, {day.year} at 5pm EDT?",
                f"${shown} or above",
                ("crypto", f"daily:{code}", subject, shown, "above"),
                _at(day, 21),
                floor_strike=strike,
                strike_type="greater",
            )
            b.same(pid, kid, "daily price")


def generate(n: int, seed: int = 7) -> Catalog:
    """About `n` markets of both venues (a sports-heavy mix), deterministic in (n, seed).

    Games are scheduled day by day (each team once a day), most leagues playing on near days;
    the rest of the catalog is filled with contests, races, crypto and propositions in a fixed
    mix until `n` is reached.
    """
    rng = random.Random(seed)
    b = _Builder(rng)
    teams = _teams()
    leagues = sorted(teams)
    players = sorted({f"{f} {last}" for f in _FIRST for last in _LAST})
    sports_target = int(n * 0.55)
    for league in leagues:
        if len(b.cat.docs) < sports_target * 0.05:
            _futures(b, league, teams[league])
    day_index = 0
    while len(b.cat.docs) < sports_target:
        day = START + timedelta(days=day_index % 180)
        busy = 0.9 if day_index < 21 else 0.35
        for league in leagues:
            if len(b.cat.docs) >= sports_target:
                break
            if rng.random() > busy:
                continue
            order = rng.sample(teams[league], len(teams[league]))
            for k in range(0, len(order) - 1, 2):
                if rng.random() < 0.7:
                    _game_between(b, league, order[k], order[k + 1], day, rng.random() < 0.7)
        for _ in range(rng.randint(4, 16)):
            _tennis(b, day, players, rng.random() < 0.6)
        day_index += 1
    k = 0
    seats = [(s, d) for s in _STATES for d in range(1, 1 + (hash_seats(s) % 12) + 1)]
    rng.shuffle(seats)
    while len(b.cat.docs) < n:
        roll = rng.random()
        if roll < 0.10 and k < 4 * len(_AWARDS):
            _award(b, k)
        elif roll < 0.22 and seats:
            _house(b, *seats.pop())
        elif roll < 0.38:
            _candles(b, rng.randrange(len(_ASSETS)), b.day(30), rng.choice((24, 96)))
        elif roll < 0.48:
            _ladder(b, rng.randrange(len(_ASSETS)), rng.randint(5, 12), 2026 + rng.randint(0, 1))
        elif roll < 0.66:
            _daily_ladder(b, rng.randrange(len(_ASSETS)), b.day(120))
        else:
            _proposition(b, k)
        k += 1
    _dedupe(b.cat)
    b.cat.docs = [signed(d) for d in b.cat.docs]
    return b.cat


def hash_seats(state: str) -> int:
    """A state's seat count stand-in (stable across runs)."""
    return zlib.crc32(state.encode("ascii"))


def _dedupe(cat: Catalog) -> None:
    """Drop repeated ids (a game or race drawn twice): the first listing stays."""
    seen: set[str] = set()
    keep: list[int] = []
    for i, doc in enumerate(cat.docs):
        if doc.id not in seen:
            seen.add(doc.id)
            keep.append(i)
    if len(keep) != len(cat.docs):
        cat.docs = [cat.docs[i] for i in keep]
        cat.parts = [cat.parts[i] for i in keep]
        ids = seen
        cat.truth = {k: v for k, v in cat.truth.items() if k[0] in ids and k[1] in ids}


def signed(doc: MarketDocument) -> MarketDocument:
    """The document with its signature (model_construct keeps it cheap: the fields are built
    here, already valid)."""
    return doc.model_copy(update={"signature": market_signature(doc)})


# Weights of each part of a vector: (shared, category, venue, family, subject, item, bet, noise).
WEIGHTS = (0.35, 0.35, 0.45, 0.55, 0.9, 0.7, 0.45, 0.55)


def synthetic_vectors(cat: Catalog, seed: int = 7, chunk: int = 16_384) -> npt.NDArray[np.float32]:
    """Embedding-like vectors of the documents (module docstring), float32, deterministic."""
    rng = np.random.default_rng(seed)
    columns = list(zip(*cat.parts, strict=True)) if cat.parts else [[] for _ in range(5)]
    venues = [d.venue for d in cat.docs]
    labels = [venues, *columns]  # venue, category, family, subject, item, bet
    codes: list[npt.NDArray[np.int64]] = []
    tables: list[npt.NDArray[np.float32]] = []
    for k, values in enumerate(labels):
        table: dict[str, int] = {}
        codes.append(
            np.fromiter(
                (table.setdefault(f"{k}|{v}", len(table)) for v in values), np.int64, len(values)
            )
        )
        # Directions seeded by the label, so a label's direction is the same at every size.
        tables.append(_directions(sorted(table, key=table.__getitem__), seed))
    shared = _directions(["shared"], seed)[0]
    w_shared, w_cat, w_venue, w_fam, w_subj, w_item, w_bet, w_noise = WEIGHTS
    order = (1, 0, 2, 3, 4, 5)  # category, venue, family, subject, item, bet
    weights = (w_cat, w_venue, w_fam, w_subj, w_item, w_bet)
    n = len(cat.docs)
    out = np.empty((n, DIM), dtype=np.float32)
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        block = np.broadcast_to(w_shared * shared, (hi - lo, DIM)).copy()
        for weight, k in zip(weights, order, strict=True):
            block += weight * tables[k][codes[k][lo:hi]]
        block += w_noise * rng.standard_normal((hi - lo, DIM), dtype=np.float32) / np.sqrt(DIM)
        out[lo:hi] = block
    return out


def _directions(labels: list[str], seed: int) -> npt.NDArray[np.float32]:
    """One unit vector per label, a function of (label, seed) only."""
    out = np.empty((len(labels), DIM), dtype=np.float32)
    for i, label in enumerate(labels):
        r = np.random.default_rng([seed, zlib.crc32(label.encode("utf-8"))])
        v = r.standard_normal(DIM)
        out[i] = v / np.linalg.norm(v)
    return out
