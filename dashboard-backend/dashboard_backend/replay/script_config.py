"""What every scripted websocket stream of the replay server is configured by (pure): its seed,
length, pace, arbitrage windows and scripted disconnect, whatever venue it speaks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ScriptBase:
    """How a script plays. `messages=None` is continuous mode (for `make demo`)."""

    seed: int = 0
    messages: int | None = 200
    rate: float = 0.0  # messages per second; 0 = as fast as the socket takes them
    start_delay_sec: float = 0.0  # after the first subscription (lets chunked subscribes land)
    arb_windows: int = 1  # finite mode: windows spread evenly over the script
    window_every: int = 400  # continuous mode: a window opens every N messages ...
    window_length: int = 120  # ... and closes N messages later
    window_edge: Decimal = Decimal("0.08")  # 1 − Σ asks while open (beats any taker fee)
    disconnect_after: int | None = None  # abort every connection after N messages (once)
    missed_after_disconnect: int = 10  # messages played while nobody is connected

    def windows(self) -> WindowTimer:
        """When this script's windows open, asked message by message."""
        return WindowTimer(self)

    def window_schedule(self) -> list[tuple[int, int]] | None:
        """Finite mode: (opening message count, length) of each window; None when continuous."""
        if self.messages is None:
            return None
        n, k = self.messages, self.arb_windows
        return [(int((i + 0.2) * n / k), max(1, int(0.4 * n / k))) for i in range(k)]

    def continuous_window_due(self, sent: int) -> bool:
        """Continuous mode: whether a window opens after `sent` messages."""
        every = self.window_every
        return sent > 0 and sent % every == every // 2


class WindowTimer:
    """The windows of one run of a script: `due(sent)` is a window's length when one opens."""

    def __init__(self, config: ScriptBase):
        self.config = config
        self.schedule = config.window_schedule()

    def due(self, sent: int) -> int | None:
        """The length of the window opening after `sent` messages, if one does."""
        if self.schedule is None:
            return self.config.window_length if self.config.continuous_window_due(sent) else None
        if self.schedule and sent >= self.schedule[0][0]:
            return self.schedule.pop(0)[1]
        return None
