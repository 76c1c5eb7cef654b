"""Joint book walk over a buy-only portfolio whose every "set" pays at least `payout` (pure).

A portfolio is a list of slots; one set is one share of every slot. A slot is bought from one
or more sources (a venue's ask book with that venue's fee schedule, minimum order, size step and
tick): with several sources, each share is taken where it costs least after the fee.

Sizing is honest about per-order fee rounding (Kalshi rounds each order's fee up to the cent):

1. Walk every slot's ladder together, level by level, while the marginal set still pays with
   unrounded fees: `payout − Σ (p + rate·p·(1 − p)) > 0`. This gives `S_max`; past it every
   further set loses before any rounding.
2. Below `S_max`, profit rises with size except where an order's rounded fee steps up a cent.
   The best size is therefore the right end of some interval of constant rounded fees: `S_max`
   itself or a size at which a rounded order's unrounded fee is exactly a whole cent. Each such
   candidate (floored to the size step) is priced exactly, minimums are checked, and the most
   profitable wins. So no smaller size pays more: the last shares of the reported size pay
   after the rounded fee of the whole order.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dashboard_backend.book_walk import EDGE_EPSILON, SIZE_EPSILON
from dashboard_backend.fees import FeeSchedule
from dashboard_backend.models import BookLevel

# Prices and sizes reported are rounded to this many decimals (a millionth of a dollar/share).
_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Source:
    """Where shares of a slot can be bought: a best-first ask book and its venue's terms."""

    asks: Sequence[BookLevel]
    fees: FeeSchedule
    min_size: float = 0.0  # smallest order the venue accepts (shares)
    size_step: float = 0.0  # order sizes are multiples of this (0 = any size)
    tick: float | None = None  # limit prices are multiples of this


@dataclass(frozen=True, slots=True)
class SourceFill:
    """One order of the trade: what one source sells us over the walk."""

    slot: int
    source: int
    shares: float
    best_price: float
    avg_price: float
    worst_price: float
    limit_price: float  # worst price on the source's tick grid
    notional: float
    raw_fee: float  # USD, the schedule's formula before rounding
    fee: float  # USD, after the schedule's rounding


@dataclass(frozen=True, slots=True)
class PortfolioFill:
    """The executable trade: `size` sets, with totals over all orders."""

    size: float
    payout: float  # USD per set in the worst world
    edge: float  # profit of the first set at the tops of the books, unrounded fees
    notional: float
    fees: float
    profit: float  # size × payout − notional − fees
    fills: tuple[SourceFill, ...]  # orders with shares, by slot then source


# A rung of a slot's ladder: (net cost per share, price, size, source index).
_Rung = tuple[float, float, float, int]


def _ladder(slot: Sequence[Source]) -> list[_Rung]:
    """The slot's asks from every source, cheapest after fee first (ties: earlier source)."""
    per_source = [
        [
            (lv.price + src.fees.per_share(lv.price), lv.price, lv.size, i)
            for lv in src.asks
            if lv.size > SIZE_EPSILON
        ]
        for i, src in enumerate(slot)
    ]
    if len(per_source) == 1:
        return per_source[0]
    # Each source's net cost rises along its book (rate ≤ 1), so a merge keeps the order.
    return list(heapq.merge(*per_source, key=lambda r: (r[0], r[3])))


def _walk_limit(
    ladders: Sequence[Sequence[_Rung]], payout: float
) -> tuple[float, list[tuple[float, float]]]:
    """(S_max, steps): sets bought while the marginal set pays before rounding.

    Each step is (sets, unrounded profit per set); the first step's is the top-of-book edge.
    """
    n = len(ladders)
    idx = [0] * n
    remaining = [ladders[i][0][2] for i in range(n)]
    net = [ladders[i][0][0] for i in range(n)]
    steps: list[tuple[float, float]] = []
    size = 0.0
    edge = payout - sum(net)
    while edge > EDGE_EPSILON:
        q = min(remaining)
        size += q
        steps.append((q, edge))
        for i in range(n):
            left = remaining[i] - q
            if left > SIZE_EPSILON:
                remaining[i] = left
                continue
            idx[i] += 1
            if idx[i] == len(ladders[i]):
                return size, steps  # a slot's books are used up
            rung = ladders[i][idx[i]]
            remaining[i] = rung[2]
            net[i] = rung[0]
        edge = payout - sum(net)
    return size, steps


