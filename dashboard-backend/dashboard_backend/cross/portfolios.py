"""Which two outcomes to buy on a related pair of markets, from its relation and outcome map.

A world is one outcome of A winning together with one outcome of B. The relation's links rule
some worlds out (see `OutcomeLink`): equivalent / inverse — `a` wins exactly when `b` wins;
subset_a_in_b — `a` winning implies `b` wins; subset_b_in_a — the reverse; mutually_exclusive —
never both. A portfolio (one outcome of A + one outcome of B, one share each) is reported only
when it pays at least $1 in every world left. On binary markets that gives exactly:

    equivalent (a ⇔ b)        a + ¬b and ¬a + b     (both directions)
    inverse (YES_A ⇔ NO_B)    YES_A + YES_B and NO_A + NO_B
    subset_a_in_b (a ⇒ b)     ¬a + b
    subset_b_in_a (b ⇒ a)     a + ¬b
    mutually_exclusive        ¬a + ¬b

where ¬x is the market's other outcome, whatever the order or names of its outcomes. A map whose
links name an outcome the market does not have, or that leave some outcome of a market unable to
win (a contradiction such as a ⇔ b and a ⇔ ¬b), is refused: nothing is traded on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

from dashboard_backend.models import (
    MarketDocument,
    OpportunityKind,
    Outcome,
    OutcomeLink,
    Relation,
)

KIND_BY_RELATION: dict[Relation, OpportunityKind] = {
    Relation.EQUIVALENT: "cross_equivalent",
    Relation.INVERSE: "cross_inverse",
    Relation.SUBSET_A_IN_B: "cross_subset",
    Relation.SUBSET_B_IN_A: "cross_subset",
    Relation.MUTUALLY_EXCLUSIVE: "cross_exclusive",
}

# A world: (token of A's winning outcome, token of B's winning outcome).
World = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PairPortfolio:
    """Buy one share of `a_outcome` on A and one of `b_outcome` on B per set."""

    kind: OpportunityKind
    a_outcome: Outcome
    b_outcome: Outcome
    payout: float  # USD per set in the worst world left by the relation


def link_holds(relation: Relation, link: OutcomeLink, world: World) -> bool:
    """Whether `world` is possible under this link of this relation."""
    a_wins = world[0] == link.a_token
    b_wins = world[1] == link.b_token
    if relation in (Relation.EQUIVALENT, Relation.INVERSE):
        return a_wins == b_wins
    if relation is Relation.SUBSET_A_IN_B:
        return b_wins or not a_wins
    if relation is Relation.SUBSET_B_IN_A:
        return a_wins or not b_wins
    if relation is Relation.MUTUALLY_EXCLUSIVE:
        return not (a_wins and b_wins)
    return True  # related / unrelated: no constraint, so no portfolio is guaranteed


def _names(outcome: Outcome | None, name: str) -> bool:
    return outcome is not None and outcome.name.strip().lower() == name.strip().lower()


def _outcome_by_token(doc: MarketDocument, token: str) -> Outcome | None:
    for outcome in doc.outcomes:
        if outcome.token_id == token:
            return outcome
    return None


def valid_links(a: MarketDocument, b: MarketDocument, links: Sequence[OutcomeLink]) -> bool:
    """Every link names a real outcome of each market, by token and by name."""
    if not links:
        return False
    for link in links:
        if not _names(_outcome_by_token(a, link.a_token), link.a_outcome):
            return False
        if not _names(_outcome_by_token(b, link.b_token), link.b_outcome):
            return False
    return True


def possible_worlds(
    a: MarketDocument, b: MarketDocument, relation: Relation, links: Sequence[OutcomeLink]
) -> list[World]:
    """The worlds every link of the relation allows."""
    return [
        (oa.token_id, ob.token_id)
        for oa, ob in product(a.outcomes, b.outcomes)
        if all(link_holds(relation, link, (oa.token_id, ob.token_id)) for link in links)
    ]


def pair_portfolios(
    a: MarketDocument, b: MarketDocument, relation: Relation, links: Sequence[OutcomeLink]
) -> list[PairPortfolio]:
    """The two-leg buy portfolios paying at least $1 in every world the relation allows."""
    kind = KIND_BY_RELATION.get(relation)
    if kind is None or a.id == b.id or len(a.outcomes) < 2 or len(b.outcomes) < 2:
        return []
    if not valid_links(a, b, links):
        return []
    worlds = possible_worlds(a, b, relation, links)
    # Every outcome of each market must still be able to win; otherwise the map contradicts
    # itself (or claims a market is already decided) and any "guarantee" would be vacuous.
    if {w[0] for w in worlds} != {o.token_id for o in a.outcomes}:
        return []
    if {w[1] for w in worlds} != {o.token_id for o in b.outcomes}:
        return []
    out: list[PairPortfolio] = []
    for oa, ob in product(a.outcomes, b.outcomes):
        payout = min((wa == oa.token_id) + (wb == ob.token_id) for wa, wb in worlds)
        if payout >= 1:
            out.append(PairPortfolio(kind, oa, ob, float(payout)))
    return out
