"""The relation engine's answer for a pair: relation, confidence, reasons and aligned outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard_backend.models import OutcomeLink, Relation


@dataclass(frozen=True)
class Verdict:
    """One decision. `links` tie outcomes (tokens / child markets) of A to those of B."""

    relation: Relation
    confidence: float
    reasons: tuple[str, ...]
    links: tuple[OutcomeLink, ...] = ()

    def with_reason(self, reason: str) -> Verdict:
        """A copy with one more reason."""
        return Verdict(self.relation, self.confidence, (*self.reasons, reason), self.links)

    def flipped(self) -> Verdict:
        """The same decision seen from B's side (subset directions and links swapped)."""
        swap = {
            Relation.SUBSET_A_IN_B: Relation.SUBSET_B_IN_A,
            Relation.SUBSET_B_IN_A: Relation.SUBSET_A_IN_B,
        }
        links = tuple(
            OutcomeLink(
                a_token=link.b_token,
                a_outcome=link.b_outcome,
                b_token=link.a_token,
                b_outcome=link.a_outcome,
            )
            for link in self.links
        )
        return Verdict(swap.get(self.relation, self.relation), self.confidence, self.reasons, links)


def unrelated(reason: str, confidence: float = 0.9) -> Verdict:
    """An `unrelated` verdict."""
    return Verdict(Relation.UNRELATED, confidence, (reason,))


def related(reason: str, confidence: float = 0.8) -> Verdict:
    """A `related_not_equivalent` verdict."""
    return Verdict(Relation.RELATED, confidence, (reason,))
