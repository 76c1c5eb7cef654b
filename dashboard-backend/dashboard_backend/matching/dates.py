"""The dates a market is about, read from its words and tickers (not from its close time).

Venues close markets at unrelated times (a Kalshi game closes two weeks after tip-off, a House race
a year after the election), so the date a bet is *about* comes from what it says:

| text                                   | reading                                         |
| -------------------------------------- | ----------------------------------------------- |
| `May 17, 2026` / `2026-05-17` / `17 May` | day 2026-05-17 (year from the context if unsaid) |
| `by June 30` / `before Jan 20, 2029`   | deadline (`before` = the day before)             |
| `by 11:59 PM ET on Jul 31`             | deadline 07-31 (a time of the day, not a stated time) |
| `before 2027` / `by end of 2026` / `in 2026` | deadline 2026-12-31 / year 2026            |
| `May 11-17` / `May 5 - May 12`         | window of days                                   |
| `before July 2026` / `by July 2026`    | deadline 06-30 / 07-31                           |
| `10:25AM-10:30AM ET` / `4AM ET` / `7PM-7:15PM` | a clock window in US Eastern time        |
| `KXNBAGAME-26JAN11SASMIN`              | day 2026-01-11 (local); `26MAY131915` adds 19:15 |

All times are US Eastern unless the text says UTC; windows are naive Eastern datetimes so two
venues' spellings compare equal.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dashboard_backend.matching.fast_re import compile_fast
from dashboard_backend.matching.text import fold

EASTERN = ZoneInfo("America/New_York")

MONTHS = {
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
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ISO = compile_fast(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_MDY = compile_fast(
    _MONTH
    + r" (\d{1,2})(?:st|nd|rd|th)?(?:\s*[-–]\s*(\d{1,2})(?!\d|:|\s*(?:am|pm)))?(?:,? (20\d\d))?\b"
)
_MD_RANGE = compile_fast(
    _MONTH
    + r" (\d{1,2})(?:st|nd|rd|th)?\s*[-–]\s*"
    + _MONTH
    + r" (\d{1,2})(?:st|nd|rd|th)?(?:,? (20\d\d))?\b"
)
_DMY = compile_fast(r"\b(\d{1,2}) " + _MONTH + r"(?:,? (20\d\d))?\b")
_MONTH_YEAR = compile_fast(r"\b(?:in |of |during )?" + _MONTH + r"(?:,? (20\d\d))?\b")
_BY_YEAR = compile_fast(r"\b(before|by end of|by the end of|end of|by|in|during|for) (20\d\d)\b")
_SEASON = compile_fast(r"\b(20\d\d)\s*[-–/]\s*(20)?(\d\d)\b")
_YEAR = compile_fast(r"(?<![\d$.,])\b(20\d\d)\b(?![\d%])")
_CLOCK = r"(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)?"
_TIME_RANGE = compile_fast(r"\b" + _CLOCK + r"\s*[-–]\s*" + _CLOCK + r"\s*(et|est|edt|utc)?\b")
_TIME = compile_fast(r"\b(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)\s*(et|est|edt|utc)?\b")
_BY_WORD = compile_fast(r"\b(by|before|until|through|prior to|no later than)\s*$")
_DEADLINE_WORD = r"(by|before|until|prior to|no later than)"
# "before July 2026" / "by (the) end of June 2026": a deadline at a month's edge.
_BY_MONTH = compile_fast(r"\b" + _DEADLINE_WORD + r"(?: the)?(?: end of \s*|\s*)$")
# "by 11:59 PM ET on Jul 31": a deadline at a time of that day (the day itself counts).
_BY_TIME_ON = compile_fast(
    r"\b" + _DEADLINE_WORD + r"\s+" + _CLOCK + r"\s*(?:et|est|edt|utc)?\s*(?:on\s*)?$"
)
_TICKER = compile_fast(r"-(\d\d)([A-Z]{3})(\d\d)?(\d{4}|\d\d)?(?=[A-Z0-9]*(?:-|$))")


@dataclass(frozen=True)
class DateReading:
    """What a text says about when: a day, a deadline, a window, a year (any may be None)."""

    day: date | None = None  # the single day the bet is about ("on May 17", a game day)
    deadline: date | None = None  # last day that counts ("by June 30", "before 2027")
    first_day: date | None = None  # a window of days ("May 11-17")
    last_day: date | None = None
    start: datetime | None = None  # a clock window, naive US Eastern ("10:25AM-10:30AM ET")
    end: datetime | None = None
    hour: datetime | None = None  # a one-hour candle ("4AM ET")
    month: tuple[int, int] | None = None  # (year, month) when only a month is named ("in May")
    year: int | None = None  # a year or season end named alone ("in 2026", "2025-26")

    @property
    def empty(self) -> bool:
        """Nothing was read."""
        return self == DateReading()


def _month(token: str) -> int:
    return MONTHS[token[:3]]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(
    hour: str, minute: str | None, meridiem: str | None, fallback: str | None
) -> time | None:
    h, m = int(hour), int(minute or 0)
    mer = (meridiem or fallback or "").replace(".", "")
    if mer:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if mer == "pm" else 0)
    if h > 23 or m > 59:
        return None
    return time(h, m)


def eastern_day(moment: datetime) -> date:
    """The US Eastern calendar day of an aware (or UTC-naive) datetime."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(EASTERN).date()


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


