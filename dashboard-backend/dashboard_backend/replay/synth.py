"""Deterministic order books for recorded markets, with a planted set of genuine arbitrages.

Every book depends only on the seed and the token id (plus the market's recorded prices), so
two servers with the same seed serve identical books. Normal binary markets get a YES book
around the recorded best bid/ask (or `outcomePrices`) and a NO book that mirrors it
(bid_no = 1 - ask_yes), as on the real CLOB, so they hold no arbitrage. The plan
(`plan_arbitrage`) then picks, by seed, about `rate` of the eligible markets (at least
`min_each` of each kind, taken among the highest-volume ones so a top-N poll sees them):

- buy-both: ask_yes + ask_no = 1 - edge, edge 0.06-0.12 (beats a 7% taker fee at any price);
- split-sell: bid_yes + bid_no = 1 + edge;
- negRisk: a non-augmented event with Σ best YES asks = 1 - edge, edge 0.08-0.12;
- decoy: an augmented negRisk event priced the same way, which must NOT be reported.

Complete non-augmented negRisk events not chosen are nudged so Σ best YES asks > 1.
The first picks of each kind are "promoted": their `volume24hr` is raised to that of the 50th
most active market, so a poll of the top N markets by volume holds them (and every member
of the planted events) — the one recorded field the plan changes besides prices.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from dashboard_backend.replay.books import OrderBook, to_decimal, wire_number
from dashboard_backend.replay.dataset import (
    Dataset,
    Raw,
    market_tokens,
    parse_str_list,
    to_float,
    yes_index,
    yes_price,
)

ONE = Decimal(1)
SIZES = (5, 10, 15, 20, 25, 40, 50, 75, 100, 150, 200, 250, 400, 500, 1000)
ELIGIBLE_PRICE = (0.1, 0.9)
MAX_PLANTED_EVENT_SIZE = 12
PROMOTE_TO_RANK = 50


@dataclass(frozen=True)
class ArbPlan:
    """Which markets and events are priced as arbitrage (ids)."""

    buy_both: frozenset[str] = frozenset()
    split_sell: frozenset[str] = frozenset()
    neg_risk_events: frozenset[str] = frozenset()
    augmented_decoys: frozenset[str] = frozenset()
    promoted: frozenset[str] = frozenset()  # market ids lifted into the most active ones


@dataclass
class Quote:
    """Best bid/ask of one token before the ladder is built (None = empty side)."""

    bid: Decimal | None
    ask: Decimal | None


def _unit(seed: int, key: str) -> float:
    """A deterministic number in [0, 1) from the seed and a key."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(f"{seed}:{key}")


def tick_of(market: Raw) -> Decimal:
    """The market's tick size (0.01 when missing or implausible)."""
    tick = to_float(market.get("orderPriceMinTickSize"))
    return to_decimal(tick) if tick and 0.0001 <= tick <= 0.1 else Decimal("0.01")


def _floor(value: Decimal, tick: Decimal) -> Decimal:
    return (value / tick).to_integral_value(ROUND_FLOOR) * tick


def _ceil(value: Decimal, tick: Decimal) -> Decimal:
    return (value / tick).to_integral_value(ROUND_CEILING) * tick


def _clip(quote: Quote, tick: Decimal) -> Quote:
    bid = quote.bid if quote.bid is not None and quote.bid >= tick else None
    ask = quote.ask if quote.ask is not None and quote.ask <= ONE - tick else None
    if bid is not None and ask is not None and bid >= ask:
        bid = ask - tick if ask - tick >= tick else None
    return Quote(bid, ask)


def recorded_quote(market: Raw, index: int, tick: Decimal, rng: random.Random) -> Quote:
    """Best bid/ask of outcome `index` consistent with the recorded prices."""
    best_bid, best_ask = to_float(market.get("bestBid")), to_float(market.get("bestAsk"))
    if index == 0 and best_bid and best_ask and 0 < best_bid < best_ask < 1:
        return _clip(
            Quote(_floor(to_decimal(best_bid), tick), _ceil(to_decimal(best_ask), tick)), tick
        )
    prices = parse_str_list(market.get("outcomePrices")) or []
    mid = to_float(prices[index]) if index < len(prices) else None
    if mid is None:
        mid = to_float(market.get("lastTradePrice")) or 0.5
    half = tick * rng.randint(1, 3)
    m = to_decimal(round(mid, 6))
    return _clip(Quote(_floor(m - half, tick), _ceil(m + half, tick)), tick)


def mirror(quote: Quote) -> Quote:
    """The complementary token's quote on a mirrored CLOB book."""
    return Quote(
        ONE - quote.ask if quote.ask is not None else None,
        ONE - quote.bid if quote.bid is not None else None,
    )


def _ladder(
    best: Decimal | None, step_sign: int, tick: Decimal, min_size: Decimal, rng: random.Random
) -> dict[Decimal, Decimal]:
    """Several levels from `best` away from the spread, sizes growing with distance."""
    levels: dict[Decimal, Decimal] = {}
    if best is None:
        return levels
    price = best
    # rng.random() only: randint/choice cost several times more, and start-up builds 10k books.
    for i in range(3 + int(rng.random() * 5)):
        if not tick <= price <= ONE - tick:
            break
        base = SIZES[int(rng.random() * len(SIZES))] * (2 + i) * 50 + int(rng.random() * 100)
        levels[price] = max(Decimal(base) / 100, min_size)
        price += step_sign * tick * (1 + int(rng.random() * 3))
    return levels


