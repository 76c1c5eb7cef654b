"""Which markets get full order books when a venue cannot book-poll its whole catalog (pure).

Kalshi lists far more markets than a 20-requests/s budget can fetch books for, so every market is
served by its listing's top of book and full books are fetched for the markets that matter, in
this order, up to a cap:

1. markets in a current opportunity (keep judging what is live),
2. markets in a cross-venue match (the relation engine and cross-venue maths need their books),
3. markets whose listing top of book could pay: a binary market whose two asks sum below 1 or
   whose two bids sum above 1, or a mutually exclusive event whose YES asks sum below 1 (a
   necessary condition: fees only lower an edge, so nothing else can be an opportunity).

A market of a mutually exclusive (negRisk-like) group pulls in the rest of its group, since a
buy-all can only be judged with every member's book. Within a tier, markets go in id order, so
the selection is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dashboard_backend.models import MarketDocument
from dashboard_backend.opportunities import negrisk_group_key

# Float sums of prices carry noise; a candidate is only selected, never judged, here.
_EPSILON = 1e-9


def binary_may_pay(doc: MarketDocument) -> bool:
    """Top-of-book necessary condition for a binary buy-both or split-sell."""
    if len(doc.outcomes) != 2:
        return False
    a, b = doc.outcomes
    if a.best_ask is not None and b.best_ask is not None and a.best_ask + b.best_ask < 1 - _EPSILON:
        return True
    return (
        a.best_bid is not None and b.best_bid is not None and a.best_bid + b.best_bid > 1 + _EPSILON
    )


def group_may_pay(members: Iterable[MarketDocument]) -> bool:
    """Top-of-book necessary condition for buying YES on every market of an exclusive event."""
    total = 0.0
    count = 0
    for doc in members:
        yes = doc.yes_outcome()
        if yes is None or yes.best_ask is None:
            return False
        total += yes.best_ask
        count += 1
    return count >= 2 and total < 1 - _EPSILON


def select_book_markets(
    docs: Mapping[str, MarketDocument],
    in_opportunities: Iterable[str],
    related: Iterable[str],
    limit: int,
) -> list[str]:
    """Market ids to fetch full books for, by priority, at most `limit` (see module docstring)."""
    groups: dict[str, list[str]] = {}
    for doc in docs.values():
        key = negrisk_group_key(doc)
        if key is not None:
            groups.setdefault(key, []).append(doc.id)
    candidates = sorted(mid for mid, doc in docs.items() if binary_may_pay(doc))
    for members in groups.values():
        if group_may_pay(docs[m] for m in members):
            candidates.extend(sorted(members))
    tiers = (sorted(set(in_opportunities)), sorted(set(related)), candidates)
    chosen: dict[str, None] = {}
    for tier in tiers:
        for mid in tier:
            found = docs.get(mid)
            if found is None or mid in chosen:
                continue
            key = negrisk_group_key(found)
            members = sorted(groups.get(key, [mid])) if key is not None else [mid]
            if len(chosen) + len(members) > limit:
                continue  # a whole group or nothing; a smaller one may still fit
            chosen.update(dict.fromkeys(members))
    return list(chosen)