@functools.lru_cache(maxsize=1 << 16)
def ticker_reading(ticker: str) -> DateReading:
    """The date in a Kalshi ticker: `-26MAY17` (day), `-26MAY131915` (day and ET time), `-27JAN`,
    `-26MAY1017` (day and the hour a price is read: 5 PM ET)."""
    for match in _TICKER.finditer(ticker.upper()):
        yy, mon, dd, hhmm = match.groups()
        if mon.lower() not in MONTHS:
            continue
        year, month = 2000 + int(yy), MONTHS[mon.lower()]
        if dd is None:
            return DateReading(month=(year, month))
        day = _safe_date(year, month, int(dd))
        if day is None:
            continue
        start = None
        if hhmm is not None and len(hhmm) == 2:
            hour = datetime.combine(day, time(int(hhmm))) if int(hhmm) < 24 else None
            return DateReading(day=day, hour=hour)
        if hhmm is not None and int(hhmm[:2]) < 24 and int(hhmm[2:]) < 60:
            start = datetime.combine(day, time(int(hhmm[:2]), int(hhmm[2:])))
        return DateReading(day=day, start=start)
    return DateReading()


@functools.lru_cache(maxsize=1 << 16)
def read_dates(text: str, context_year: int | None = None) -> DateReading:
    """What `text` says about dates; a day without a year takes `context_year`."""
    t = fold(text)
    day: date | None = None
    deadline: date | None = None
    first = last = None
    month: tuple[int, int] | None = None
    year: int | None = None
    spans: list[tuple[int, int]] = []

    def resolve(y: str | None) -> int | None:
        return int(y) if y else context_year

    for m in _ISO.finditer(t):
        d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d is not None:
            day = day or d
            spans.append(m.span())
    for m in _MD_RANGE.finditer(t):
        # "May 5 - May 12, 2026": a window across month names.
        mon1, dd1, mon2, dd2r, yy = m.groups()
        y = resolve(yy)
        if y is None:
            continue
        d1 = _safe_date(y, _month(mon1), int(dd1))
        d2 = _safe_date(y, _month(mon2), int(dd2r))
        if d1 is not None and d2 is not None and d2 > d1:
            first, last = d1, d2
            spans.append(m.span())
    for m in _MDY.finditer(t):
        if any(s <= m.start() < e for s, e in spans):
            continue
        mon, dd, dd2, yy = m.groups()
        y = resolve(yy)
        if y is None:
            continue
        d = _safe_date(y, _month(mon), int(dd))
        if d is None:
            continue
        spans.append(m.span())
        if dd2 is not None:
            d2 = _safe_date(y, _month(mon), int(dd2))
            if d2 is not None and d2 > d:
                first, last = d, d2
                continue
        if _BY_WORD.search(t[: m.start()]):
            before = t[: m.start()].rstrip().endswith("before")
            deadline = d - timedelta(days=1) if before else d
        elif _BY_TIME_ON.search(t[: m.start()]):
            deadline = d
        else:
            day = day or d
    for m in _DMY.finditer(t):
        if any(s <= m.start() < e for s, e in spans):
            continue
        dd, mon, yy = m.groups()
        y = resolve(yy)
        d = _safe_date(y, _month(mon), int(dd)) if y is not None else None
        if d is not None:
            spans.append(m.span())
            day = day or d
    for m in _BY_YEAR.finditer(t):
        word, yy = m.group(1), int(m.group(2))
        spans.append(m.span())
        if word == "before":
            deadline = deadline or date(yy - 1, 12, 31)
        elif word in ("by", "by end of", "by the end of", "end of"):
            deadline = deadline or date(yy, 12, 31)
        else:
            year = year or yy
    for m in _SEASON.finditer(t):
        if (int(m.group(1)) + 1) % 100 == int(m.group(3)):
            year = year or int(m.group(1)) + 1  # a season is named by the year it ends
            spans.append(m.span())
    if day is None and deadline is None and first is None:
        for m in _MONTH_YEAR.finditer(t):
            if any(s <= m.start() < e for s, e in spans):
                continue
            mon, yy = m.groups()
            # "may" is also a verb: a month only after in/during/of or before a year.
            if mon == "may" and not yy and not m.group(0).startswith(("in ", "during ", "of ")):
                continue
            y = resolve(yy)
            if y is not None:
                lead = "of " if m.group(0).startswith("of ") else ""  # "by end *of* June"
                by = _BY_MONTH.search(t[: m.start()] + lead)
                if by is not None and not m.group(0).startswith(("in ", "during ")):
                    spans.append(m.span())
                    # "before July 2026": by June 30; "by July 2026": by July 31.
                    if by.group(1) == "before":
                        deadline = date(y, _month(mon), 1) - timedelta(days=1)
                    else:
                        deadline = month_end(y, _month(mon))
                    break
                month = (y, _month(mon))
                break
    if year is None:
        for m in _YEAR.finditer(t):
            if not any(s <= m.start() < e for s, e in spans):
                year = int(m.group(1))
                break
    start, end, hour = _clock_window(t, day)
    return DateReading(day, deadline, first, last, start, end, hour, month, year)


