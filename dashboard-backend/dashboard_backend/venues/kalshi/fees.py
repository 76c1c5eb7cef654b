"""Kalshi taker fees: ceil to the cent of rate × contracts × p × (1 − p), once per order.

The rate is 0.07 on most series; some series state another (0.035 on the S&P 500 and Nasdaq-100
range markets). `SERIES_FEE_RATES` holds the known exceptions and KALSHI_FEE_RATES (JSON map
series ticker -> rate) extends or overrides it. Makers pay nothing here (we only take). The
rounding rule is the venue-neutral `FeeSchedule.kalshi` of `fees.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard_backend.fees import KALSHI_TAKER_RATE, FeeSchedule
from dashboard_backend.models import MarketDocument

SERIES_FEE_RATES: dict[str, float] = {
    "INX": 0.035,
    "INXD": 0.035,
    "INXU": 0.035,
    "KXINX": 0.035,
    "KXINXD": 0.035,
    "KXINXU": 0.035,
    "NASDAQ100": 0.035,
    "NASDAQ100D": 0.035,
    "NASDAQ100U": 0.035,
    "KXNASDAQ100": 0.035,
    "KXNASDAQ100D": 0.035,
    "KXNASDAQ100U": 0.035,
}


class KalshiFees:
    """Per-series taker rate with Kalshi's per-order rounding (a FeeModel)."""

    __slots__ = ("default", "series")

    def __init__(
        self, overrides: Mapping[str, float] | None = None, default: float = KALSHI_TAKER_RATE
    ):
        self.series = {
            **SERIES_FEE_RATES,
            **{k.strip().upper(): float(v) for k, v in (overrides or {}).items()},
        }
        self.default = float(default)

    def rate_for(self, doc: MarketDocument) -> float:
        """The series' rate, else 0.07."""
        series = (doc.series_ticker or "").upper()
        return self.series.get(series, self.default)

    def schedule_for(self, doc: MarketDocument) -> FeeSchedule:
        """Kalshi's schedule for this market: its series' rate, rounded up per order."""
        return FeeSchedule.kalshi(self.rate_for(doc))
