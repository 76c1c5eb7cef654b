"""Related pairs of markets, read from the match lists the relation engine writes (pure).

`markets:cross_matches` holds, per base market A, entries for its matches B, each with the
relation of A to B and the outcome map. The same pair usually appears from both sides (A's list
and B's list) with the relation mirrored; here each pair is kept once, oriented with the smaller
market id as A. Two entries for one pair that disagree (after mirroring) cancel each other: a
pair whose relation is in doubt is not traded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dashboard_backend.cross.portfolios import KIND_BY_RELATION
from dashboard_backend.models import MatchEntry, OutcomeLink, Relation

_MIRRORED = {
    Relation.SUBSET_A_IN_B: Relation.SUBSET_B_IN_A,
    Relation.SUBSET_B_IN_A: Relation.SUBSET_A_IN_B,
}


@dataclass(frozen=True, slots=True)
class RelatedPair:
    """Two markets and the tradeable relation of A to B, with its outcome map."""

    a_id: str
    b_id: str
    relation: Relation
    links: tuple[OutcomeLink, ...]
    confidence: float | None = None

    @property
    def key(self) -> str:
        """The pair's id: both market ids, A first."""
        return f"{self.a_id}|{self.b_id}"

    def mirrored(self) -> RelatedPair:
        """The same pair seen from B: relation and links turned around."""
        return RelatedPair(
            a_id=self.b_id,
            b_id=self.a_id,
            relation=_MIRRORED.get(self.relation, self.relation),
            links=tuple(
                OutcomeLink(
                    a_token=link.b_token,
                    a_outcome=link.b_outcome,
                    b_token=link.a_token,
                    b_outcome=link.a_outcome,
                )
                for link in self.links
            ),
            confidence=self.confidence,
        )

    def same_claim(self, other: RelatedPair) -> bool:
        """Same markets, relation and links (in any order); confidence aside."""
        return (
            self.a_id == other.a_id
            and self.b_id == other.b_id
            and self.relation is other.relation
            and set(self.links) == set(other.links)
        )


def _oriented(base_id: str, entry: MatchEntry) -> RelatedPair | None:
    """The entry as a pair with the smaller id first; None when it states no tradeable relation."""
    if entry.relation is None or entry.relation not in KIND_BY_RELATION or not entry.outcome_map:
        return None
    if base_id == entry.market_id:
        return None
    pair = RelatedPair(
        a_id=base_id,
        b_id=entry.market_id,
        relation=entry.relation,
        links=entry.outcome_map,
        confidence=entry.confidence,
    )
    return pair if pair.a_id < pair.b_id else pair.mirrored()


def related_pairs(matches: Mapping[str, Iterable[MatchEntry]]) -> dict[str, RelatedPair]:
    """Every pair with a tradeable relation, once, by key; disagreeing duplicates dropped."""
    pairs: dict[str, RelatedPair] = {}
    conflicted: set[str] = set()
    for base_id, entries in matches.items():
        for entry in entries:
            pair = _oriented(base_id, entry)
            if pair is None or pair.key in conflicted:
                continue
            seen = pairs.get(pair.key)
            if seen is None:
                pairs[pair.key] = pair
            elif not seen.same_claim(pair):
                del pairs[pair.key]
                conflicted.add(pair.key)
            elif pair.confidence is not None and (
                seen.confidence is None or pair.confidence < seen.confidence
            ):
                pairs[pair.key] = pair  # the more cautious confidence of the two
    return pairs
