"""Pure conversion of raw Gamma market/event dicts into MarketDocument (no I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from dashboard_backend.categories import derive_category
from dashboard_backend.errors import ParseError
from dashboard_backend.models import MarketDocument, Outcome
from dashboard_backend.venues.polymarket.coerce import to_number, to_positive

POLYMARKET_WEB = "https://polymarket.com"

RawDict = Mapping[str, Any]


class MarketParseError(ParseError):
    """A raw market that cannot become a MarketDocument; `reason` is a stable key for counts."""

    def __init__(self, market_id: str | None, reason: str, detail: str = ""):
        where = f"market {market_id}" if market_id else "market"
        super().__init__(f"{where}: {reason}" + (f" ({detail})" if detail else ""))
        self.market_id = market_id
        self.reason = reason


def parse_market(
    raw: RawDict, event: RawDict | None = None, now: datetime | None = None
) -> MarketDocument:
    """Turn one raw Gamma market (optionally with its event) into a signed MarketDocument.

    Raises ParseError when the market cannot be traded or identified.
    """
    if not isinstance(raw, Mapping):
        raise MarketParseError(None, "not an object", type(raw).__name__)
    market_id = _required_str(raw, "id")
    condition_id = _required_str(raw, "conditionId", market_id)
    question = _required_str(raw, "question", market_id)
    ev = event if event is not None else _first_event(raw)

    names = _string_list(raw.get("outcomes"), "outcomes", market_id)
    tokens = _string_list(raw.get("clobTokenIds"), "clobTokenIds", market_id)
    if len(names) < 2:
        raise MarketParseError(market_id, "fewer than 2 outcomes", str(names))
    if not tokens:
        raise MarketParseError(market_id, "no clobTokenIds")
    if len(names) != len(tokens):
        raise MarketParseError(
            market_id,
            "outcomes and clobTokenIds differ in length",
            f"{len(names)} outcomes, {len(tokens)} tokens",
        )
    if any(not t.strip() for t in tokens):
        raise MarketParseError(market_id, "empty clobTokenId")
    prices = _prices(raw.get("outcomePrices"), len(names))
    outcomes = _outcomes(names, tokens, prices, raw)

    slug = _opt_str(raw.get("slug")) or ""
    event_slug = _opt_str(ev.get("slug")) if ev else None
    tags = _tags(raw, ev)
    doc = MarketDocument(
        id=market_id,
        condition_id=condition_id,
        question=question.strip(),
        description=_opt_str(raw.get("description")) or "",
        slug=slug,
        url=_url(event_slug, slug),
        outcomes=outcomes,
        category=_category(raw, ev, question),
        tags=tags,
        event_id=_opt_str(ev.get("id")) if ev else None,
        event_title=_opt_str(ev.get("title")) if ev else None,
        event_slug=event_slug,
        group_item_title=_opt_str(raw.get("groupItemTitle")),
        close_time=_datetime(raw.get("endDate")),
        event_start=_datetime(raw.get("gameStartTime")),
        market_type=_opt_str(raw.get("sportsMarketType")),
        line=to_number(raw.get("line")),
        neg_risk=_bool(raw.get("negRisk"), default=_bool(ev.get("negRisk")) if ev else False),
        neg_risk_market_id=_opt_str(raw.get("negRiskMarketID")),
        # Recorded data carries negRiskAugmented on the event; accept it on the market too.
        neg_risk_augmented=_bool(raw.get("negRiskAugmented"))
        or (_bool(ev.get("negRiskAugmented")) if ev else False),
        neg_risk_other=_bool(raw.get("negRiskOther")),
        liquidity=to_number(raw.get("liquidityNum", raw.get("liquidity"))) or 0.0,
        volume=to_number(raw.get("volumeNum", raw.get("volume"))) or 0.0,
        volume_24h=to_number(raw.get("volume24hr")) or 0.0,
        tick_size=to_positive(raw.get("orderPriceMinTickSize")),
        min_order_size=to_positive(raw.get("orderMinSize")),
        fee_rate=_fee_rate(raw),
        accepting_orders=_bool(raw.get("acceptingOrders"), default=True),
        updated_at=now or datetime.now(UTC),
    )
    return doc.with_signature()


def parse_event_markets(raw_event: RawDict) -> list[tuple[RawDict, RawDict]]:
    """Pair each market nested in a raw Gamma event with that event."""
    if not isinstance(raw_event, Mapping):
        raise ParseError(f"event is a {type(raw_event).__name__}, not an object")
    markets = raw_event.get("markets")
    if markets is None:
        return []
    if not isinstance(markets, list):
        raise ParseError(f"event {raw_event.get('id')}: markets is not a list")
    return [(m, raw_event) for m in markets]


def is_open_order_book_market(raw: RawDict) -> bool:
    """Active, not closed or archived, and trading on the CLOB (fields absent count as ok)."""
    return (
        _bool(raw.get("active"), default=True)
        and not _bool(raw.get("closed"))
        and not _bool(raw.get("archived"))
        and _bool(raw.get("enableOrderBook"), default=True)
    )


def open_event_market_ids(raw_event: RawDict) -> tuple[str, ...]:
    """Ids of the event's unresolved (not closed) markets, in event order.

    Tradeability is not required on purpose: a buy-every-YES set is only complete when it
    includes markets we cannot trade, so those must show up as members missing from the catalog.
    """
    ids: list[str] = []
    for market, _ in parse_event_markets(raw_event):
        if not isinstance(market, Mapping):
            continue
        mid = _opt_str(market.get("id"))
        if mid and not _bool(market.get("closed")):
            ids.append(mid)
    return tuple(ids)


def _first_event(raw: RawDict) -> RawDict | None:
    events = raw.get("events")
    if isinstance(events, list) and events and isinstance(events[0], Mapping):
        first: RawDict = events[0]
        return first
    return None


def _required_str(raw: RawDict, key: str, market_id: str | None = None) -> str:
    value = _opt_str(raw.get(key))
    if not value or not value.strip():
        raise MarketParseError(market_id, f"missing {key}")
    return value


def _opt_str(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _string_list(value: object, key: str, market_id: str) -> list[str]:
    """A JSON-encoded string list (`"[\\"Yes\\", \\"No\\"]"`) or a real list, as strings."""
    if value is None or value == "":
        raise MarketParseError(market_id, f"missing {key}")
    decoded: object = value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError as exc:
            raise MarketParseError(market_id, f"{key} is not valid JSON", exc.msg) from exc
    if not isinstance(decoded, list):
        raise MarketParseError(market_id, f"{key} is not a list")
    out: list[str] = []
    for item in decoded:
        text = _opt_str(item)
        if text is None:
            raise MarketParseError(market_id, f"{key} holds a non-string", type(item).__name__)
        out.append(text)
    return out


def _prices(value: object, n: int) -> list[float | None]:
    """Indicative outcome prices; unusable or mismatched lists give None (prices are advisory)."""
    if value is None or value == "":
        return [None] * n
    decoded: object = value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return [None] * n
    if not isinstance(decoded, list) or len(decoded) != n:
        return [None] * n
    return [_price(p) for p in decoded]


def _outcomes(
    names: Sequence[str], tokens: Sequence[str], prices: Sequence[float | None], raw: RawDict
) -> tuple[Outcome, ...]:
    # Gamma's bestBid/bestAsk quote the FIRST token (checked on recorded markets: outcomePrices[0]
    # lies between them). We keep them only when that first outcome is named Yes; the CLOB books
    # replace them later. A 0 bid or a 1 ask means an empty side, not a quote.
    first_is_yes = names[0].strip().lower() == "yes"
    bid = _price(raw.get("bestBid")) if first_is_yes else None
    ask = _price(raw.get("bestAsk")) if first_is_yes else None
    bid = bid if bid is not None and bid > 0 else None
    ask = ask if ask is not None and ask < 1 else None
    out = []
    for i, (name, token) in enumerate(zip(names, tokens, strict=True)):
        quoted = i == 0 and first_is_yes
        out.append(
            Outcome(
                name=name.strip(),
                token_id=token.strip(),
                price=prices[i],
                best_bid=bid if quoted else None,
                best_ask=ask if quoted else None,
            )
        )
    return tuple(out)


def _price(value: object) -> float | None:
    f = to_number(value)
    return f if f is not None and 0.0 <= f <= 1.0 else None


def _bool(value: object, default: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return default


def _datetime(value: object) -> datetime | None:
    """An aware datetime from Gamma's ISO strings (`Z`, offsets, or a bare date = UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _url(event_slug: str | None, slug: str) -> str:
    if event_slug:
        return f"{POLYMARKET_WEB}/event/{event_slug}"
    if slug:
        return f"{POLYMARKET_WEB}/market/{slug}"
    return ""


