"""A deterministic, seeded Kalshi `orderbook_delta` script for the replay server (pure, no I/O).

`KalshiScenario` copies the starting books of the served markets and yields steps: `Delta`s (an
increment to one market's YES or NO bids, in the wire's `delta_fp` sense), some of them `lost` (the
change happens but its message never arrives: the subscription's `seq` skips one) or `corrupt`
(the change happens, its message arrives unreadable); an abrupt `Disconnect`; and arbitrage
windows on exhaustive mutually exclusive events (`WindowEvent`, for tests, right after the changes
that open a window and right before those that close it). The same books,
markets and `KalshiScriptConfig` always give the same steps, so a test can build its own scenario
and know the exact books the stream implies.

Invariant of the random walk: a market's YES (NO) bids never rise above its starting best YES (NO)
bid. Books therefore never cross (YES bid + NO bid stays below 1) and an event free of arbitrage
at the start stays free; the only new arbitrage is the scripted windows: a window raises a NO bid
on one market of an event so that its YES asks (1 − best NO bid) sum to 1 − edge, after lifting
that market's YES bids out of the way (the event turns into an arbitrage with the window's last
change); the walk leaves that event alone while it is open, and closing it restores the books
exactly, the arbitrage going with its first change.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dashboard_backend.replay.kalshi_data import KalshiBook
from dashboard_backend.replay.script_config import ScriptBase
from dashboard_backend.replay.ws_script import Disconnect, WindowEvent
from dashboard_backend.venues.kalshi.parse import EXHAUSTIVE_SERIES

CENT = Decimal("0.01")
ONE = Decimal(1)
SIZES = (Decimal(5), Decimal(10), Decimal(25), Decimal(40), Decimal(100), Decimal(250))
WINDOW_SIZE = Decimal(100)
Raw = dict[str, Any]


@dataclass(frozen=True)
class KalshiScriptConfig(ScriptBase):
    """How the Kalshi script plays (see `ScriptBase` for the shared fields)."""

    lost_at: tuple[int, ...] = ()  # the delta after each of these message counts is lost
    lost_every: int | None = None  # continuous mode: one lost delta every N messages
    corrupt_at: tuple[int, ...] = ()  # ... arrives unreadable


@dataclass(frozen=True)
class Delta:
    """`delta` contracts added to (negative: taken from) the `side` bids at `price`."""

    ticker: str
    side: str  # "yes" | "no"
    price: Decimal
    delta: Decimal
    lost: bool = False  # applied, but its message is never sent
    corrupt: bool = False  # applied, its message is sent unreadable


Step = Delta | Disconnect | WindowEvent


@dataclass
class _Window:
    event: str
    markets: tuple[str, ...]
    closes_at: int
    changes: list[Delta] = field(default_factory=list)  # what opens it, in order
    restore: list[Delta] = field(default_factory=list)  # what closes it, in order


def exclusive_events(events: Iterable[Raw]) -> dict[str, tuple[str, ...]]:
    """Event ticker -> its market tickers, for events where exactly one market resolves YES."""
    out: dict[str, tuple[str, ...]] = {}
    for event in events:
        markets = tuple(str(m["ticker"]) for m in event.get("markets") or ())
        series = str(event.get("series_ticker") or "")
        if event.get("mutually_exclusive") and series in EXHAUSTIVE_SERIES and len(markets) >= 2:
            out[str(event["event_ticker"])] = markets
    return out


class KalshiScenario:
    """The script over private copies of the starting books (see the module docstring)."""

    def __init__(
        self,
        books: Mapping[str, KalshiBook],
        events: Iterable[Raw],
        config: KalshiScriptConfig,
        tickers: Iterable[str] | None = None,
    ):
        self.config = config
        wanted = set(books) if tickers is None else set(tickers) & set(books)
        self.books = {t: KalshiBook(dict(b.yes), dict(b.no)) for t, b in books.items()}
        self.caps: dict[tuple[str, str], Decimal] = {}
        for ticker in sorted(wanted):
            self._init_caps(ticker)
        self.tickers = sorted({t for t, _ in self.caps})
        self.events = {
            e: markets
            for e, markets in exclusive_events(events).items()
            if all(m in self.books for m in markets)
        }
        self.rng = random.Random(config.seed)
        self.sent = 0  # messages played so far
        self.window: _Window | None = None
        self._focus: list[str] = []

    def _init_caps(self, ticker: str) -> None:
        yes_bid, no_bid = self.books[ticker].best()
        yes = yes_bid if yes_bid is not None else (ONE - no_bid - CENT if no_bid else None)
        no = no_bid if no_bid is not None else (ONE - yes - CENT if yes else None)
        if yes is not None and no is not None and yes >= CENT and no >= CENT and yes + no < ONE:
            self.caps[(ticker, "yes")] = yes
            self.caps[(ticker, "no")] = no

    def focus(self, tickers: set[str]) -> None:
        """Play on these markets (when any): the demo's clients follow a few of thousands.
        Changes the script, so only continuous mode uses it."""
        self._focus = [t for t in self.tickers if t in tickers]

    @property
    def _playing(self) -> list[str]:
        return self._focus or self.tickers

    def yes_asks(self, markets: Iterable[str]) -> list[Decimal] | None:
        """The YES asks (1 − best NO bid) of these markets; None if one has no NO bid."""
        out: list[Decimal] = []
        for ticker in markets:
            no_bid = self.books[ticker].best()[1]
            if no_bid is None:
                return None
            out.append(ONE - no_bid)
        return out

    def arbitrage_free(self, event: str) -> bool:
        """Whether buying YES on every market of the event costs at least $1 at the top."""
        asks = self.yes_asks(self.events[event])
        return asks is None or sum(asks) >= ONE

    # --- steps ---------------------------------------------------------------------------------

    def steps(self) -> Iterator[Step]:
        """Every step in order (endless when `messages` is None)."""
        cfg = self.config
        total = cfg.messages
        windows = cfg.windows()
        lost = sorted(cfg.lost_at)
        corrupt = sorted(cfg.corrupt_at)
        disconnected = False
        while total is None or self.sent < total:
            due = windows.due(self.sent) if self.window is None else None
            opened = self._open_window(due) if due is not None else None
            if opened is not None:
                yield from self._play_out(opened)
                yield WindowEvent(opened.event, True)
            elif self.window is not None and self.sent >= self.window.closes_at:
                yield from self._close_window()
            else:
                delta = self._walk()
                if delta is None:
                    return
                flags = {
                    "lost": _take(lost, self.sent) or _every(cfg.lost_every, self.sent),
                    "corrupt": _take(corrupt, self.sent),
                }
                yield Delta(delta.ticker, delta.side, delta.price, delta.delta, **flags)
                self.sent += 1
            after = cfg.disconnect_after
            if not disconnected and after is not None and self.sent >= after:
                disconnected = True
                yield Disconnect()
        if self.window is not None:
            yield from self._close_window()

    def _play_out(self, window: _Window) -> Iterator[Step]:
        """The window's changes, each applied as it is yielded (the books follow the stream)."""
        for delta in window.changes:
            self.sent += 1
            yield self._apply(delta)

    def _apply(self, delta: Delta) -> Delta:
        bids = self.books[delta.ticker].yes if delta.side == "yes" else self.books[delta.ticker].no
        size = bids.get(delta.price, Decimal(0)) + delta.delta
        if size > 0:
            bids[delta.price] = size
        else:
            bids.pop(delta.price, None)
        return delta

    def _walk(self) -> Delta | None:
        rng = self.rng
        window = self.window.markets if self.window is not None else ()
        free = [t for t in self._playing if t not in window]
        if not free:
            return None
        ticker = rng.choice(free)
        side = rng.choice(("yes", "no"))
        book = self.books[ticker]
        bids = book.yes if side == "yes" else book.no
        if bids and rng.random() < 0.35:
            price = rng.choice(sorted(bids))
            size = bids[price]
            take = size if size <= 1 or rng.random() < 0.5 else (size / 2).quantize(ONE)
            return self._apply(Delta(ticker, side, price, -take))
        cap = self.caps[(ticker, side)]
        price = max(CENT, cap - rng.randint(0, 5) * CENT)
        return self._apply(Delta(ticker, side, price, rng.choice(SIZES)))

    # --- arbitrage windows ---------------------------------------------------------------------

    def _open_window(self, length: int) -> _Window | None:
        """The next window (its changes still to play), or None when no event can hold one."""
        playing = set(self._playing)
        candidates = sorted(
            e
            for e, markets in self.events.items()
            if all(m in playing for m in markets) and self.arbitrage_free(e)
        )
        if not candidates:
            return None
        event = self.rng.choice(candidates)
        markets = self.events[event]
        asks = self.yes_asks(markets)
        if asks is None:
            return None
        # One market's YES ask drops so that the event's sum is 1 − edge: the event turns into
        # an arbitrage with the window's very last change, and out of it with the first undone.
        ticker = markets[asks.index(max(asks))]
        ask = max(asks) - (sum(asks) - (ONE - self.config.window_edge))
        if ask < CENT:
            return None
        window = _Window(event, markets, closes_at=self.sent + length + 1)
        book = self.books[ticker]
        for price in sorted(p for p in book.yes if p >= ask):
            window.changes.append(Delta(ticker, "yes", price, -book.yes[price]))
        window.changes.append(Delta(ticker, "no", ONE - ask, WINDOW_SIZE))
        window.restore = [Delta(d.ticker, d.side, d.price, -d.delta) for d in window.changes]
        window.restore.reverse()
        self.window = window
        return window

    def _close_window(self) -> Iterator[Step]:
        window = self.window
        if window is None:
            return
        self.window = None
        yield WindowEvent(window.event, False)
        yield from self._play_out(_Window(window.event, window.markets, 0, window.restore))


def _take(marks: list[int], sent: int) -> bool:
    """Whether the next message is at the first of these counts (consumed when it is)."""
    if marks and sent >= marks[0]:
        marks.pop(0)
        return True
    return False


def _every(period: int | None, sent: int) -> bool:
    return period is not None and sent > 0 and sent % period == 0