def _book(market: Raw, token: str, quote: Quote, seed: int) -> OrderBook:
    tick = tick_of(market)
    min_size = to_decimal(to_float(market.get("orderMinSize")) or 5)
    rng = _rng(seed, f"ladder:{token}")
    last = to_float(market.get("lastTradePrice"))
    book = OrderBook(
        market=str(market.get("conditionId") or ""),
        asset_id=token,
        bids=_ladder(quote.bid, -1, tick, min_size, rng),
        asks=_ladder(quote.ask, 1, tick, min_size, rng),
        tick_size=wire_number(tick),
        min_order_size=wire_number(min_size),
        neg_risk=market.get("negRisk") is True,
        last_trade_price=wire_number(to_decimal(last)) if last is not None else "",
    )
    return book


def _binary_eligible(market: Raw, recorded: set[str]) -> bool:
    tokens = market_tokens(market)
    price = yes_price(market)
    return (
        len(tokens) == 2
        and market.get("negRisk") is not True
        and not recorded & set(tokens)
        and price is not None
        and ELIGIBLE_PRICE[0] <= price <= ELIGIBLE_PRICE[1]
    )


def _event_members_ok(event: Raw, recorded: set[str]) -> bool:
    members = event["markets"]
    return len(members) >= 2 and all(
        len(market_tokens(m)) == 2 and not recorded & set(market_tokens(m)) for m in members
    )


def _pick(ids: list[str], seed: int, salt: str, rate: float, min_count: int, top: int) -> list[str]:
    """`min_count` ids by hash among the first `top`, plus any other id whose hash < rate."""
    forced = sorted(ids[:top], key=lambda i: _unit(seed, f"{salt}:{i}"))[:min_count]
    extra = [i for i in ids if i not in forced and _unit(seed, f"{salt}:{i}") < rate]
    return forced + extra


def plan_arbitrage(dataset: Dataset, seed: int, rate: float = 0.05, min_each: int = 3) -> ArbPlan:
    """Choose the arbitrage markets and events (see the module docstring)."""
    recorded = {str(b.get("asset_id")) for b in dataset.recorded_books}
    vol = {str(m["id"]): to_float(m.get("volume24hr")) or 0.0 for m in dataset.markets}
    binary = sorted(
        (str(m["id"]) for m in dataset.markets if _binary_eligible(m, recorded)),
        key=lambda i: -vol[i],
    )
    chosen = _pick(binary, seed, "binary", rate, 2 * min_each, max(40, 8 * min_each))
    # The forced picks alternate kinds so both exist; extra picks take a kind by hash.
    buy = {
        i
        for n, i in enumerate(chosen)
        if (n % 2 == 0 if n < 2 * min_each else _unit(seed, f"kind:{i}") < 0.5)
    }

    def events_by_depth(augmented: bool) -> list[Raw]:
        found = [
            e
            for e in dataset.events
            if bool(e.get("negRiskAugmented")) == augmented
            and any(m.get("negRisk") is True for m in e["markets"])
            and len(e["markets"]) <= MAX_PLANTED_EVENT_SIZE
            and _event_members_ok(e, recorded)
        ]
        # Rank by the least-traded member: the best-covered events come first.
        found.sort(key=lambda e: -min(vol.get(str(m["id"]), 0.0) for m in e["markets"]))
        return found

    complete, augmented = events_by_depth(False), events_by_depth(True)
    # A decoy is best an event the venue itself flags as augmented, not one served partly.
    augmented.sort(key=lambda e: str(e["id"]) in dataset.partial_events)
    neg = _pick([str(e["id"]) for e in complete], seed, "negrisk", rate, 1, 3)
    decoys = _pick([str(e["id"]) for e in augmented], seed, "decoy", 0.0, 1, 3)
    # The forced picks are made among the most active markets (by volume24hr) so that a
    # top-N poll sees them: their markets, and every member of the planted events.
    members = {
        str(m["id"])
        for e in complete + augmented
        if str(e["id"]) in {*neg[:1], *decoys[:1]}
        for m in e["markets"]
    }
    return ArbPlan(
        buy_both=frozenset(buy),
        split_sell=frozenset(set(chosen) - buy),
        neg_risk_events=frozenset(neg),
        augmented_decoys=frozenset(decoys),
        promoted=frozenset(chosen[: 2 * min_each]) | members,
    )


def promote_volumes(dataset: Dataset, plan: ArbPlan, rank: int = PROMOTE_TO_RANK) -> None:
    """Raise `volume24hr` of the promoted markets to that of the `rank`-th most active one."""
    volumes = sorted((to_float(m.get("volume24hr")) or 0.0 for m in dataset.markets), reverse=True)
    if not volumes or not plan.promoted:
        return
    floor = volumes[min(rank, len(volumes)) - 1]
    nested = [m for e in dataset.events for m in e["markets"]]
    for market in [*dataset.markets, *nested]:
        if str(market["id"]) in plan.promoted:
            market["volume24hr"] = max(to_float(market.get("volume24hr")) or 0.0, floor)