def _tag_dicts(raw: RawDict | None) -> list[RawDict]:
    tags = raw.get("tags") if raw else None
    if not isinstance(tags, list):
        return []
    return [t for t in tags if isinstance(t, Mapping)]


def _tags(raw: RawDict, ev: RawDict | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for tag in [*_tag_dicts(raw), *_tag_dicts(ev)]:
        label = _opt_str(tag.get("label")) or _opt_str(tag.get("slug"))
        if label and label.strip():
            seen.setdefault(label.strip().lower(), None)
    return tuple(seen)


def _category(raw: RawDict, ev: RawDict | None, question: str) -> str:
    sources: list[str | None] = []
    if ev:
        sources.append(_opt_str(ev.get("category")))
    for tag in [*_tag_dicts(raw), *_tag_dicts(ev)]:
        sources += [_opt_str(tag.get("label")), _opt_str(tag.get("slug"))]
    if ev:
        series = ev.get("series")
        if isinstance(series, list):
            sources += [_opt_str(s.get("slug")) for s in series if isinstance(s, Mapping)]
        sources += [_opt_str(ev.get("seriesSlug")), _opt_str(ev.get("slug"))]
        sources.append(_opt_str(ev.get("title")))
    sources.append(question)
    return derive_category(_opt_str(raw.get("category")), sources)


def _fee_rate(raw: RawDict) -> float | None:
    """`feeSchedule.rate` when stated; 0 when fees are explicitly off; unknown otherwise."""
    schedule = raw.get("feeSchedule")
    if isinstance(schedule, Mapping):
        rate = to_number(schedule.get("rate"))
        if rate is not None and 0.0 <= rate <= 1.0:
            return rate
    if raw.get("feesEnabled") is False:
        return 0.0
    return None
