"""The stand-in's Kalshi websocket script (pure): deterministic, never crossed, arbitrage only in
its windows, and every window closed exactly as it opened."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from dashboard_backend.replay.kalshi_data import KalshiDataset, load_kalshi
from dashboard_backend.replay.kalshi_script import (
    Delta,
    KalshiScenario,
    KalshiScriptConfig,
    exclusive_events,
)
from dashboard_backend.replay.ws_script import Disconnect, WindowEvent


def _data(shared_data: Path) -> KalshiDataset:
    return load_kalshi(shared_data, seed=2, arb_every=0)


def test_same_inputs_same_steps_with_the_scripted_faults(shared_data: Path) -> None:
    data = _data(shared_data)
    config = KalshiScriptConfig(
        seed=5, messages=300, lost_at=(40,), corrupt_at=(90,), disconnect_after=200
    )
    first = list(KalshiScenario(data.books, data.events, config).steps())
    assert first == list(KalshiScenario(data.books, data.events, config).steps())
    deltas = [s for s in first if isinstance(s, Delta)]
    assert len(deltas) == 300
    assert sum(d.lost for d in deltas) == 1
    assert sum(d.corrupt for d in deltas) == 1
    assert sum(isinstance(s, Disconnect) for s in first) == 1
    # The scenario works on copies: the served books have not moved.
    assert data.books == _data(shared_data).books


def _books(
    scenario: KalshiScenario, tickers: tuple[str, ...]
) -> dict[str, tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]]:
    return {t: (dict(scenario.books[t].yes), dict(scenario.books[t].no)) for t in tickers}


def test_books_never_cross_and_only_windows_hold_arbitrage(shared_data: Path) -> None:
    data = _data(shared_data)
    events = exclusive_events(data.events)
    followed = sorted(events)[:10]
    tickers = [t for e in followed for t in events[e]]
    config = KalshiScriptConfig(seed=8, messages=900, arb_windows=3)
    scenario = KalshiScenario(data.books, data.events, config, tickers)
    free_at_start = {e for e in followed if scenario.arbitrage_free(e)}
    assert len(free_at_start) == 10
    open_window: str | None = None
    closing: tuple[str, int, dict[str, tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]]]
    closing = ("", -1, {})
    windows = closed = 0
    # Events found holding arbitrage after the last change: fine only when that change was the
    # last of a window's opening (the window is announced right after it).
    suspects: set[str] = set()
    for step in scenario.steps():
        if isinstance(step, WindowEvent) and step.opened:
            suspects.discard(step.market_id)
        assert not suspects
        if isinstance(step, WindowEvent):
            if step.opened:
                open_window = step.market_id
                windows += 1
                asks = scenario.yes_asks(events[open_window])
                assert asks is not None
                assert sum(asks) == 1 - config.window_edge
                # What closing it must give back: its books with the opening undone.
                window = scenario.window
                assert window is not None
                undone = KalshiScenario({t: scenario.books[t] for t in window.markets}, [], config)
                for delta in window.restore:
                    undone._apply(delta)
                closing = (open_window, len(window.restore), _books(undone, window.markets))
            else:
                open_window = None
            continue
        assert isinstance(step, Delta)
        event, left, expected = closing
        closing_now = open_window is None and left > 0
        if closing_now:
            left -= 1
            closing = (event, left, expected)
            if left == 0:
                assert _books(scenario, events[event]) == expected
                closed += 1
        for ticker in tickers:
            yes, no = scenario.books[ticker].best()
            assert yes is None or no is None or yes + no < 1, ticker
        # Arbitrage only inside a window (open, or being closed).
        for free in free_at_start - {open_window, event if closing_now else None}:
            if not scenario.arbitrage_free(free):
                suspects.add(free)
    assert not suspects
    assert windows == closed == 3
