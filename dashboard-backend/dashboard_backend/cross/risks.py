"""Settlement risks of a cross-market trade, read from the two markets' rules (pure, no I/O).

A portfolio's guarantee assumes the two markets settle the same way. Their rules can still
differ in ways a title does not show; each difference found is one plain sentence, shown to the
trader beside the opportunity, never used to hide it:

- the resolution sources named (sites, exchanges, agencies, leagues) differ;
- the deadlines differ (close times, or the dates the rules name);
- the threshold wording differs ("above" vs "at or above": a value exactly at the line);
- one reads the value at any time (touch, reach, dip to) and the other at one moment (close);
- one can resolve 50-50 or to an unlisted outcome, so a share may pay less than $1.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard_backend.models import MarketDocument

# Close times further apart than this are a different deadline, not clock noise.
DEADLINE_TOLERANCE = timedelta(hours=1)

_URL = re.compile(r"https?://(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)
# Named sources traders meet in rules texts; matched as whole words, case-insensitively.
_NAMED_SOURCES = (
    "Associated Press",
    "Binance",
    "Bitstamp",
    "Bloomberg",
    "BLS",
    "Bureau of Labor Statistics",
    "Bureau of Economic Analysis",
    "CF Benchmarks",
    "Chainlink",
    "CME",
    "Coinbase",
    "CoinGecko",
    "CoinMarketCap",
    "Decision Desk",
    "ESPN",
    "FIFA",
    "FRED",
    "Kraken",
    "MLB",
    "NBA",
    "NFL",
    "NHL",
    "NOAA",
    "National Weather Service",
    "Pyth",
    "Reuters",
    "UFC",
    "Weather Underground",
    "Yahoo Finance",
)
_SOURCE_WORDS = re.compile(
    r"\b(" + "|".join(re.escape(s) for s in _NAMED_SOURCES) + r")\b", re.IGNORECASE
)
_CANONICAL = {s.lower(): s for s in _NAMED_SOURCES}

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE
)

_INCLUSIVE = re.compile(
    r"\b(at or above|at or below|or more|or higher|or greater|or less|or lower|at least|"
    r"at most|greater than or equal|less than or equal|no less than|no more than)\b|[≥≤]",
    re.IGNORECASE,
)
_STRICT = re.compile(
    r"\b(above|below|greater than|more than|less than|higher than|lower than|exceeds?|"
    r"exceeding)\b",
    re.IGNORECASE,
)
_ANY_TIME = re.compile(
    r"\b(at any (?:time|point|moment)|any (?:1|one)-minute|intraday|reach(?:es)?|hits?|"
    r"touch(?:es)?|dips? to|trades? (?:at|above|below))\b",
    re.IGNORECASE,
)
_AT_CLOSE = re.compile(
    r"\b(at (?:the )?close|closing (?:price|value|level)|close of trading|settlement (?:price|"
    r"value)|final (?:price|value|reading)|at expiration|as of \d{1,2}(?::\d{2})?\s*[ap]\.?m)\b",
    re.IGNORECASE,
)
_PARTIAL = re.compile(r"\b(50-50|fifty-fifty|50/50)\b|resolve to [\"“']?other\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Rules:
    """What the comparison reads of a market."""

    venue: str
    question: str
    description: str
    close_time: datetime | None


def _label(doc: _Rules, other: _Rules, first: bool) -> str:
    if doc.venue != other.venue:
        return doc.venue.capitalize()
    return "the first market" if first else "the second market"


def _sources(text: str) -> set[str]:
    found = {m.group(1).lower() for m in _URL.finditer(text)}
    found.update(_CANONICAL[m.group(1).lower()] for m in _SOURCE_WORDS.finditer(text))
    return found


_MONTH_NUMBER = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}


def _dates(text: str) -> set[tuple[int, int]]:
    """(month, day) of every date the text names; years are left aside, since a question
    often leaves unsaid the year its rules state."""
    return {(_MONTH_NUMBER[m[:3].lower()], int(d)) for m, d, _year in _DATE.findall(text)}


def _date_list(dates: set[tuple[int, int]]) -> str:
    names = list(_MONTH_NUMBER)
    return ", ".join(f"{names[m - 1].title()} {d}" for m, d in sorted(dates))


def _threshold(text: str) -> str | None:
    """'inclusive', 'strict' or None, from the first comparison the rules make."""
    inclusive = _INCLUSIVE.search(text)
    if inclusive is not None:
        return "inclusive"
    return "strict" if _STRICT.search(text) is not None else None


def _reading(text: str) -> str | None:
    """'any time', 'at close' or None (both or neither stated)."""
    touch = _ANY_TIME.search(text) is not None
    close = _AT_CLOSE.search(text) is not None
    if touch == close:
        return None
    return "any time" if touch else "at close"


def _contrast(
    va: str | None, vb: str | None, value: str, la: str, lb: str
) -> tuple[str, str] | None:
    """(the label reading `value`, the other label) when both readings are known and differ."""
    if va is None or vb is None or va == vb:
        return None
    return (la, lb) if va == value else (lb, la)


def _rules(doc: _Rules) -> str:
    return f"{doc.question}\n{doc.description}"


def _when(value: datetime) -> str:
    return value.strftime("%d %b %Y %H:%M %Z").strip()


def settlement_risks(a: MarketDocument, b: MarketDocument) -> tuple[str, ...]:
    """Plain-words differences between how A and B settle (empty when none is found)."""
    # Rules change far less often than books: read each pair's texts once, not per book tick.
    return _risks_of(_rules_key(a), _rules_key(b))


_RulesKey = tuple[str, str, str, datetime | None]


def _rules_key(doc: MarketDocument) -> _RulesKey:
    return (doc.venue, doc.question, doc.description, doc.close_time)


@functools.lru_cache(maxsize=16_384)
def _risks_of(ka: _RulesKey, kb: _RulesKey) -> tuple[str, ...]:
    a = _Rules(*ka)
    b = _Rules(*kb)
    la, lb = _label(a, b, True), _label(b, a, False)
    ra, rb = _rules(a), _rules(b)
    risks: list[str] = []

    sa, sb = _sources(ra), _sources(rb)
    if sa and sb and sa != sb:
        risks.append(
            f"Different resolution sources: {la} names {', '.join(sorted(sa))}; "
            f"{lb} names {', '.join(sorted(sb))}."
        )
    elif sa != sb:
        named, label, silent = (sa, la, lb) if sa else (sb, lb, la)
        risks.append(
            f"Only {label} names its resolution source ({', '.join(sorted(named))}); "
            f"{silent}'s rules do not say which it uses."
        )

    if a.close_time is not None and b.close_time is not None:
        if abs(a.close_time - b.close_time) > DEADLINE_TOLERANCE:
            risks.append(
                f"Different deadlines: {la} closes {_when(a.close_time)}, "
                f"{lb} closes {_when(b.close_time)}."
            )
    elif (a.close_time is None) != (b.close_time is None):
        risks.append(f"Only one market states a close time ({la if a.close_time else lb}).")
    da, db = _dates(ra), _dates(rb)
    if da and db and da != db:
        risks.append(
            f"The rules name different dates: {la} {_date_list(da)}; {lb} {_date_list(db)}."
        )

    sides = _contrast(_threshold(ra), _threshold(rb), "strict", la, lb)
    if sides is not None:
        risks.append(
            f"Threshold wording differs: {sides[0]} needs the value strictly past the line, "
            f"{sides[1]} also counts a value exactly at it."
        )
    sides = _contrast(_reading(ra), _reading(rb), "any time", la, lb)
    if sides is not None:
        risks.append(
            f"{sides[0]} settles on the level being reached at any time; {sides[1]} reads it at "
            f"one moment (the close): a brief spike pays one and not the other."
        )

    for doc, label in ((a, la), (b, lb)):
        if _PARTIAL.search(doc.description):
            risks.append(
                f"{label} can resolve 50-50 or to an unlisted outcome, where a share pays "
                f"less than $1."
            )
    return tuple(r[0].upper() + r[1:] for r in risks)