def _clock_window(
    t: str, day: date | None
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """A clock window ("10:25AM-10:30AM ET") or a one-hour mark ("4AM ET") on `day`."""
    if day is None:
        return None, None, None
    m = _TIME_RANGE.search(t)
    if m is not None and (m.group(3) or m.group(6)):
        end_t = _clock(m.group(4), m.group(5), m.group(6), m.group(3))
        start_t = _clock(m.group(1), m.group(2), m.group(3), m.group(6))
        if start_t is not None and end_t is not None:
            start = datetime.combine(day, start_t)
            end = datetime.combine(day, end_t)
            if end <= start:
                end += timedelta(days=1)
            return start, end, None
    m2 = _TIME.search(t)
    if m2 is not None:
        at = _clock(m2.group(1), m2.group(2), m2.group(3), None)
        if at is not None:
            return None, None, datetime.combine(day, at)
    return None, None, None


def monthly(dates: DateReading, title: DateReading) -> DateReading:
    """A deadline on the last day of the month the event's title names is that month ("Will SOL
    be below $35 by 11:59 PM ET on Jul 31?" under "How low will Solana get in July?": the
    venue's monthly ladder, from July 1), not every day up to it."""
    if dates.deadline is None or dates.day is not None or dates.month is not None:
        return dates
    if title.month is None or dates.deadline != month_end(*title.month):
        return dates
    return replace(dates, deadline=None, month=title.month)
