"""The ambiguous band: which engine verdicts the LLM verifier is asked about.

A verdict is in the band when its relation is one of `relations` and its confidence lies in
[`min_confidence`, `max_confidence`] (both bounds included). The two subset directions count
alike: which market of a pair is A is an accident of order (the worker asks each pair in the
order of its market ids), so naming either direction takes both. The defaults (every relation,
confidence at most 0.6) take the engine's least certain readings: partial topic overlaps
(0.5), lines or outcomes it could not read (0.5), bundles of bets (0.6); its rule-backed verdicts
(0.7 and up) stay out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import Relation

if TYPE_CHECKING:
    from dashboard_backend.settings import Settings


_MIRROR = {
    Relation.SUBSET_A_IN_B: Relation.SUBSET_B_IN_A,
    Relation.SUBSET_B_IN_A: Relation.SUBSET_A_IN_B,
}


@dataclass(frozen=True)
class Band:
    """A confidence interval and the relations it applies to."""

    min_confidence: float = 0.0
    max_confidence: float = 0.6
    relations: frozenset[Relation] = field(default_factory=lambda: frozenset(Relation))

    def holds(self, verdict: Verdict) -> bool:
        """Whether the verifier is asked about this verdict."""
        relation = verdict.relation
        return (
            relation in self.relations or _MIRROR.get(relation) in self.relations
        ) and self.min_confidence <= verdict.confidence <= self.max_confidence

    @classmethod
    def from_settings(cls, settings: Settings) -> Band:
        """The band of LLM_BAND_MIN_CONFIDENCE / LLM_BAND_MAX_CONFIDENCE / LLM_BAND_RELATIONS."""
        return cls(
            settings.llm_band_min_confidence,
            settings.llm_band_max_confidence,
            frozenset(settings.llm_band_relation_set),
        )
