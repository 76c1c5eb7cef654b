"""Equivalent exhaustive multi-outcome events on two venues (or two events of one venue).

Event E (markets e1..en) and event F (f1..fn) have the same outcome set when each ei is paired
with exactly one fj by an `equivalent` relation whose map links their YES outcomes, and both
events are closed groups: exactly one market of each resolves YES, every market of the event is
known, and neither has an implicit "Other" outcome (`is_closed_group`). Then buying YES on every
outcome, each where it is cheapest, pays $1 in every world: whichever outcome wins, the shares
bought for it pay on whichever venue they were bought. Nothing short of that proof is traded:
a partial map, a many-to-one map, an open or augmented event all give no outcome set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dashboard_backend.cross.pairs import RelatedPair
from dashboard_backend.cross.portfolios import possible_worlds, valid_links
from dashboard_backend.models import MarketDocument, Relation
from dashboard_backend.opportunities import CatalogIndex, is_closed_group, negrisk_group_key


@dataclass(frozen=True, slots=True)
class OutcomeSetPair:
    """Two events with one-to-one equivalent outcomes: `slots` pairs their market ids."""

    a_group: str
    b_group: str
    slots: tuple[tuple[str, str], ...]  # (market of A's event, its equivalent in B's), by A id
    confidence: float | None = None  # the lowest of the slots' pairs

    @property
    def key(self) -> str:
        """The set's id: both group keys, A first (prefixed: never equal to a pair's key)."""
        return f"set:{self.a_group}|{self.b_group}"


def _yes_equivalent(pair: RelatedPair, a: MarketDocument, b: MarketDocument) -> bool:
    """The pair says A's YES wins exactly when B's YES wins, and nothing contradicting it."""
    yes_a, yes_b = a.yes_outcome(), b.yes_outcome()
    if pair.relation is not Relation.EQUIVALENT or yes_a is None or yes_b is None:
        return False
    if not a.is_binary or not b.is_binary or not valid_links(a, b, pair.links):
        return False
    worlds = set(possible_worlds(a, b, pair.relation, pair.links))
    no_a = next(o for o in a.outcomes if o is not yes_a)
    no_b = next(o for o in b.outcomes if o is not yes_b)
    return worlds == {(yes_a.token_id, yes_b.token_id), (no_a.token_id, no_b.token_id)}


def find_outcome_sets(pairs: Iterable[RelatedPair], catalog: CatalogIndex) -> list[OutcomeSetPair]:
    """Every pair of closed events whose outcomes the pairs match one-to-one."""
    edges: dict[tuple[str, str], list[RelatedPair]] = {}
    for pair in pairs:
        a, b = catalog.by_id.get(pair.a_id), catalog.by_id.get(pair.b_id)
        if a is None or b is None:
            continue
        ga, gb = negrisk_group_key(a), negrisk_group_key(b)
        if ga is None or gb is None or ga == gb or not _yes_equivalent(pair, a, b):
            continue
        # Orient by event, so every slot of one event pair has its A on the same side.
        if ga > gb:
            ga, gb, pair = gb, ga, pair.mirrored()
        edges.setdefault((ga, gb), []).append(pair)
    out: list[OutcomeSetPair] = []
    for (ga, gb), found in sorted(edges.items()):
        members_a = catalog.groups.get(ga, ())
        members_b = catalog.groups.get(gb, ())
        if not is_closed_group(members_a) or not is_closed_group(members_b):
            continue
        a_ids = [p.a_id for p in found]
        b_ids = [p.b_id for p in found]
        one_to_one = len(set(a_ids)) == len(a_ids) and len(set(b_ids)) == len(b_ids)
        if not one_to_one:
            continue
        if set(a_ids) != {d.id for d in members_a} or set(b_ids) != {d.id for d in members_b}:
            continue
        confidences = [p.confidence for p in found if p.confidence is not None]
        out.append(
            OutcomeSetPair(
                a_group=ga,
                b_group=gb,
                slots=tuple(sorted(zip(a_ids, b_ids, strict=True))),
                confidence=min(confidences) if len(confidences) == len(found) else None,
            )
        )
    return out
