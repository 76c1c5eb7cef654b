"""Kalshi trade API v2 payloads -> domain models (pure, no I/O).

Markets come nested in events (`GET /events?status=open&with_nested_markets=true`) or alone
(`GET /markets`). Each market becomes a `MarketDocument` with outcomes "Yes" and "No" (tokens
`kalshi:TICKER:yes` / `:no`); `yes_sub_title` is kept as context, never as an outcome name, and
`no_sub_title` is ignored (in sports it often repeats `yes_sub_title`: polarity is never inferred
from it). Prices come from the `*_dollars` strings, sizes from the `*_fp` strings; the legacy
integer-cent fields are read only when the dollar field is absent. A price of 0 (bid) or 1 (ask)
means the side is empty. `category` lives on the event and is mapped onto the shared vocabulary.

A mutually exclusive event plays the role of a Polymarket negRisk event (`neg_risk`, group key
`kalshi:EVENT`), but buying YES on every market only pays when the event is also exhaustive, which
Kalshi does not state. It is taken as exhaustive when its markets cover a number line (strike
buckets from "less" to "greater" without gaps), when one market is a catch-all ("Other",
"Someone else", ...), or when its series is a game whose result cannot be a tie
(`EXHAUSTIVE_SERIES`); otherwise it is marked `neg_risk_augmented` (an implicit "Other") and never
reported as a buy-all.

Order books (`GET /markets/{ticker}/orderbook`) list bids only, for YES and for NO: the YES ask
at 1 − p holds the size of the NO bid at p, and the reverse, so each side's book is built whole.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from dashboard_backend.categories import derive_category
from dashboard_backend.errors import ParseError
from dashboard_backend.models import BookLevel, MarketDocument, OrderBook, Outcome

VENUE = "kalshi"
KALSHI_WEB = "https://kalshi.com"
RawDict = Mapping[str, Any]

# Game series whose result is one of the listed teams (no tie is possible).
EXHAUSTIVE_SERIES = frozenset(
    {"KXNBAGAME", "KXWNBAGAME", "KXMLBGAME", "KXNHLGAME", "KXNCAAMBGAME", "KXNCAAWBGAME"}
)
_CATCH_ALL = re.compile(
    r"^\s*(other|others|someone else|anyone else|none of the above|no one|nobody|any other)\b",
    re.IGNORECASE,
)
# Prices have at most 4 decimals (0.1¢ ticks near the tails); derived prices are rounded to that.
_PRICE_DIGITS = 4
OPEN_STATUSES = frozenset({"active", "open"})


class MarketParseError(ParseError):
    """A market that cannot be turned into a document; `reason` is a short stable label."""

    def __init__(self, ticker: str | None, reason: str):
        super().__init__(f"kalshi market {ticker or '?'}: {reason}")
        self.ticker = ticker
        self.reason = reason


def market_id(ticker: str) -> str:
    """Our id of a Kalshi market."""
    return f"{VENUE}:{ticker}"


def token_id(ticker: str, side: str) -> str:
    """Our token id of one side ("yes" / "no") of a Kalshi market."""
    return f"{VENUE}:{ticker}:{side}"


def ticker_of(token: str) -> tuple[str, str]:
    """(ticker, side) of one of our Kalshi token ids; ParseError when it is not one."""
    venue, _, rest = token.partition(":")
    ticker, _, side = rest.rpartition(":")
    if venue != VENUE or not ticker or side not in ("yes", "no"):
        raise ParseError(f"not a Kalshi token id: {token!r}")
    return ticker, side


def is_parlay(raw: RawDict) -> bool:
    """A multivariate (parlay) market: `KXMVE...` tickers, or the mve fields set."""
    ticker = str(raw.get("ticker") or "")
    return (
        ticker.startswith("KXMVE")
        or bool(raw.get("mve_collection_ticker"))
        or bool(raw.get("mve_selected_legs"))
    )


def is_open(raw: RawDict) -> bool:
    """Trading now (status `active`, as `/events?status=open` reports its markets)."""
    return str(raw.get("status") or "").lower() in OPEN_STATUSES


def dollars(raw: RawDict, key: str) -> float | None:
    """A price from `{key}_dollars` ("0.4100"), else the legacy integer cents `{key}`."""
    value = _number(raw.get(f"{key}_dollars"))
    if value is None:
        cents = _number(raw.get(key))
        value = None if cents is None else cents / 100.0
    return value


def fixed_point(raw: RawDict, key: str) -> float | None:
    """A count from `{key}_fp` ("1234.00"), else the legacy integer `{key}`."""
    value = _number(raw.get(f"{key}_fp"))
    return value if value is not None else _number(raw.get(key))


def parse_market(
    raw: RawDict, event: RawDict | None = None, now: datetime | None = None
) -> MarketDocument:
    """One Kalshi market (with its event, when known) as a document; MarketParseError if bad."""
    ticker = raw.get("ticker")
    if not isinstance(ticker, str) or not ticker.strip():
        raise MarketParseError(None, "missing ticker")
    ticker = ticker.strip()
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise MarketParseError(ticker, "missing title")
    ev = event or {}
    event_ticker = _text(raw.get("event_ticker")) or _text(ev.get("event_ticker"))
    series = _text(ev.get("series_ticker")) or (
        event_ticker.split("-")[0] if event_ticker else None
    )
    yes_bid, yes_ask = _bid(dollars(raw, "yes_bid")), _ask(dollars(raw, "yes_ask"))
    no_bid, no_ask = _bid(dollars(raw, "no_bid")), _ask(dollars(raw, "no_ask"))
    # Older payloads state YES prices only; the NO side mirrors them (a YES bid is a NO ask).
    if "no_ask_dollars" not in raw and "no_ask" not in raw and yes_bid is not None:
        no_ask = round_price(1.0 - yes_bid)
    if "no_bid_dollars" not in raw and "no_bid" not in raw and yes_ask is not None:
        no_bid = round_price(1.0 - yes_ask)
    last = dollars(raw, "last_price")
    outcomes = (
        Outcome(
            name="Yes",
            token_id=token_id(ticker, "yes"),
            price=last if last else None,
            best_bid=yes_bid,
            best_ask=yes_ask,
        ),
        Outcome(
            name="No",
            token_id=token_id(ticker, "no"),
            price=round_price(1.0 - last) if last else None,
            best_bid=no_bid,
            best_ask=no_ask,
        ),
    )
    event_title = _text(ev.get("title"))
    rules = "\n\n".join(
        t for t in (_text(raw.get("rules_primary")), _text(raw.get("rules_secondary"))) if t
    )
    category = derive_category(
        _text(ev.get("category")) or _text(raw.get("category")), [event_title, title, series]
    )
    return MarketDocument(
        venue=VENUE,
        id=market_id(ticker),
        condition_id=ticker,
        question=title.strip(),
        description=_text(raw.get("rules_primary")) or "",
        slug=ticker.lower(),
        url=market_url(series, event_ticker),
        outcomes=outcomes,
        category=category,
        tags=tuple(t for t in (_text(ev.get("category")),) if t),
        event_id=event_ticker,
        event_title=event_title,
        group_item_title=_text(raw.get("yes_sub_title")),
        close_time=_datetime(raw.get("close_time")),
        liquidity=dollars(raw, "liquidity") or 0.0,
        volume=fixed_point(raw, "volume") or 0.0,
        volume_24h=fixed_point(raw, "volume_24h") or 0.0,
        tick_size=_tick_size(raw),
        min_order_size=1.0,  # one contract
        accepting_orders=is_open(raw),
        updated_at=now or datetime.now(UTC),
        rules=rules or None,
        strike_type=_text(raw.get("strike_type")),
        line=_number(raw.get("floor_strike")),
        floor_strike=_number(raw.get("floor_strike")),
        cap_strike=_number(raw.get("cap_strike")),
        series_ticker=series,
        expiration_time=_datetime(raw.get("expected_expiration_time"))
        or _datetime(raw.get("expiration_time")),
        yes_sub_title=_text(raw.get("yes_sub_title")),
    ).with_signature()


def parse_event(
    raw_event: RawDict, now: datetime | None = None
) -> tuple[list[MarketDocument], dict[str, int]]:
    """The open, non-parlay markets of an event with nested markets, and skip reasons counted.

    Markets of a mutually exclusive event are grouped (`neg_risk`), and flagged augmented unless
    the event is provably exhaustive (module docstring).
    """
    reasons: dict[str, int] = {}
    nested = raw_event.get("markets")
    if not isinstance(nested, list):
        return [], {"event without markets": 1}
    docs: list[MarketDocument] = []
    open_raw: list[RawDict] = []
    for raw in nested:
        if not isinstance(raw, Mapping):
            reasons["not an object"] = reasons.get("not an object", 0) + 1
            continue
        if is_parlay(raw) or not is_open(raw):
            continue
        try:
            docs.append(parse_market(raw, raw_event, now))
        except MarketParseError as exc:
            reasons[exc.reason] = reasons.get(exc.reason, 0) + 1
            continue
        open_raw.append(raw)
    if raw_event.get("mutually_exclusive") is True and len(docs) >= 2:
        event_ticker = _text(raw_event.get("event_ticker")) or docs[0].event_id or ""
        exhaustive = is_exhaustive(raw_event, open_raw, nested)
        members = tuple(d.id for d in docs)
        docs = [
            d.model_copy(
                update={
                    "neg_risk": True,
                    "neg_risk_market_id": market_id(event_ticker),
                    "neg_risk_augmented": not exhaustive,
                    "event_market_ids": members,
                }
            )
            for d in docs
        ]
    return docs, reasons


def is_exhaustive(
    raw_event: RawDict, open_markets: Sequence[RawDict], all_markets: Sequence[object]
) -> bool:
    """Whether exactly one of the event's open markets must resolve YES (module docstring)."""
    if len(open_markets) != sum(1 for m in all_markets if isinstance(m, Mapping)):
        return False  # some member is closed or settled: the open ones alone may all lose
    series = _text(raw_event.get("series_ticker")) or ""
    if series in EXHAUSTIVE_SERIES and len(open_markets) >= 2:
        return True
    if any(_CATCH_ALL.match(str(m.get("yes_sub_title") or "")) for m in open_markets):
        return True
    return _covers_number_line(open_markets)