def _binary_arb_quotes(market: Raw, kind: str, seed: int) -> tuple[Quote, Quote]:
    """YES/NO quotes of a planted binary arbitrage (books not mirrored)."""
    tick = tick_of(market)
    rng = _rng(seed, f"arb:{market['id']}")
    mid = to_decimal(round(min(max(yes_price(market) or 0.5, 0.2), 0.8), 6))
    edge = _ceil(to_decimal(round(rng.uniform(0.06, 0.12), 6)), tick)
    gap = [tick * rng.randint(1, 3) for _ in range(2)]
    if kind == "buy_both":
        a_yes = _floor(mid - edge / 2, tick)
        a_no = ONE - edge - a_yes
        return Quote(a_yes - gap[0], a_yes), Quote(a_no - gap[1], a_no)
    b_yes = _ceil(mid + edge / 2, tick)
    b_no = ONE + edge - b_yes
    return Quote(b_yes, b_yes + gap[0]), Quote(b_no, b_no + gap[1])


def _event_quotes(event: Raw, seed: int, edge_range: tuple[float, float]) -> dict[str, Quote]:
    """YES quotes of an event priced so Σ best asks = 1 - edge (market id -> quote)."""
    members = event["markets"]
    rng = _rng(seed, f"event:{event['id']}")
    edge = to_decimal(round(rng.uniform(*edge_range), 4))
    weights = [max(yes_price(m) or 0.0, 0.001) for m in members]
    total = sum(weights)
    quotes: dict[str, Quote] = {}
    for m, w in zip(members, weights, strict=True):
        tick = tick_of(m)
        ask = max(tick, _floor((ONE - edge) * to_decimal(round(w / total, 8)), tick))
        bid = ask - tick * rng.randint(1, 2)
        quotes[str(m["id"])] = _clip(Quote(bid, ask), tick)
    return quotes


def _lift_event(event: Raw, quotes: dict[str, Quote]) -> None:
    """Raise YES quotes of a complete event until Σ best asks exceeds 1 (no accidental arb)."""
    members = [m for m in event["markets"] if str(m["id"]) in quotes]
    asks = [quotes[str(m["id"])].ask for m in members]
    if len(members) < 2 or any(a is None for a in asks):
        return  # an empty ask side leaves no buy-all trade to worry about
    total = sum((a for a in asks if a is not None), Decimal(0))
    i = 0
    while total <= ONE and i < 10_000:
        m = members[i % len(members)]
        tick, q = tick_of(m), quotes[str(m["id"])]
        if q.ask is not None and q.ask + tick <= ONE - tick:
            quotes[str(m["id"])] = Quote(q.bid + tick if q.bid is not None else None, q.ask + tick)
            total += tick
        i += 1


def synthesize_books(dataset: Dataset, seed: int, plan: ArbPlan) -> Iterable[OrderBook]:
    """Books for every token without a recorded book, following `plan`."""
    recorded = {str(b.get("asset_id")) for b in dataset.recorded_books}
    yes_quotes: dict[str, Quote] = {}  # market id -> YES quote, for negRisk members
    for event in dataset.events:
        eid = str(event["id"])
        if eid in plan.neg_risk_events:
            yes_quotes.update(_event_quotes(event, seed, (0.08, 0.12)))
        elif eid in plan.augmented_decoys:
            yes_quotes.update(_event_quotes(event, seed, (0.08, 0.15)))
        elif any(m.get("negRisk") is True for m in event["markets"]):
            quotes = {
                str(m["id"]): recorded_quote(
                    m, yes_index(m), tick_of(m), _rng(seed, f"q:{m['id']}")
                )
                for m in event["markets"]
                if len(market_tokens(m)) == 2
            }
            if not event.get("negRiskAugmented"):
                _lift_event(event, quotes)
            yes_quotes.update(quotes)
    for market in dataset.markets:
        tokens = market_tokens(market)
        mid = str(market["id"])
        if not tokens:
            continue
        if mid in plan.buy_both or mid in plan.split_sell:
            kind = "buy_both" if mid in plan.buy_both else "split_sell"
            yes_q, no_q = _binary_arb_quotes(market, kind, seed)
            y = yes_index(market)
            quotes = {tokens[y]: yes_q, tokens[1 - y]: no_q}
        elif len(tokens) == 2:
            y = yes_index(market)
            rng = _rng(seed, f"q:{mid}")
            yes_q = yes_quotes.get(mid) or recorded_quote(market, y, tick_of(market), rng)
            quotes = {tokens[y]: yes_q, tokens[1 - y]: mirror(yes_q)}
        else:
            quotes = {
                t: recorded_quote(market, i, tick_of(market), _rng(seed, f"q:{t}"))
                for i, t in enumerate(tokens)
            }
        for token, quote in quotes.items():
            if token not in recorded:
                yield _book(market, token, quote, seed)