def _size_earning(steps: Sequence[tuple[float, float]], target: float) -> float:
    """The size whose unrounded profit reaches `target` (smaller sizes earn less before rounding)."""
    done = 0.0
    earned = 0.0
    for q, edge in steps:
        if earned + q * edge >= target:
            return done + (target - earned) / edge
        earned += q * edge
        done += q
    return done


@dataclass(slots=True)
class _Acc:
    """Running totals of one source over a fill."""

    shares: float = 0.0
    notional: float = 0.0
    raw_fee: float = 0.0
    best: float = 0.0
    worst: float = 0.0


def _fill_slot(ladder: Sequence[_Rung], slot: Sequence[Source], size: float) -> list[_Acc] | None:
    """Per-source totals of buying `size` shares along the ladder (None if it is too thin).

    With several sources, each source's order stays a multiple of its size step (whole Kalshi
    contracts): a remainder it cannot take goes to the next rung that can.
    """
    accs = [_Acc() for _ in slot]
    left = size
    several = len(slot) > 1
    for _net, price, rung_size, i in ladder:
        if left <= SIZE_EPSILON:
            break
        q = min(rung_size, left)
        acc = accs[i]
        step = slot[i].size_step
        if several and step > 0.0:
            q = _step_floor(acc.shares + q, step) - acc.shares
            if q <= SIZE_EPSILON:
                continue
        if acc.shares == 0.0:
            acc.best = price
        acc.shares += q
        acc.notional += q * price
        acc.raw_fee += q * slot[i].fees.per_share(price)
        acc.worst = price
        left -= q
    return None if left > SIZE_EPSILON else accs


def _limit(price: float, tick: float | None) -> float:
    """`price` raised to the tick grid (a price on the grid, within float noise, stays)."""
    if not tick or tick <= 0.0:
        return round(price, _DIGITS)
    return round(math.ceil(price / tick - 1e-7) * tick, _DIGITS)


def _price(
    slots: Sequence[Sequence[Source]],
    ladders: Sequence[Sequence[_Rung]],
    size: float,
    payout: float,
    edge: float,
) -> PortfolioFill | None:
    """The trade of exactly `size` sets, or None when a book is too thin or an order too small."""
    fills: list[SourceFill] = []
    for s, (slot, ladder) in enumerate(zip(slots, ladders, strict=True)):
        accs = _fill_slot(ladder, slot, size)
        if accs is None:
            return None
        for i, acc in enumerate(accs):
            if acc.shares <= SIZE_EPSILON:
                continue
            src = slot[i]
            if acc.shares < src.min_size - SIZE_EPSILON:
                return None
            fills.append(
                SourceFill(
                    slot=s,
                    source=i,
                    shares=acc.shares,
                    best_price=acc.best,
                    avg_price=acc.notional / acc.shares,
                    worst_price=acc.worst,
                    limit_price=_limit(acc.worst, src.tick),
                    notional=acc.notional,
                    raw_fee=acc.raw_fee,
                    fee=src.fees.settle(acc.raw_fee),
                )
            )
    notional = sum(f.notional for f in fills)
    fees = sum(f.fee for f in fills)
    return PortfolioFill(
        size=size,
        payout=payout,
        edge=edge,
        notional=notional,
        fees=fees,
        profit=size * payout - notional - fees,
        fills=tuple(fills),
    )


def _cent_boundaries(
    slots: Sequence[Sequence[Source]], ladders: Sequence[Sequence[_Rung]], low: float, high: float
) -> list[float]:
    """Sizes in (low, high] at which a rounded order's unrounded fee is exactly a whole cent."""
    out: list[float] = []
    for slot, ladder in zip(slots, ladders, strict=True):
        raw = [0.0] * len(slot)
        done = 0.0  # shares of this slot before the rung
        for _net, price, rung_size, i in ladder:
            if done >= high:
                break
            take = min(rung_size, high - done)
            fees = slot[i].fees
            per_share = fees.per_share(price)
            if fees.rounding != "proportional" and per_share > 0.0 and done + take > low:
                start = raw[i] + per_share * max(0.0, low - done)
                cent = math.floor(start * 100.0 + 1e-7) + 1  # next whole cent above it
                end = raw[i] + per_share * take
                while cent / 100.0 <= end + 1e-12:
                    out.append(done + (cent / 100.0 - raw[i]) / per_share)
                    cent += 1
            raw[i] += per_share * take
            done += take
    return out


def _step_floor(size: float, step: float) -> float:
    """`size` rounded down to a multiple of `step` (within float noise)."""
    if step <= 0.0:
        return size
    return math.floor(size / step + 1e-7) * step


