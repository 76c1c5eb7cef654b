"""Which changes deserve an alert (pure: typed values in, verdicts out).

An opportunity alerts when its expected profit reaches ALERT_MIN_PROFIT_USD, its annualised
return reaches ALERT_MIN_ANNUALIZED_RETURN (when that is set, an opportunity that states none does
not alert), and its kind, venues and category are among those listed (an empty list allows all;
every venue of a multi-venue opportunity must be listed: those are the venues you trade on).
A pair alerts when the relation engine's verdict is one of ALERT_RELATIONS with at least
ALERT_MIN_CONFIDENCE, with the same venue and category conditions.

Repeats: an opportunity alerts again only when its expected profit or edge moved by at least
ALERT_MATERIAL_CHANGE (relative) since the last message; a pair only when its relation changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dashboard_backend.models import MarketDocument, MatchEntry, Opportunity
from dashboard_backend.settings import Settings


def comma_set(text: str) -> frozenset[str]:
    """Lower-cased, trimmed, non-empty items of a comma-separated setting."""
    return frozenset(item.strip().lower() for item in text.split(",") if item.strip())


@dataclass(frozen=True)
class AlertRules:
    """The user's alert thresholds."""

    min_profit_usd: float = 1.0
    min_annualized_return: float = 0.0
    kinds: frozenset[str] = frozenset()
    venues: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    min_confidence: float = 0.8
    material_change: float = 0.2

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertRules:
        """The rules the ALERT_* settings describe."""
        return cls(
            min_profit_usd=settings.alert_min_profit_usd,
            min_annualized_return=settings.alert_min_annualized_return,
            kinds=comma_set(settings.alert_kinds),
            venues=comma_set(settings.alert_venues),
            categories=comma_set(settings.alert_categories),
            relations=comma_set(settings.alert_relations),
            min_confidence=settings.alert_min_confidence,
            material_change=settings.alert_material_change,
        )

    def allows_venues(self, venues: Iterable[str]) -> bool:
        """Every venue is listed (or no list)."""
        return not self.venues or all(v.lower() in self.venues for v in venues)

    def allows_category(self, category: str | None) -> bool:
        """The category is listed (or no list)."""
        return not self.categories or (category or "").lower() in self.categories


def opportunity_refusal(op: Opportunity, rules: AlertRules) -> str | None:
    """Why this opportunity does not alert, or None when it does."""
    if op.expected_profit < rules.min_profit_usd:
        return "profit below ALERT_MIN_PROFIT_USD"
    if rules.min_annualized_return > 0:
        annual = op.annualized_return
        if annual is None or annual < rules.min_annualized_return:
            return "annualised return below ALERT_MIN_ANNUALIZED_RETURN"
    if rules.kinds and op.kind.lower() not in rules.kinds:
        return "kind not in ALERT_KINDS"
    if not rules.allows_venues(op.venues):
        return "venue not in ALERT_VENUES"
    if not rules.allows_category(op.category):
        return "category not in ALERT_CATEGORIES"
    return None


def relation_refusal(
    entry: MatchEntry, base: MarketDocument, match: MarketDocument, rules: AlertRules
) -> str | None:
    """Why this pair does not alert, or None when it does."""
    if entry.relation is None or entry.relation.value not in rules.relations:
        return "relation not in ALERT_RELATIONS"
    if (entry.confidence or 0.0) < rules.min_confidence:
        return "confidence below ALERT_MIN_CONFIDENCE"
    if not rules.allows_venues((base.venue, match.venue)):
        return "venue not in ALERT_VENUES"
    if not rules.allows_category(base.category):
        return "category not in ALERT_CATEGORIES"
    return None


@dataclass(frozen=True)
class OpportunityTerms:
    """What a message about an opportunity promised: a repeat needs these to move."""

    expected_profit: float
    edge: float

    @classmethod
    def of(cls, op: Opportunity) -> OpportunityTerms:
        """The terms of an opportunity."""
        return cls(op.expected_profit, op.edge)

    @classmethod
    def from_dict(cls, value: Mapping[str, object]) -> OpportunityTerms | None:
        """Terms read back from storage; None when they are not two numbers."""
        profit, edge = value.get("expected_profit"), value.get("edge")
        if isinstance(profit, int | float) and isinstance(edge, int | float):
            return cls(float(profit), float(edge))
        return None


def _moved(before: float, after: float, ratio: float) -> bool:
    return abs(after - before) >= ratio * max(abs(before), 1e-9)


def materially_changed(
    before: OpportunityTerms | None, after: OpportunityTerms, ratio: float
) -> bool:
    """True for a first message, or when profit or edge moved by at least `ratio` of before."""
    if before is None:
        return True
    return _moved(before.expected_profit, after.expected_profit, ratio) or _moved(
        before.edge, after.edge, ratio
    )
