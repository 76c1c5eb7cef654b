"""The numbers a market question mentions, normalised so that two phrasings of one compare equal.

Two questions that embed almost identically but name different numbers are different bets
("BTC above $100k" vs "$110k", "10:25PM-10:30PM" vs "10:30PM-10:35PM", "by June 30" vs "by July
31"). `question_numbers` extracts those numbers in one regex pass (~20 µs a question, run once per
market); `number_kind` tells which of four kinds a token is, because the matching filter compares
amounts strictly but dates, times and years only when both questions name one (filters.py).

| text                                   | numbers                        |
| -------------------------------------- | ------------------------------ |
| `BTC above $100k`                      | `100000`                       |
| `100,000` / `$100,000.00` / `100 thousand` | `100000`                   |
| `1.5M` / `$1.5 million`                | `1500000`                      |
| `$2t` / `2 trillion`                   | `2000000000000`                |
| `$50-100b` (the suffix covers the range) | `50000000000`, `100000000000` |
| `5%` / `5.0 percent`                   | `5%`                           |
| `25 bps` / `25 basis points`           | `0.25%`                        |
| `finish 1st` / `the 30th`              | `1st` / `30th`                 |
| `10:25PM-10:30PM ET`                   | `22:25`, `22:30`               |
| `10:30 AM ET` / `10PM` / `12 a.m.`     | `10:30` / `22:00` / `00:00`    |
| `June 30` / `Jun 30th` / `30 June`     | `06-30`                        |
| `Jun 30, 2026` / `2026-06-30`          | `06-30`, `y2026`               |
| `6/30` / `6/30/2026`                   | `06-30` / `06-30`, `y2026`     |
| `in 2026` / `2025-26 season`           | `y2026` / `y2025`, `y2026`     |
| `GTA 6` / `Q3` / `COVID-19`            | `6` / `3` / `19`               |
| `Philadelphia 76ers` / `3pt`           | nothing (digits glued to a word) |

Rules: a year is a bare four-digit integer from 1900 to 2100 (no currency sign, separator,
decimals or unit) or the year of a date; it is written `y2026` so it never equals the amount
`$2,026`. Amounts drop currency signs and trailing zeros. Signs, words ("one", "two"), Roman
numerals and month names without a day are out of scope; `hh:mm` without AM/PM is read as a
24-hour time unless a range end supplies the AM/PM. The result is a set: order and repeats are lost.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from itertools import pairwise

from dashboard_backend.matching.fast_re import compile_fast

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)"
_YEAR = r"(?:19|20)\d\d"
_ORDINALS = frozenset({"st", "nd", "rd", "th"})
_MULTIPLIERS = {
    "k": Decimal(10) ** 3,
    "thousand": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "million": Decimal(10) ** 6,
    "b": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "billion": Decimal(10) ** 9,
    "t": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
    "trillion": Decimal(10) ** 12,
}

# One pass, alternatives in priority order at each position (dates before times before numbers).
# The leading lookahead lets the scan skip, cheaply, positions where no alternative can start.
_TOKEN = compile_fast(
    rf"""
    (?=[\d$€£]|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))
    (?:
    (?<![\w.,])(?P<iy>{_YEAR})-(?P<im>\d\d?)-(?P<id>\d\d?)(?![\w-])
  | (?<![\w.,/])(?P<sm>\d\d?)/(?P<sd>\d\d?)(?:/(?P<sy>{_YEAR}))?(?![\w/])
  | \b(?P<mon>{_MONTH})\.?\s+(?P<md>\d\d?){_ORD}?(?![\w:])(?:,?\s+(?P<my>{_YEAR})(?!\w))?
  | (?<![\w.,])(?P<dd>\d\d?){_ORD}?\s+(?:of\s+)?(?P<mon2>{_MONTH})\b\.?(?:,?\s+(?P<dy>{_YEAR})(?!\w))?
  | (?<![\w.,:])(?P<th>\d\d?)(?::(?P<tm>\d\d))?\s*(?P<mer>[ap])\.?m\b\.?
  | (?<![\w.,:])(?P<hh>\d\d?):(?P<mm>\d\d)(?![\w:])
  | (?<![\d.,])(?P<cur>[$€£]\s?)?(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?:
        (?P<ord>{_ORD})(?![a-z])
      | \s*(?P<pct>%|percent\b|pct\b)
      | \s*(?P<bps>bps?|basis\s+points?)\b
      | (?P<suf>k|mn?|bn?|tn?)(?![a-z])
      | \s+(?P<word>thousand|million|billion|trillion)\b
      | (?![a-z\d])
    )
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
_DIGIT = compile_fast(r"\d")
# What may stand between the two ends of a range whose second end lends its unit to the first.
_RANGE_GAP = compile_fast(r"\s*(?:-|–|—|to)\s*", re.IGNORECASE)


class NumberKind(Enum):
    """The kinds the matching filter compares separately."""

    AMOUNT = "amount"
    DATE = "date"
    TIME = "time"
    YEAR = "year"


def number_kind(token: str) -> NumberKind:
    """The kind of a token produced by `question_numbers`, read off its shape.

    Only years start with `y`, only times hold `:` and only dates hold `-` (amounts carry no sign).
    """
    if token.startswith("y"):
        return NumberKind.YEAR
    if ":" in token:
        return NumberKind.TIME
    if "-" in token:
        return NumberKind.DATE
    return NumberKind.AMOUNT


@dataclass
class _Token:
    """One match before normalisation; `unit` and `meridiem` can be lent by a range end."""

    start: int
    end: int
    kind: NumberKind
    text: str  # normalised value, without the unit for amounts
    unit: str | None = None  # "%", a multiplier word, an ordinal suffix
    meridiem: str | None = None  # "a" / "p" for times
    hour: int = 0
    minute: int = 0
    bare: bool = False  # a plain integer with nothing around it (may be a short year)


def _decimal_text(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 1500000, 0.25, 82.5."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(month: int, day: int) -> str | None:
    return f"{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _tokens(text: str) -> list[_Token]:
    """The raw tokens of the single regex pass."""
    out: list[_Token] = []
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        g = m.groupdict()
        date: str | None = None
        year: str | None = None
        if g["iy"] is not None:
            date, year = _date(int(g["im"]), int(g["id"])), g["iy"]
        elif g["sm"] is not None:
            date, year = _date(int(g["sm"]), int(g["sd"])), g["sy"]
            if date is None:  # not a month/day: two plain numbers ("24/7")
                out.append(_Token(s, e, NumberKind.AMOUNT, str(int(g["sm"]))))
                out.append(_Token(s, e, NumberKind.AMOUNT, str(int(g["sd"]))))
                continue
        elif g["mon"] is not None:
            date, year = _date(_month(g["mon"]), int(g["md"])), g["my"]
        elif g["mon2"] is not None:
            date, year = _date(_month(g["mon2"]), int(g["dd"])), g["dy"]
        elif g["mer"] is not None or g["hh"] is not None:
            hour = int(g["th"] if g["mer"] is not None else g["hh"])
            minute = int((g["tm"] if g["mer"] is not None else g["mm"]) or 0)
            mer = g["mer"].lower() if g["mer"] is not None else None
            if minute < 60 and (hour <= 12 if mer else hour <= 24):
                out.append(_Token(s, e, NumberKind.TIME, "", None, mer, hour, minute))
            continue
        else:
            out.append(_number(m, s, e))
            continue
        if date is not None:
            out.append(_Token(s, e, NumberKind.DATE, date))
        if year is not None:
            out.append(_Token(s, e, NumberKind.YEAR, year))
    return out


def _number(m: re.Match[str], s: int, e: int) -> _Token:
    """A number token: a year when bare, four digits and within 1900-2100, else an amount."""
    g = m.groupdict()
    raw = g["num"].replace(",", "")
    if g["ord"] is not None and raw.isdigit():  # "0.5th" is no ordinal: kept as 0.5
        return _Token(s, e, NumberKind.AMOUNT, str(int(raw)), g["ord"].lower())
    if g["pct"] is not None:
        return _Token(s, e, NumberKind.AMOUNT, raw, "%")
    if g["bps"] is not None:
        return _Token(s, e, NumberKind.AMOUNT, raw, "bps")
    suffix = g["suf"] or g["word"]
    if suffix is not None:
        return _Token(s, e, NumberKind.AMOUNT, raw, suffix.lower())
    bare = g["cur"] is None and raw.isdigit() and "," not in g["num"]
    if bare and len(raw) == 4 and 1900 <= int(raw) <= 2100:
        return _Token(s, e, NumberKind.YEAR, raw)
    return _Token(s, e, NumberKind.AMOUNT, raw, bare=bare)


def _lend_range_units(text: str, tokens: list[_Token]) -> None:
    """`$50-100b`, `5-10%`, `10:25-10:30PM`, `2025-26`, `May 11-17`: one end completes the
    other."""
    for a, b in pairwise(tokens):
        if not _RANGE_GAP.fullmatch(text, a.end, b.start):
            continue
        if a.kind is NumberKind.AMOUNT and b.kind is NumberKind.AMOUNT:
            if a.unit is None and b.unit is not None and b.unit not in _ORDINALS:
                a.unit = b.unit
        elif a.kind is NumberKind.TIME and b.kind is NumberKind.TIME:
            if a.meridiem is None and b.meridiem is not None and 1 <= a.hour <= 12:
                a.meridiem = b.meridiem
        elif a.kind is NumberKind.DATE and b.kind is NumberKind.AMOUNT and b.bare:
            day = int(b.text) if b.text.isdigit() else 0
            if int(a.text[3:]) < day <= 31:  # a window of days: May 11-17
                b.kind, b.text = NumberKind.DATE, f"{a.text[:3]}{day:02d}"
        elif a.kind is NumberKind.YEAR and b.kind is NumberKind.AMOUNT and b.bare:
            next_year = int(a.text) + 1
            if len(b.text) == 2 and int(b.text) == next_year % 100:  # a season: 2025-26
                b.kind, b.text = NumberKind.YEAR, str(next_year)


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st: the suffix a question may have got wrong is not kept."""
    suffix = "th" if n % 100 in {11, 12, 13} else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _normalised(token: _Token) -> str:
    """The token's text in the output set."""
    if token.kind is NumberKind.YEAR:
        return f"y{token.text}"
    if token.kind is NumberKind.DATE:
        return token.text
    if token.kind is NumberKind.TIME:
        hour = token.hour
        if token.meridiem is not None:
            hour = hour % 12 + (12 if token.meridiem == "p" else 0)
        return f"{hour % 24:02d}:{token.minute:02d}"
    if token.unit in _ORDINALS:
        return _ordinal(int(token.text))
    value = Decimal(token.text)  # the regex only lets digits, one dot, through
    if token.unit == "%":
        return f"{_decimal_text(value)}%"
    if token.unit == "bps":
        return f"{_decimal_text(value / 100)}%"
    if token.unit is not None:
        value *= _MULTIPLIERS[token.unit]
    return _decimal_text(value)


@functools.lru_cache(maxsize=1 << 16)
def question_numbers(text: str) -> frozenset[str]:
    """The normalised numbers a question mentions (see the module docstring for the forms)."""
    if not _DIGIT.search(text):  # most of the cost is the scan; a third of questions have no digit
        return frozenset()
    tokens = _tokens(text)
    _lend_range_units(text, tokens)
    return frozenset(map(_normalised, tokens))
