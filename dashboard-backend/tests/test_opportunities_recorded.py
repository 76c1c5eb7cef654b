"""Opportunities on recorded Polymarket data: real Gamma markets and a real CLOB book."""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any

import pytest

from dashboard_backend.fees import FeeTable, taker_fee
from dashboard_backend.models import BookLevel, MarketDocument, OrderBook
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.settings import DEFAULT_FEE_RATES
from dashboard_backend.venues.polymarket.clob_parse import parse_book
from dashboard_backend.venues.polymarket.gamma_parse import parse_market
from tests.opportunity_helpers import NOW

FEES = FeeTable(DEFAULT_FEE_RATES, default=0.05)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def updown(shared_data: Path) -> MarketDocument:
    """A recorded 5-minute BTC Up/Down market (outcomes Up/Down, crypto, min order 5)."""
    return parse_market(_load(shared_data / "nautilus_polymarket" / "rust_gamma_market.json"))


@pytest.fixture
def live_book(shared_data: Path) -> OrderBook:
    """A live CLOB /book (bids ascending, asks descending on the wire), parsed and sorted."""
    return parse_book(_load(shared_data / "henryzhao_live_fixtures" / "poly_book.json"))


def _mirror(book: OrderBook, token_id: str, shift: float = 0.0) -> OrderBook:
    """The complementary outcome's book (its bid = 1 − our ask), with asks moved by `shift`."""
    return OrderBook(
        token_id=token_id,
        bids=tuple(BookLevel(price=round(1 - lv.price, 4), size=lv.size) for lv in book.asks),
        asks=tuple(
            BookLevel(price=round(1 - lv.price + shift, 4), size=lv.size) for lv in book.bids
        ),
        min_order_size=book.min_order_size,
    )


def _books(doc: MarketDocument, live: OrderBook, shift: float) -> dict[str, OrderBook]:
    up, down = doc.outcomes
    return {
        up.token_id: live.model_copy(update={"token_id": up.token_id}),
        down.token_id: _mirror(live, down.token_id, shift),
    }


def test_recorded_inputs_are_what_the_test_assumes(
    updown: MarketDocument, live_book: OrderBook
) -> None:
    assert [o.name for o in updown.outcomes] == ["Up", "Down"]
    assert updown.category == "crypto"
    assert updown.fee_rate is None
    assert updown.min_order_size == 5.0
    assert live_book.best_bid == 0.17
    assert live_book.best_ask == 0.21
    assert live_book.min_order_size == 5.0


def test_consistent_recorded_books_have_no_opportunity(
    updown: MarketDocument, live_book: OrderBook
) -> None:
    # With Down mirroring Up, buying both costs 1 + spread and splitting earns 1 − spread.
    books = _books(updown, live_book, shift=0.0)
    assert find_opportunities([updown], books, FEES, NOW) == {}
    assert find_opportunities([updown], books, FeeTable({}, 0.0), NOW) == {}


def _segment_walk(asks: list[tuple[BookLevel, ...]], rates: list[float]) -> tuple[float, float]:
    """Brute force by cumulative-size segments: (size, profit) of buying sets while profitable."""
    cums = []
    for levels in asks:
        total = 0.0
        cum = []
        for lv in levels:
            total += lv.size
            cum.append(total)
        cums.append(cum)
    breaks = sorted({c for cum in cums for c in cum if c <= min(cum[-1] for cum in cums)})
    size = profit = 0.0
    start = 0.0
    for end in breaks:
        mid = (start + end) / 2  # the level each leg is on inside this segment
        prices = [asks[i][bisect.bisect_left(cums[i], mid)].price for i in range(len(asks))]
        per_set = 1.0 - sum(p + taker_fee(1.0, p, r) for p, r in zip(prices, rates, strict=True))
        if per_set <= 1e-9:
            break
        size += end - start
        profit += (end - start) * per_set
        start = end
    return size, profit


def test_stale_complement_book_is_an_opportunity_sized_on_real_levels(
    updown: MarketDocument, live_book: OrderBook
) -> None:
    # Up asks (recorded): 0.21×15, 0.23×25.08, ...; Up bids: 0.17×5, 0.16×50, 0.15×91.15, ...
    # Down asks lag 8 cents below the mirror: 0.75×5, 0.76×50, 0.77×91.15, ...
    # crypto fee 7 %. A 6-cent lag would not do: 1 − 0.21 − 0.77 = 0.02 < fees 0.02401.
    # step 1: 0.21 + 0.75, fees 0.07 × (0.1659 + 0.1875) = 0.024738 → edge 0.015262, q = 5
    # step 2: 0.21 + 0.76, fees 0.07 × (0.1659 + 0.1824) = 0.024381 → edge 0.005619, q = 10
    # step 3: 0.23 + 0.76 = 0.99, fees 0.07 × (0.1771 + 0.1824) = 0.025165 → negative: stop.
    # size 15; cost 15×0.21 + 5×0.75 + 10×0.76 = 3.15 + 3.75 + 7.6 = 14.5
    # fees 5×0.024738 + 10×0.024381 = 0.12369 + 0.24381 = 0.3675; profit 15 − 14.5 − 0.3675 = 0.1325
    assert find_opportunities([updown], _books(updown, live_book, shift=-0.06), FEES, NOW) == {}
    books = _books(updown, live_book, shift=-0.08)
    found = find_opportunities([updown], books, FEES, NOW)
    assert set(found) == {f"binary_buy_both:{updown.id}"}
    opp = found[f"binary_buy_both:{updown.id}"]
    assert opp.size == pytest.approx(15.0, abs=1e-9)
    assert opp.cost == pytest.approx(14.5, abs=1e-9)
    assert opp.fees == pytest.approx(0.3675, abs=1e-6)
    assert opp.expected_profit == pytest.approx(0.1325, abs=1e-6)
    assert opp.edge == pytest.approx(0.015262, abs=1e-6)
    assert [leg.outcome for leg in opp.legs] == ["Up", "Down"]
    assert [(leg.best_price, leg.worst_price) for leg in opp.legs] == [(0.21, 0.21), (0.75, 0.76)]
    # and an independent segment-by-segment recomputation agrees, on deeper lags too
    up, down = updown.outcomes
    rates = [FEES.rate_for(updown)] * 2
    for shift in (-0.08, -0.12, -0.2):
        books = _books(updown, live_book, shift=shift)
        opp = find_opportunities([updown], books, FEES, NOW)[f"binary_buy_both:{updown.id}"]
        size, profit = _segment_walk([books[up.token_id].asks, books[down.token_id].asks], rates)
        assert opp.size == pytest.approx(size, abs=1e-6)
        assert opp.expected_profit == pytest.approx(profit, abs=1e-5)
        assert opp.cost + opp.fees + opp.expected_profit == pytest.approx(opp.size, abs=1e-5)


def test_market_closed_to_orders_is_skipped(shared_data: Path, live_book: OrderBook) -> None:
    raw = _load(
        shared_data / "nautilus_polymarket" / "rust_gamma_market_sports_market_money_line.json"
    )
    doc = parse_market(raw)
    assert not doc.accepting_orders
    books = _books(doc, live_book, shift=-0.2)
    assert find_opportunities([doc], books, FEES, NOW) == {}
    reopened = doc.model_copy(update={"accepting_orders": True})
    assert find_opportunities([reopened], books, FEES, NOW)