def walk_portfolio(slots: Sequence[Sequence[Source]], payout: float = 1.0) -> PortfolioFill | None:
    """The most profitable executable size of a set trade (see the module docstring); None if none.

    Every set pays at least `payout` in every world, which the caller guarantees by choosing the
    slots. A source whose order would be below its venue's minimum is dropped and the rest walked
    again.
    """
    if not slots or any(not slot for slot in slots):
        return None
    # Fast exit for the common case: no edge at the tops of the books.
    top = 0.0
    for slot in slots:
        best = math.inf
        for src in slot:
            for lv in src.asks:
                if lv.size > SIZE_EPSILON:
                    best = min(best, lv.price + src.fees.per_share(lv.price))
                    break
        top += best
    if not payout - top > EDGE_EPSILON:
        return None
    return _walk_sized(slots, payout)


def _walk_sized(slots: Sequence[Sequence[Source]], payout: float) -> PortfolioFill | None:
    ladders = [_ladder(slot) for slot in slots]
    if any(not ladder for ladder in ladders):
        return None
    limit, steps = _walk_limit(ladders, payout)
    if not steps:
        return None
    edge = steps[0][1]
    step = max((src.size_step for slot in slots for src in slot), default=0.0)
    top = _step_floor(limit, step)
    best = _price(slots, ladders, top, payout, edge) if top > SIZE_EPSILON else None
    if best is not None and not best.profit > EDGE_EPSILON:
        best = None
    # Sizes below `low` earn at most best's profit even before rounding: none can beat it.
    low = _size_earning(steps, best.profit if best is not None else 0.0)
    candidates = {_step_floor(b, step) for b in _cent_boundaries(slots, ladders, low, limit)}
    if any(len(slot) > 1 for slot in slots):
        # Where a slot moves to another source an order may start below its venue's minimum:
        # the last size before it is a candidate too.
        candidates.update(_step_floor(b, step) for b in _rung_ends(ladders, low, limit))
    candidates.discard(top)
    for size in sorted(candidates, reverse=True):
        if size <= SIZE_EPSILON:
            break
        fill = _price(slots, ladders, size, payout, edge)
        if fill is None:
            continue
        unrounded = fill.profit + fill.fees - sum(f.raw_fee for f in fill.fills)
        if best is not None and unrounded <= best.profit:
            break  # smaller sizes make even less before rounding, so never more after it
        if fill.profit > EDGE_EPSILON and (best is None or fill.profit > best.profit):
            best = fill
    trimmed = _without_small_sources(slots, ladders, limit, payout)
    if best is None or (trimmed is not None and trimmed.profit > best.profit):
        return trimmed
    return best


def _rung_ends(ladders: Sequence[Sequence[_Rung]], low: float, high: float) -> list[float]:
    """Sizes in (low, high) at which some slot's ladder moves to its next level."""
    out: list[float] = []
    for ladder in ladders:
        done = 0.0
        for rung in ladder:
            done += rung[2]
            if done >= high:
                break
            if done > low:
                out.append(done)
    return out


def _without_small_sources(
    slots: Sequence[Sequence[Source]],
    ladders: Sequence[Sequence[_Rung]],
    limit: float,
    payout: float,
) -> PortfolioFill | None:
    """Walk again without the sources that a multi-source slot only dips into below their minimum.

    None when no source is dipped into that way (nothing to try).
    """
    if all(len(slot) == 1 for slot in slots):
        return None
    trimmed: list[Sequence[Source]] = []
    kept: list[list[int]] = []  # per slot, the original index of each source kept
    dropped = False
    for slot, ladder in zip(slots, ladders, strict=True):
        accs = _fill_slot(ladder, slot, limit) if len(slot) > 1 else None
        if accs is None:
            trimmed.append(slot)
            kept.append(list(range(len(slot))))
            continue
        keep = [
            i
            for i, (src, acc) in enumerate(zip(slot, accs, strict=True))
            if not (SIZE_EPSILON < acc.shares < src.min_size - SIZE_EPSILON)
        ]
        dropped = dropped or len(keep) < len(slot)
        trimmed.append([slot[i] for i in keep])
        kept.append(keep)
    if not dropped or any(not slot for slot in trimmed):
        return None
    fill = walk_portfolio(trimmed, payout)
    if fill is None:
        return None
    # The fills name sources of the trimmed slots: give them back their places in `slots`.
    fills = tuple(replace(f, source=kept[f.slot][f.source]) for f in fill.fills)
    return replace(fill, fills=fills)