def _covers_number_line(markets: Iterable[RawDict]) -> bool:
    """Strike buckets that tile the whole line: (-inf, a), [a, b], ..., (z, +inf)."""
    spans: list[tuple[float, float]] = []
    for m in markets:
        floor, cap = _number(m.get("floor_strike")), _number(m.get("cap_strike"))
        kind = str(m.get("strike_type") or "")
        if kind in ("less", "less_or_equal") and cap is not None:
            spans.append((-math.inf, cap))
        elif kind in ("greater", "greater_or_equal") and floor is not None:
            spans.append((floor, math.inf))
        elif kind == "between" and floor is not None and cap is not None:
            spans.append((floor, cap))
        else:
            return False
    spans.sort()
    if not spans or spans[0][0] != -math.inf or spans[-1][1] != math.inf:
        return False
    # Kalshi buckets are stated on whole units ("between 70 and 71" then "72 to 73"): a gap of at
    # most one unit between neighbours is contiguous for integer-valued outcomes.
    return all(b[0] - a[1] <= 1.0 + 1e-9 for a, b in itertools.pairwise(spans))


def parse_orderbook(
    raw: object, ticker: str, timestamp: int | None = None
) -> tuple[OrderBook, OrderBook]:
    """The YES and NO books of a market from its bids-only order book (asks derived).

    Kalshi states no time on a book: `timestamp` (ms) is when it was fetched, so its age is known.
    """
    if not isinstance(raw, Mapping):
        raise ParseError(f"kalshi orderbook {ticker}: not an object")
    book = raw.get("orderbook_fp")
    cents = False
    if not isinstance(book, Mapping):
        book = raw.get("orderbook")
        cents = True
        if not isinstance(book, Mapping):
            raise ParseError(f"kalshi orderbook {ticker}: no orderbook_fp")
    if cents:
        yes = _levels(book.get("yes"), ticker, scale=0.01)
        no = _levels(book.get("no"), ticker, scale=0.01)
    else:
        yes = _levels(book.get("yes_dollars", book.get("yes")), ticker)
        no = _levels(book.get("no_dollars", book.get("no")), ticker)
    return books_from_bids(ticker, yes, no, timestamp)


