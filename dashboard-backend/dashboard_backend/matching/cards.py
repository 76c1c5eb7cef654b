"""Condition cards: what one market asks, parsed from its text and the venue's structured fields.

A card says which kind of question it is (`game`: two sides meet on a day; `candle`: an asset up
or down over a window; `contest`: who wins a competition, race or award; `other`), who takes part,
which outcome YES backs, the bet (winner, spread, total, exact score, ...), the period, the line,
the day it is about, and the remaining topic words with aliases folded. The relation rules
(`rules.py`) compare cards; nothing here decides a relation.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from dashboard_backend.matching.aliases import AliasTable, default_aliases
from dashboard_backend.matching.dates import (
    EASTERN,
    DateReading,
    eastern_day,
    monthly,
    read_dates,
    ticker_reading,
)
from dashboard_backend.matching.fast_re import compile_fast
from dashboard_backend.matching.lexicon import ESPORTS_HINTS, STOPWORDS, bet_of, period_of
from dashboard_backend.matching.names import Name, make_name, same_name
from dashboard_backend.matching.numbers import NumberKind, number_kind, question_numbers
from dashboard_backend.matching.stems import stem
from dashboard_backend.matching.text import fold, phrase, words

# A game can end in a draw unless it is known not to: two sides that are one of these leagues'
# teams (overtime decides), or a series / match format with a winner by rule. Guessing "no draw"
# wrongly would pair "A wins" with "B wins" as complements, a trade that loses on a draw.
_NO_DRAW_TEAMS = frozenset({"nba", "wnba", "mlb", "nhl"})
# Leagues whose games cannot end level, as the venues' ids begin: Polymarket slugs
# ("atp-sinner-alcaraz-2026-06-10", "cs2-...") and Kalshi series ("KXATPMATCH", "KXNBAGAME").
_NO_DRAW_SLUG = frozenset({"nba", "wnba", "mlb", "nhl", "cbb", "atp", "wta", "cs2", "lol", "dota2"})
_NO_DRAW_SERIES = compile_fast(r"^KX(?:ATP|WTA|NBA|WNBA|MLB|NHL|NCAAMB|CS2|LOL|DOTA2|VALORANT)")
_NO_DRAW_FORMAT = compile_fast(
    r"\(bo[1357]\)|\bbest of [1357]\b|\bseries\b|\b(?:atp|wta|itf|tennis)\b|\bcs2\b|counter-strike"
    r"|\blol\b|league of legends|\bdota\b|\bvalorant\b|\bmap \d\b|\bpro basketball\b|\bpro baseball\b"
)


# The league a venue's ids name: Kalshi series (`KXMLBGAME-26MAY03BOSATL`) and Polymarket slugs
# (`nba-bos-atl-2026-05-03`). It scopes city names: Kalshi's "Boston at Atlanta" in the MLB series
# is the Red Sox and the Braves, never the Celtics and the Hawks.
_SERIES_LEAGUE = compile_fast(r"^KX(WNBA|NBA|MLB|NHL|NFL)")
_SLUG_LEAGUES = frozenset({"wnba", "nba", "mlb", "nhl", "nfl"})


def league_hint(market: MarketText) -> str:
    """The alias namespace of the league a market's ticker or slug names ("" when none)."""
    m = _SERIES_LEAGUE.match((market.event_ticker or market.market_ticker).upper())
    if m is not None:
        return m.group(1).lower()
    first = market.slug.split("-", 1)[0].lower() if market.slug else ""
    return first if first in _SLUG_LEAGUES else ""


@dataclass(frozen=True)
class MarketText:
    """What the relation engine reads of one market (every field but `question` optional)."""

    question: str
    event_title: str = ""
    group_item: str = ""  # Polymarket group item title / Kalshi yes_sub_title: the outcome named
    outcomes: tuple[str, ...] = ()
    venue: str = ""
    event_ticker: str = ""
    market_ticker: str = ""
    about: datetime | None = None  # the structured "when" (game start, condition date)
    about_precision: str = ""  # minute / hour / day / month / year / ""
    league: str = ""
    sports_type: str = ""  # Polymarket sportsMarketType (moneyline, spreads, totals, ...)
    line: float | None = None  # Polymarket line / Kalshi strike
    rules: str = ""
    context_year: int | None = None  # the year of a "May 10" that names none (from the close time)
    slug: str = ""  # the venue's slug(s), which often carry the day ("nba-mia-chi-2026-01-08")
    bucket: tuple[float, float] | None = None  # a structured range (Kalshi `between` strikes)


