"""Polymarket taker fees: the fee formula and the per-market rate table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from dashboard_backend.models import MarketDocument

if TYPE_CHECKING:
    from dashboard_backend.settings import Settings


def taker_fee(shares: float, price: float, rate: float) -> float:
    """USD taker fee for `shares` at `price`: shares × rate × p × (1 − p) (makers pay none)."""
    return shares * rate * price * (1.0 - price)


class FeeTable:
    """Taker fee rate per market: its own stated rate, else its category's, else a default."""

    __slots__ = ("default", "rates")

    def __init__(self, rates: Mapping[str, float], default: float):
        # Categories are matched case-insensitively, as in Settings.fee_rate_for_category.
        self.rates: dict[str, float] = {k.strip().lower(): float(v) for k, v in rates.items()}
        self.default = float(default)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeeTable:
        """The table configured by FEE_RATES and FEE_RATE_DEFAULT."""
        return cls(settings.fee_rates, settings.fee_rate_default)

    def rate_for(self, doc: MarketDocument) -> float:
        """The taker fee rate that applies to this market."""
        if doc.fee_rate is not None:
            return doc.fee_rate
        if doc.category is not None:
            rate = self.rates.get(doc.category.strip().lower())
            if rate is not None:
                return rate
        return self.default