def books_from_bids(
    ticker: str,
    yes_bids: Mapping[float, float],
    no_bids: Mapping[float, float],
    timestamp: int | None = None,
) -> tuple[OrderBook, OrderBook]:
    """YES and NO OrderBooks from the two bid sides: each side's asks mirror the other's bids."""

    def side(bids: Mapping[float, float], other: Mapping[float, float], name: str) -> OrderBook:
        return OrderBook(
            token_id=token_id(ticker, name),
            market=ticker,
            bids=tuple(BookLevel(price=p, size=s) for p, s in sorted(bids.items(), reverse=True)),
            asks=tuple(
                BookLevel(price=round_price(1.0 - p), size=s)
                for p, s in sorted(other.items(), reverse=True)
            ),
            min_order_size=1.0,
            timestamp=timestamp,
        )

    return side(yes_bids, no_bids, "yes"), side(no_bids, yes_bids, "no")


def market_url(series: str | None, event_ticker: str | None) -> str:
    """The market's page on kalshi.com."""
    if series and event_ticker:
        return f"{KALSHI_WEB}/markets/{series.lower()}/{event_ticker.lower()}"
    if event_ticker:
        return f"{KALSHI_WEB}/markets/{event_ticker.lower()}"
    return KALSHI_WEB


def _levels(value: object, ticker: str, scale: float = 1.0) -> dict[float, float]:
    """Bid levels `[[price, size], ...]` (strings or numbers) -> price -> size (positive only)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise ParseError(f"kalshi orderbook {ticker}: a side is not a list")
    out: dict[float, float] = {}
    for level in value:
        if not isinstance(level, list | tuple) or len(level) < 2:
            raise ParseError(f"kalshi orderbook {ticker}: bad level {level!r}")
        price, size = _number(level[0]), _number(level[1])
        if price is None or size is None:
            raise ParseError(f"kalshi orderbook {ticker}: bad level {level!r}")
        price = round_price(price * scale)
        if 0.0 < price < 1.0 and size > 0.0:
            out[price] = out.get(price, 0.0) + size
    return out


def round_price(price: float) -> float:
    """A price on the 4-decimal grid (derived 1 − p prices carry float noise otherwise)."""
    return round(price, _PRICE_DIGITS)


def _bid(price: float | None) -> float | None:
    return price if price is not None and 0.0 < price < 1.0 else None


def _ask(price: float | None) -> float | None:
    return price if price is not None and 0.0 < price < 1.0 else None


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _tick_size(raw: RawDict) -> float | None:
    ranges = raw.get("price_ranges")
    if isinstance(ranges, list) and ranges and isinstance(ranges[0], Mapping):
        step = _number(ranges[0].get("step"))
        if step:
            return step
    structure = str(raw.get("price_level_structure") or "")
    if structure == "deci_cent":
        return 0.001
    tick = _number(raw.get("tick_size"))
    return tick / 100.0 if tick else None