@dataclass(frozen=True)
class Card:
    """The parsed condition of one market."""

    kind: str  # game / candle / contest / other
    text: str
    participants: tuple[Name, ...] = ()  # a game's two sides, as written
    target: Name | None = None  # the participant, candidate or party YES backs
    target_role: str = ""  # side / draw / over / under / field / ""
    bet: str = ""
    period: str = "ft"
    line: float | None = None
    comparator: str = ""  # ">" / "<" for thresholds ("above $500M", "dip to $38")
    # The bar counts its amount ("at least", "reach") or passes it ("above").
    inclusive: bool = False
    bucket: tuple[float, float] | None = None  # a range the quantity must land in, bounds included
    amounts: frozenset[str] = frozenset()  # every amount named (numbers.py form): "750000", "12"
    score: tuple[int, int] | None = None  # exact score, in the order of `participants`
    day: date | None = None
    kickoff: datetime | None = None  # scheduled start, naive US Eastern (ticker time or game start)
    dates: DateReading = field(default_factory=DateReading)
    topic: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    asset: str = ""
    draw_possible: bool = False
    esports: bool = False
    game_number: int | None = None  # the N-th game of a series ("Game 4:", "Game 2?")
    context_year: int | None = None  # the market's own year (its close time), for unsaid years
    lead: str = (
        ""  # a contest question's grammatical subject ("Floyd Mayweather" in "Will Floyd ...")
    )


