"""Taker fees: the fee formula, venue fee schedules and the per-market rate table.

Every venue here charges takers `rate × shares × p × (1 − p)` per fill; they differ in rounding:

    proportional  (Polymarket)  the exact amount, so fees are linear in size
    order_cent_up (Kalshi)      the order's total rounded up to the cent, once per order

Per-order rounding makes a fee non-linear in size (one more contract can cost a whole cent), so
code sizing a trade must judge the rounded fee of the whole order, not a per-share rate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dashboard_backend.models import MarketDocument

if TYPE_CHECKING:
    from dashboard_backend.settings import Settings
    from dashboard_backend.venues.base import FeeModel

FeeRounding = Literal["proportional", "order_cent_up"]

# A raw fee this close under a cent boundary is that boundary (0.07 × 100 = 7.000000000000001).
_CENT_TOLERANCE = 1e-7

KALSHI_TAKER_RATE = 0.07


@dataclass(frozen=True, slots=True)
class VenueFeeRule:
    """How a venue rounds its taker fee, and its rate when the market states none.

    `default_rate` None means the rate comes from the category table (FEE_RATES / FEE_RATE_DEFAULT).
    """

    rounding: FeeRounding
    default_rate: float | None = None


# Venues missing here are charged like Polymarket (proportional, category table).
VENUE_FEE_RULES: dict[str, VenueFeeRule] = {
    "polymarket": VenueFeeRule("proportional"),
    "kalshi": VenueFeeRule("order_cent_up", KALSHI_TAKER_RATE),
}


def taker_fee(shares: float, price: float, rate: float) -> float:
    """USD taker fee for `shares` at `price`: shares × rate × p × (1 − p) (makers pay none)."""
    return shares * rate * price * (1.0 - price)


def ceil_to_cent(amount: float) -> float:
    """`amount` rounded up to the next cent (an amount already on a cent, within float noise, stays)."""
    if amount <= 0.0:
        return 0.0
    return math.ceil(amount * 100.0 - _CENT_TOLERANCE) / 100.0


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """One market's taker fee: a rate and a rounding rule, applied to a whole order."""

    rate: float
    rounding: FeeRounding = "proportional"

    @classmethod
    def polymarket(cls, rate: float) -> FeeSchedule:
        """Polymarket: shares × rate × p × (1 − p), exact."""
        return cls(rate, "proportional")

    @classmethod
    def kalshi(cls, rate: float = KALSHI_TAKER_RATE) -> FeeSchedule:
        """Kalshi: ceil to the cent of rate × contracts × p × (1 − p), once per order."""
        return cls(rate, "order_cent_up")

    def per_share(self, price: float) -> float:
        """The unrounded fee of one share at `price` (the marginal fee before rounding)."""
        return self.rate * price * (1.0 - price)

    def settle(self, raw: float) -> float:
        """The fee charged for an order whose unrounded fee is `raw`."""
        return raw if self.rounding == "proportional" else ceil_to_cent(raw)

    def order_fee(self, fills: Iterable[tuple[float, float]]) -> float:
        """USD fee of one order filled as (price, shares) pairs."""
        return self.settle(sum(taker_fee(shares, price, self.rate) for price, shares in fills))


class FeeTable:
    """Taker fee rate per market, the one lookup every opportunity computation uses: the market's
    own stated rate, else its venue's fee model (Kalshi: per series), else its venue's default,
    else its category's, else a default."""

    __slots__ = ("default", "rates", "venues")

    def __init__(
        self,
        rates: Mapping[str, float],
        default: float,
        venues: Mapping[str, FeeModel] | None = None,
    ):
        # Categories are matched case-insensitively, as in Settings.fee_rate_for_category.
        self.rates: dict[str, float] = {k.strip().lower(): float(v) for k, v in rates.items()}
        self.default = float(default)
        self.venues: dict[str, FeeModel] = dict(venues or {})

    @classmethod
    def from_settings(cls, settings: Settings) -> FeeTable:
        """The table of FEE_RATES and FEE_RATE_DEFAULT, with each venue's own fee model (Kalshi's
        series rates, extended by KALSHI_FEE_RATES)."""
        # Imported here: the venue packages import this module.
        from dashboard_backend.venues.registry import venue_fee_models

        return cls(settings.fee_rates, settings.fee_rate_default, venue_fee_models(settings))

    def rate_for(self, doc: MarketDocument) -> float:
        """The taker fee rate that applies to this market."""
        if doc.fee_rate is not None:
            return doc.fee_rate
        model = self.venues.get(doc.venue)
        if model is not None:
            return model.rate_for(doc)
        rule = VENUE_FEE_RULES.get(doc.venue)
        if rule is not None and rule.default_rate is not None:
            return rule.default_rate
        if doc.category is not None:
            rate = self.rates.get(doc.category.strip().lower())
            if rate is not None:
                return rate
        return self.default

    def schedule_for(self, doc: MarketDocument) -> FeeSchedule:
        """The fee schedule (rate and venue rounding) of an order on this market."""
        rule = VENUE_FEE_RULES.get(doc.venue)
        rounding: FeeRounding = rule.rounding if rule is not None else "proportional"
        return FeeSchedule(self.rate_for(doc), rounding)