_VS = r"\s+(?:vs\.?|v\.?|@)\s+"
_SUFFIX = compile_fast(
    r"\s*(?:\(bo\d\)|\(best of \d\)|\s-\s.*|:\s.*|\?|\bwinner\??|\bwin\??"
    # A bet named after the fixture: "Ducks vs. Golden Knights Total Games O/U 5.5".
    r"|\s(?:total\s+(?:games|goals|points|runs|maps|kills|rounds|sets)|o/u\s*\d|spread|moneyline"
    r"|handicap|exact score|both teams to score)\b.*)\s*$",
    re.IGNORECASE,
)
_PREFIX = compile_fast(r"^(?:[^:]{1,60}:\s+)", re.IGNORECASE)
_GAME_PREFIX = compile_fast(r"^game \d+:\s+", re.IGNORECASE)  # "Game 4: New York at Philadelphia"
_LIMITLESS = compile_fast(
    r"^(?P<lg>[^,]{1,40}),\s+(?P<a>.+?)"
    + _VS
    + r"(?P<b>.+?),\s+(?P<date>[A-Za-z]{3,9}\.? \d{1,2},? \d{4})"
    r"(?::\s*(?P<out>.+))?$",
    re.IGNORECASE,
)
_EXACT = compile_fast(
    r"exact score:\s*(?P<a>.+?)\s+(?P<sa>\d+)\s*-\s*(?P<sb>\d+)\s+(?P<b>.+?)\??$", re.IGNORECASE
)
_DRAW = compile_fast(r"^will\s+(?P<a>.+?)" + _VS + r"(?P<b>.+?)\s+end in a draw\??$", re.IGNORECASE)
_HT_DRAW = compile_fast(
    r"^(?P<a>.+?)" + _VS + r"(?P<b>.+?):\s*draw at half-?time\??$", re.IGNORECASE
)
_BOTH = compile_fast(r"^both\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+score\b", re.IGNORECASE)
_WIN_MATCH = compile_fast(
    r"^will\s+(?P<t>.+?)\s+win\s+(?:map \d+ in\s+)?the\s+(?P<a>.+?)"
    + _VS
    + r"(?P<b>.+?)\s+(?:[\w-]+\s+){0,3}(?:match|fight|game|series)\b",
    re.IGNORECASE,
)
# "Will Tom Aspinall win the UFC 320 fight against Ciryl Gane?" / "Will Sinner beat Alcaraz in
# the Wimbledon final?": one side against a named other.
_WIN_AGAINST = compile_fast(
    r"^will\s+(?P<t>.+?)\s+(?:win\s+(?:the\s+|his\s+|her\s+|their\s+)?(?:[\w-]+\s+){0,3}"
    r"(?:match|fight|bout|game)\s+(?:against|vs\.?|versus)|beat|defeat)\s+(?P<o>[^?]+?)"
    r"(?:\s+(?:in|at|on|by)\s+[^?]*)?\??$",
    re.IGNORECASE,
)
_EITHER = compile_fast(
    r"^will\s+(?:the\s+)?(?P<a>.+?)\s+or\s+(?:the\s+)?(?P<b>.+?)\s+win\s+(?:in\s+)?(?:their|the)\s+.*?"
    r"(?:matchup|match|game|series)\b",
    re.IGNORECASE,
)
_WIN_ON = compile_fast(
    r"^will\s+(?P<t>.+?)\s+win\s+on\s+(?P<date>\d{4}-\d\d-\d\d)\??$", re.IGNORECASE
)
_LEADING = compile_fast(r"^(?P<t>.+?)\s+leading at half-?time\??$", re.IGNORECASE)
_WIN_HALF = compile_fast(
    r"^will\s+(?P<t>.+?)\s+win the (?:1st|2nd|first|second) half\??$", re.IGNORECASE
)
_BY_OVER = compile_fast(
    r"^(?:will\s+)?(?P<t>.+?)\s+(?:wins?|win the 2h|wins first 5 innings)\s+by over\s+(?P<line>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_SPREAD = compile_fast(r"spread:\s*(?P<t>.+?)\s*\((?P<line>[-+]?\d+(?:\.\d+)?)\)", re.IGNORECASE)
_OVER = compile_fast(
    r"\b(?:over|o/u)\s+(?P<line>\d+(?:\.\d+)?)|(?P<plus>\d+)\+\s+(?:total|goals|points|runs)",
    re.IGNORECASE,
)
_PLAYER = compile_fast(
    r"^(?P<t>[^:?#\d]{3,40}):\s+(?:\d+\+|anytime|first|points|rebounds|assists)", re.IGNORECASE
)
_WILL_SUBJECT = compile_fast(
    r"(?:^|:\s+)will\s+(?:the\s+)?(?!there\b|it\b|anyone\b)(?P<t>.+?)\s+(?:win|be|finish|lead|have|make|qualify|advance|get|reach|"
    r"become|enter|visit|launch|acquire|resign|play|score|hit|close|dip|record)\b",
    re.IGNORECASE,
)
# Propositions without "Will" (Predict.fun, Limitless): "Trump out as President before 2027?",
# "Starmer to resign by June 30?": the capitalised name before the verb.
_NAMED_SUBJECT = compile_fast(
    r"^(?P<t>(?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*)\s+(?:out as|out by|out before|to (?:win|be|leave|"
    r"resign|step down|visit|acquire|become))\b"
)
# The capitalised words after "Will": who the proposition is about ("Will Logan Paul KO ...").
_LEAD = compile_fast(r"^[Ww]ill\s+(?:the\s+)?((?:[A-Z][\w.'’&-]*\s+){1,4})")
_COLON_OUTCOME = compile_fast(r"^(?P<topic>.+?):\s*(?P<t>[^:]+?)\s*$")
_NUMBER_WORDS = {"five": "5", "ten": "10", "twenty": "20"}
# Words of a contest with one winner (a race, a title, an award, a nomination).
_WINNING = compile_fast(
    r"\b(?:win|wins|won|winner|winners|champion|champions|championship|nominee|nomination|"
    r"primary|elected|mvp|award|trophy|finish first|be the next|next)\b"
)
_CANDLE = compile_fast(r"\bup or down\b", re.IGNORECASE)
_FIELD = compile_fast(r"\b(?:another|any other|other|field)\b", re.IGNORECASE)


def _looks_like_names(a: str, b: str) -> bool:
    """Both sides of an "X at Y" split read as names (short, capitalised, no question words)."""
    for part in (a, b):
        ws = part.split()
        if not 1 <= len(ws) <= 6 or not part[:1].isupper():
            return False
        if {"will", "the", "price", "above", "below", "temperature"} & set(fold(part).split()):
            return False
    return True


@functools.lru_cache(maxsize=1 << 16)
def split_fixture(text: str) -> tuple[str, str] | None:
    """The two sides of a fixture title ("A vs. B", "A at B", "League: A vs B (BO3) - Stage")."""
    core = _GAME_PREFIX.sub("", text.strip())
    for _ in range(3):
        rest = _PREFIX.sub("", core, count=1)
        if rest == core or not (re.search(_VS, rest, re.I) or re.search(r"\s+at\s+", rest)):
            break
        core = rest
    parts = re.split(_VS, core, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) == 2:
        a, b = parts
    else:
        at = re.split(r"\s+at\s+", core, maxsplit=1)
        if len(at) != 2:
            return None
        a, b = at
        b = _SUFFIX.sub("", b)
        if not _looks_like_names(a, b):
            return None
    a = re.sub(r"^will\s+", "", a.strip(), flags=re.IGNORECASE)
    for _ in range(3):
        b = _SUFFIX.sub("", b).strip()
    a, b = a.strip(" ?:-"), b.strip(" ?:-")
    if not a or not b or len(a) > 60 or len(b) > 60:
        return None
    return a, b


_STATES = frozenset(
    [
        "al",
        "ak",
        "az",
        "ar",
        "ca",
        "co",
        "ct",
        "de",
        "fl",
        "ga",
        "hi",
        "id",
        "il",
        "in",
        "ia",
        "ks",
        "ky",
        "la",
        "me",
        "md",
        "ma",
        "mi",
        "mn",
        "ms",
        "mo",
        "mt",
        "ne",
        "nv",
        "nh",
        "nj",
        "nm",
        "ny",
        "nc",
        "nd",
        "oh",
        "ok",
        "or",
        "pa",
        "ri",
        "sc",
        "sd",
        "tn",
        "tx",
        "ut",
        "vt",
        "va",
        "wa",
        "wv",
        "wi",
        "wy",
        "dc",
    ]
)
_GROUP = compile_fast(r"\bgroup ([a-l])\b")  # a tournament group: "Group A" -> "groupa"
_DISTRICT = compile_fast(r"\b([a-z]{2})-(\d{1,2}|al)\b")
# Dates, clock times and amounts are compared by dates.py and the lines, not as topic words.
_NOT_TOPIC = compile_fast(
    r"\b20\d\d-\d\d-\d\d\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?"
    r"(?:\s*[-–]\s*\d{1,2}(?:st|nd|rd|th)?\b)?(?:,? 20\d\d)?\b"
    r"|\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b(?:\s*(?:et|est|edt|utc))?"
    r"|[$€£]\s*\d[\d,]*(?:\.\d+)?\s*(?:k|m|b|bn|t|million|billion|trillion)?\b"
    r"|\b\d[\d,]*(?:\.\d+)?\s*(?:%|percent|bps|basis points)"
    r"|\b\d+\.\d+\b"
    r"|\b20\d\d\s*[-–/]\s*(?:20)?\d\d\b|\b20\d\d\b"
    r"|\btop (?:\d+|five|ten|twenty)\b|\bround \d\b|\br\d\b"
)
_ANY_DIGIT = compile_fast(r"\d")  # every _NOT_TOPIC form but "top five" holds a digit
_MONTH_WORDS = frozenset(
    [
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
        "et",
        "est",
        "edt",
        "utc",
    ]
)


def _district(m: re.Match[str]) -> str:
    state, number = m.group(1), m.group(2)
    if state not in _STATES:
        return m.group(0)
    seat = 0 if number == "al" else int(number)
    return f" district{state}{seat} {state}state "


# Polymarket's "Russia x Ukraine ceasefire": a lowercase x between two names joins them.
_BETWEEN_NAMES = compile_fast(r"(?<=[A-Za-z]) x (?=[A-Z])")


def topic_words(
    text: str, exclude: tuple[Name, ...] = (), aliases: AliasTable | None = None
) -> frozenset[str]:
    """Content words of `text`, aliases folded to their keys.

    Dropped: stopwords, month names, dates, clock times, amounts and years (compared elsewhere),
    and the words of the names in `exclude` (an outcome is not the topic). Kept: other numbers
    (`liga 1`, `top 10`, `season 23`), district codes (`AL-02` -> `districtal2` and the state).
    """
    table = aliases or default_aliases()
    t = fold(_BETWEEN_NAMES.sub(" ", text) if " x " in text else text)
    # Each substitution is skipped when its pattern cannot match (the same text, sooner).
    if "-" in t:
        t = _DISTRICT.sub(_district, t)
    if "group " in t:
        t = _GROUP.sub(lambda m: f" group{m.group(1)} ", t)
    if "top " in t or _ANY_DIGIT.search(t):
        t = _NOT_TOPIC.sub(" ", t)
    ws = words(t)
    dropped: set[str] = set()
    for name in exclude:
        dropped.update(words(name.text))
    out: set[str] = set()
    mentions = {m.start: m for m in table.scan(ws)}
    i = 0
    while i < len(ws):
        m = mentions.get(i)
        if m is not None:
            if not set(ws[m.start : m.end]) <= dropped:
                out.update(m.keys)
            i = m.end
            continue
        w = ws[i]
        i += 1
        if w.endswith("state") and w[:-5] in _STATES:
            out.add("state:" + w[:-5])
        elif w.isdigit():
            out.add(f"num:{int(w)}")  # "Big 12" is not "Big 10", "Season 23" not "Season 22"
        elif w not in STOPWORDS and w not in dropped and w not in _MONTH_WORDS:
            out.add(stem(w))
    return frozenset(out)


THRESHOLD = compile_fast(
    r"(?P<dir>\babove\b|\bover\b|\bhits?\b|\bat least\b|\bmore than\b|\bgreater than\b|\bexceed\w*|"
    r"\breach(?:es)?\b|\bhigh\)?|↑|\bbelow\b|\bunder\b|\bless than\b|\bfewer than\b|\bdip(?:s)? to\b|"
    r"\blow\)?|↓)\s*(?P<cur>[$€£])?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>k|m|b|bn|t|million|billion|"
    r"trillion|%)?(?![\w.])",
    re.IGNORECASE,
)
_UNITS = {
    "k": 1e3,
    "m": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}
_DOWN = ("below", "under", "less", "fewer", "dip", "low", "lower", "↓")


# The bar after the amount: "$1,000 or more", "6% or higher", "3 or fewer".
THRESHOLD_AFTER = compile_fast(
    r"(?P<cur>[$€£])?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>k|m|b|bn|t|million|billion|"
    r"trillion|%)?(?:\s+(?P<dir>or (?:more|above|higher|greater|over)|and (?:above|up|over)|"
    r"or (?:less|below|lower|fewer|under))\b|(?P<plus>\+)(?![\w.]))",
    re.IGNORECASE,
)


_TICKER_BAR = compile_fast(r"-T(\d+(?:\.\d+)?)$")


def ticker_threshold(ticker: str) -> tuple[float, bool] | None:
    """The bar a Kalshi threshold ticker names (`KXETHD-26MAY1017-T1499.99`: above $1,499.99, that
    is $1,500 or above) and whether the bar itself counts; None for other tickers."""
    m = _TICKER_BAR.search(ticker) if ticker else None
    if m is None:
        return None
    value = float(m.group(1))
    if m.group(1).partition(".")[2].startswith("99"):
        # "T1499.99" is the bar just below a round one: "1,500 or above".
        return float(math.ceil(value)), True
    return value, False


_RACE = compile_fast(
    r"\b[$€£]?\s*\d[\d,.]*\s*[kmb]?\s+or\s+[$€£]?\s*\d[\d,.]*\s*[kmb]?\s+first\b", re.IGNORECASE
)


def read_threshold(text: str) -> tuple[str, float] | None:
    """(">" or "<", amount) of a threshold question ("FDV above $500M", "dip to $38", "↑ $100",
    "$1,000 or more")."""
    m = THRESHOLD.search(text) or THRESHOLD_AFTER.search(text)
    if m is None:
        return None
    try:
        value = float(m.group("num").replace(",", ""))
    except ValueError:
        return None
    unit = (m.group("unit") or "").lower()
    value *= _UNITS.get(unit, 1.0)
    direction = (m.group("dir") or "more").lower().removeprefix("or ").removeprefix("and ")
    return ("<" if direction.startswith(_DOWN) else ">"), value


# A range: "between $4.50 and $4.75", "between 4.5-4.75%", "$114,000 to 114,999.99", "200-219".
_AMOUNT = r"[$€£]?\s*(\d[\d,]*(?:\.\d+)?)\s*(k|m|b|bn|million|billion|%)?"
_BETWEEN = compile_fast(rf"\bbetween\s+{_AMOUNT}\s*(?:and|-|–|to)\s*{_AMOUNT}", re.IGNORECASE)
_SPAN = compile_fast(rf"^\s*{_AMOUNT}\s*(?:-|–|to)\s*{_AMOUNT}\s*$", re.IGNORECASE)


def _amount(number: str, unit: str | None, other_unit: str | None) -> float | None:
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        return None
    return value * _UNITS.get((unit or other_unit or "").lower(), 1.0)


def read_bucket(text: str, whole: bool = False) -> tuple[float, float] | None:
    """The range a text names ("between $4.50 and $4.75"; a whole subtitle "$114,000 to
    114,999.99" when `whole`), low to high; None when it names none."""
    m = _BETWEEN.search(text) or (_SPAN.match(text) if whole else None)
    if m is None:
        return None
    n1, u1, n2, u2 = m.groups()
    low, high = _amount(n1, u1, u2), _amount(n2, u2, None)
    if low is None or high is None or not low < high:
        return None
    return low, high


# Bars that count the amount itself: "at least 6%", "reach $100k", "$1,000 or more", "dip to $38".
_INCLUSIVE = ("at least", "reach", "hit", "or ", "and ", "dip")


def bar_is_inclusive(text: str) -> bool:
    """Whether the threshold in `text` includes its amount ("at least 6%") rather than passing
    it ("above 6%")."""
    m = THRESHOLD.search(text) or THRESHOLD_AFTER.search(text)
    if m is not None and m.groupdict().get("plus"):
        return True  # "300+": 300 counts
    return m is not None and m.group("dir").lower().startswith(_INCLUSIVE)


_SLUG_DAY = compile_fast(r"20\d\d-\d\d-\d\d")


def _day_of(market: MarketText, dates: DateReading) -> date | None:
    """The day the market is about: ticker date, else a day in the text, else the structured one."""
    for ticker in (market.event_ticker, market.market_ticker):
        if ticker:
            reading = ticker_reading(ticker)
            if reading.day is not None:
                return reading.day
    if dates.day is not None:
        return dates.day
    if market.about is not None and market.about_precision in ("minute", "hour"):
        return eastern_day(market.about)
    if market.about is not None and market.about_precision == "day":
        return market.about.date()
    slug_day = _SLUG_DAY.search(market.slug)
    return read_dates(slug_day.group(0)).day if slug_day else None


def parse_card(market: MarketText, aliases: AliasTable | None = None) -> Card:
    """The card of one market."""
    table = aliases or default_aliases()
    question = market.question.strip()
    title = market.event_title.strip()
    full = " ".join(p for p in (title, question, market.group_item) if p)
    folded = fold(full)
    context_year = market.about.year if market.about else market.context_year
    dates = read_dates(question, context_year)
    if dates.empty and title:
        dates = read_dates(title, context_year)
    if market.group_item and dates.day is None and dates.deadline is None:
        # Kalshi says the deadline in the YES subtitle: "When will X ...?" / "Before 2027".
        sub = read_dates(market.group_item, context_year)
        if sub.deadline is not None or sub.day is not None:
            dates = replace(dates, deadline=sub.deadline, day=sub.day)
    if title and dates.deadline is not None:
        dates = monthly(dates, read_dates(title, context_year))
    if dates.hour is None and dates.start is None and market.event_ticker:
        # Kalshi's price ladders say the hour only in the ticker (`KXBTCD-25AUG0817`: 5 PM ET).
        hour = ticker_reading(market.event_ticker).hour
        if hour is not None and dates.day in (None, hour.date()):
            dates = replace(dates, hour=hour)
    day = _day_of(market, dates)
    esports = bool(ESPORTS_HINTS.search(folded))
    if _CANDLE.search(full):
        return _candle(market, full, dates, day, table, context_year)
    # Each kind's card is built once, with the market's year and start (no copy to set them).
    kickoff = _kickoff(market)
    card = _game(market, question, title, dates, day, esports, table, context_year, kickoff)
    if card is None:
        card = _contest(market, question, title, dates, day, table, context_year, kickoff)
    return card


def _kickoff(market: MarketText) -> datetime | None:
    """When the game starts, naive US Eastern: the ticker's time (`-26MAY101305`), else the
    venue's start time when it has one to the minute."""
    for ticker in (market.event_ticker, market.market_ticker):
        if ticker and (start := ticker_reading(ticker).start) is not None:
            return start
    if market.about is not None and market.about_precision in ("minute", "hour"):
        about = market.about if market.about.tzinfo else market.about.replace(tzinfo=UTC)
        return about.astimezone(EASTERN).replace(tzinfo=None)
    return None


_GAME_NUMBER = compile_fast(r"\bgame (\d+)\b", re.IGNORECASE)


def _game_number(text: str) -> int | None:
    """The game of a series a market is about ("Game 3"), None when it names none."""
    m = _GAME_NUMBER.search(text)
    return int(m.group(1)) if m else None


def amounts_of(*texts: str) -> frozenset[str]:
    """The amounts the texts name (strikes, counts, percentages; not dates, times or years)."""
    out: set[str] = set()
    for text in texts:
        if text:
            out.update(t for t in question_numbers(text) if number_kind(t) == NumberKind.AMOUNT)
    return frozenset(out)


def code_side(code: str, participants: tuple[Name, ...], table: AliasTable) -> Name | None:
    """The participant a ticker code names: by the tables' codes, by a key ending in the code
    (`country:esp`), or as the start or the initials of its name; None unless exactly one."""
    lowered = code.lower()
    known = table.codes(code)
    hits = [
        p
        for p in participants
        if (p.keys & known)
        or any(k.rsplit(":", 1)[-1] == lowered for k in p.keys)
        or (len(lowered) >= 3 and any(w.startswith(lowered) for w in p.words))
        or (len(p.words) >= 2 and "".join(w[0] for w in p.words) == lowered)
    ]
    return hits[0] if len(hits) == 1 else None


def _entities(text: str, table: AliasTable) -> frozenset[str]:
    return frozenset(k for m in table.scan(words(text)) for k in m.keys)


def _candle(
    market: MarketText,
    full: str,
    dates: DateReading,
    day: date | None,
    table: AliasTable,
    context_year: int | None,
) -> Card:
    assets = [k for m in table.scan(words(full), kinds=("asset",)) for k in m.keys]
    return Card(
        kind="candle",
        text=market.question,
        bet="up",
        day=day,
        dates=dates,
        asset=assets[0] if assets else "",
        entities=frozenset(assets),
        topic=topic_words(full, aliases=table),
        target_role="side" if fold(market.group_item or "") in ("up", "down") else "",
        context_year=context_year,
    )


def _game(
    market: MarketText,
    question: str,
    title: str,
    dates: DateReading,
    day: date | None,
    esports: bool,
    table: AliasTable,
    context_year: int | None,
    kickoff: datetime | None,
) -> Card | None:
    """A card for a market about a fixture, or None when no fixture is named."""
    q = question.strip()
    league = market.league.lower() or league_hint(market)
    namespaces = frozenset({league}) if league else None

    def name(text: str) -> Name:
        return make_name(text, table, namespaces)

    sides: tuple[str, str] | None = None
    target: str | None = None
    role = ""
    line: float | None = None
    score: tuple[int, int] | None = None
    bet = ""
    underdog = False  # a "+" spread line: the named side's cover, not its margin
    m = _LIMITLESS.match(q) or (_LIMITLESS.match(title) if title else None)
    if m is not None:
        sides = (m.group("a"), m.group("b"))
        out = m.group("out")
        if out:
            target, role = (None, "draw") if fold(out) in ("draw", "tie") else (out, "side")
        if day is None:
            day = read_dates(m.group("date")).day
    elif (m := _EXACT.search(q)) is not None:
        sides = (m.group("a"), m.group("b"))
        score = (int(m.group("sa")), int(m.group("sb")))
        bet = "exact_score"
    elif (m := _DRAW.match(q) or _HT_DRAW.match(q)) is not None:
        sides = (m.group("a"), m.group("b"))
        role = "draw"
    elif (m := _BOTH.match(q)) is not None:
        sides = (m.group("a"), m.group("b"))
        bet = "btts"
    elif (m := _WIN_MATCH.match(q)) is not None:
        sides = (m.group("a"), m.group("b"))
        target, role = m.group("t"), "side"
    elif (m := _WIN_AGAINST.match(q)) is not None:
        sides = (m.group("t"), m.group("o"))
        target, role = m.group("t"), "side"
    elif (m := _EITHER.match(q)) is not None:
        sides = (
            m.group("a"),
            m.group("b"),
        )  # "Will the Suns or the Jazz win their Jan 28th matchup?"
    else:
        for pattern in (_WIN_ON, _LEADING, _WIN_HALF, _BY_OVER, _SPREAD):
            m = pattern.search(q)
            if m is not None:
                target, role = m.group("t"), "side"
                if "line" in m.groupdict() and m.group("line"):
                    line = abs(float(m.group("line")))
                    underdog = m.group("line").startswith("+")
                break
        sides = split_fixture(q) or (split_fixture(title) if title else None)
        if underdog and target is not None:
            # "Spread: Bulls (+7.5)" backs the Bulls not losing by 7.5 or more: the negation of
            # the other side's margin, so the card is the other side's margin (and the Bulls
            # outcome its complement); without the sides it cannot be told.
            other = [s for s in sides or () if not same_name(name(s), name(target))]
            target = other[0] if len(other) == 1 else None
            role = "side" if target is not None else ""
        if target is None and split_fixture(q) is None and (pm := _PLAYER.match(q)) is not None:
            target, role = pm.group("t"), "player"
    if sides is None and target is None:
        return None
    if (
        sides is None
        and role != "player"
        and not (
            _WIN_ON.search(q)
            or _LEADING.search(q)
            or _BY_OVER.search(q)
            or _SPREAD.search(q)
            or _WIN_HALF.search(q)
        )
    ):
        return None
    folded_q = fold(q)
    folded_all = fold(" ".join((title, q)))
    if not bet:
        bet = bet_of(folded_q) or bet_of(fold(title)) or "winner"
    if bet == "winner" and market.sports_type:
        bet = {"spreads": "spread", "totals": "total", "moneyline": "winner"}.get(
            market.sports_type, bet
        )
    if role == "draw" and bet not in ("winner", "exact_score"):
        bet = "winner"
    if bet in ("total", "total_maps") and line is None:
        om = _OVER.search(q)
        if om is not None:
            line = float(om.group("line")) if om.group("line") else float(om.group("plus")) - 0.5
            role = role or "over"
        elif market.line is not None:
            line = market.line
    if role == "player":
        bet = "player_prop" if bet in ("", "winner", "total") else bet
        om = re.search(r"(\d+)\+", q)
        line = float(om.group(1)) - 0.5 if om else line
    if target is not None and phrase(target) in ("tie", "draw"):  # Kalshi "Will Tie win ...?"
        target, role = None, "draw"
    participants = tuple(name(s) for s in sides) if sides else ()
    target_name = name(target) if target else None
    if target_name is None and role == "" and market.market_ticker and not market.group_item:
        # Kalshi lists a game's outcomes as identical questions told apart by the ticker's
        # last part: KXLALIGAGAME-26MAY24BARVAL-BAR / -TIE / -VAL.
        code = market.market_ticker.rsplit("-", 1)[-1].upper()
        if code == "TIE":
            role = "draw"
        elif (side := code_side(code, participants, table)) is not None:
            target_name, role = side, "side"
    # Outcomes named after the sides (Polymarket "Spurs" / "Timberwolves") make a two-way market.
    if target_name is None and role == "" and participants and market.group_item:
        if phrase(market.group_item) in ("tie", "draw"):
            role = "draw"
        else:
            gi = name(market.group_item)
            target_name, role = (gi, "side") if not gi.empty else (None, "")
    period = period_of(folded_q) if period_of(folded_q) != "ft" else period_of(fold(title))
    # Both sides' leagues in common (the other side settles "Spurs": the NBA's, not Tottenham).
    leagues = [{k.split(":", 1)[0] for k in p.keys} for p in participants]
    common = set.intersection(*leagues) if len(leagues) == 2 else set()
    no_draw = (
        (bool(common) and common <= _NO_DRAW_TEAMS)
        or bool(_NO_DRAW_FORMAT.search(fold(" ".join((title, q, market.league)))))
        or any(part.split("-", 1)[0] in _NO_DRAW_SLUG for part in market.slug.split())
        or bool(_NO_DRAW_SERIES.match(market.event_ticker.upper()))
    )
    draw_possible = not no_draw or role == "draw" or "tie" in folded_all.split()
    return Card(
        kind="game",
        text=q,
        participants=participants,
        target=target_name,
        target_role=role,
        bet=bet,
        period=period,
        line=line,
        score=score,
        day=day,
        dates=dates,
        topic=topic_words(
            " ".join((title, q)),
            exclude=participants + ((target_name,) if target_name else ()),
            aliases=table,
        ),
        entities=_entities(" ".join((title, q)), table),
        draw_possible=draw_possible,
        esports=esports,
        game_number=None if esports else _game_number(" ".join((title, q))),
        context_year=context_year,
        kickoff=kickoff,
    )


def _contest(
    market: MarketText,
    question: str,
    title: str,
    dates: DateReading,
    day: date | None,
    table: AliasTable,
    context_year: int | None,
    kickoff: datetime | None,
) -> Card:
    """A card for a market that is not a fixture: who wins a contest, a proposition."""
    target: str | None = None
    role = ""
    m = _WILL_SUBJECT.search(question)
    if m is not None:
        target, role = m.group("t"), "side"
    elif (m2 := _COLON_OUTCOME.match(question)) is not None and len(m2.group("t").split()) <= 5:
        target, role = m2.group("t"), "side"
    elif (m3 := _NAMED_SUBJECT.match(question)) is not None:
        target, role = m3.group("t"), "side"
    # "Will Solana hit $60 or $140 first?" is a race between two bars, not a bar: no line.
    race = _RACE.search(question) is not None
    threshold = None if race else read_threshold(question)
    qualifier = bool(market.group_item) and (
        (threshold is None and read_threshold(market.group_item) is not None)
        or not read_dates(market.group_item, market.context_year).empty
    )
    bar_text = question
    inclusive: bool | None = None  # read from `bar_text` unless a ticker says it
    if threshold is None and qualifier:
        # Kalshi's ladders say the bar in the YES subtitle: "How high will X get?" / "Above 6%".
        threshold, bar_text = read_threshold(market.group_item), market.group_item
    if threshold is None and market.bucket is None and not qualifier:
        # "Ethereum price at May 10, 2026 at 5pm EDT?" says its bar only in the ticker (-T1499.99).
        from_ticker = ticker_threshold(market.market_ticker)
        if from_ticker is not None:
            bar, inclusive = from_ticker
            threshold = (">", bar)
    if market.group_item and not target and not qualifier:
        target, role = market.group_item, "side"
    if threshold is not None and role == "side" and market.group_item != target:
        # "Will US unemployment reach 6%?": the subject is a quantity, not an entrant; its words
        # are the topic ("How high will unemployment get?").
        target, role = None, ""
    if target is not None and _FIELD.search(target):
        role = "field"
    target_name = make_name(target, table) if target else None
    exclude = (target_name,) if target_name is not None and role == "side" else ()
    lead = _LEAD.match(question)
    # The threshold ("reach $100k", "above $500M") is compared as a line, not as topic words.
    topic_text = THRESHOLD_AFTER.sub(" ", THRESHOLD.sub(" ", " ".join((title, question))))
    topic_text = _BETWEEN.sub(" ", topic_text)
    bet = bet_of(fold(question)) or "winner"
    if bet == "winner" and not _WINNING.search(fold(" ".join((title, question)))):
        bet = "proposition"  # "Will X launch a token by ...?": no contest with one winner
    bucket = market.bucket or read_bucket(question)
    if bucket is None and market.group_item:
        bucket = read_bucket(market.group_item, whole=True)
    if bucket is not None:
        # A range is a bar of its own, and not an entrant: "Will a dozen eggs be between
        # $4.50-4.75?" is about eggs; the subtitle "$114,000 to 114,999.99" names no outcome.
        threshold = None
        if role == "side":
            target_name, role, exclude = None, "", ()
    line: float | None = None
    comparator = ""
    if threshold is not None:
        comparator, line = threshold
        bet = "threshold" if bet in ("winner", "proposition", "") else bet
    if bet == "top_n":
        rank = re.search(r"\btop (\d+|five|ten|twenty)\b", fold(" ".join((title, question))))
        if rank is not None:
            line = float(_NUMBER_WORDS.get(rank.group(1), rank.group(1)))
    return Card(
        kind="contest",
        text=question,
        target=target_name,
        target_role=role,
        bet=bet,
        period=period_of(fold(question)),
        line=line,
        comparator=comparator,
        inclusive=threshold is not None
        and (bar_is_inclusive(bar_text) if inclusive is None else inclusive),
        bucket=bucket,
        day=day,
        dates=dates,
        topic=topic_words(topic_text, exclude=exclude, aliases=table)
        | ({"word:race"} if race else set()),
        entities=_entities(" ".join((title, question)), table),
        amounts=amounts_of(question, market.group_item),
        lead=lead.group(1).strip() if lead else "",
        context_year=context_year,
        kickoff=kickoff,
    )
