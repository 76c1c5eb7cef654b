"""Every base's list of related markets, rebuilt only where a relation, a similarity or a price
changed since the previous pass.

The order of a base's list needs no prices (`entries.entry_rank`): relation, confidence,
similarity, id. The entries themselves carry prices, so a list is rebuilt when its selection
changed or when a document it reads (the base, or a match) shows other prices, liquidity, dates
or links; otherwise the previous pass's list object is returned as is. A reused entry keeps its
`matched_at` (the pass that first built it, as the store keeps a surviving pair's first time);
every other field equals what a full pass builds.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime

from dashboard_backend.matching.entries import build_entry, entry_rank
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry, Relation

# One kept entry as selected: (match id, verdict as decided for the pair, similarity, flipped).
Selected = tuple[str, Verdict, float, bool]


def price_key(doc: MarketDocument) -> Hashable:
    """What an entry reads of a document besides the relation: prices, liquidity, dates, links."""
    return (
        doc.question,
        doc.category,
        doc.close_time,
        doc.url,
        doc.venue,
        doc.liquidity,
        tuple((o.token_id, o.name, o.best_bid, o.best_ask, o.price) for o in doc.outcomes),
    )


class EntryLists:
    """The lists of the previous pass, with what they were built from."""

    def __init__(self) -> None:
        self._lists: dict[str, tuple[list[Selected], Hashable, list[MatchEntry]]] = {}
        self._prices: dict[str, Hashable] = {}
        self.rebuilt = 0  # lists built in the last pass

    def build(
        self,
        docs: Sequence[MarketDocument],
        ordered: Sequence[tuple[int, int]],
        verdicts: Sequence[Verdict],
        sims: Sequence[float],
        now: datetime,
        bases: Sequence[int] | None,
        top_k: int,
    ) -> dict[str, list[MatchEntry]]:
        """Every base's related markets, strongest relation first, at most `top_k` (a flipped
        verdict ranks like the verdict: subset directions share a rank, so it is flipped only
        for entries kept)."""
        wanted = None if bases is None else set(bases)
        found: dict[int, list[tuple[tuple[int, float, float, str], int, Verdict, float, bool]]]
        found = {}
        for (i, j), verdict, sim in zip(ordered, verdicts, sims, strict=True):
            if verdict.relation == Relation.UNRELATED:
                continue
            if wanted is None or i in wanted:
                rank = entry_rank(verdict, sim, docs[j].id)
                found.setdefault(i, []).append((rank, j, verdict, sim, False))
            if wanted is None or j in wanted:
                rank = entry_rank(verdict, sim, docs[i].id)
                found.setdefault(j, []).append((rank, i, verdict, sim, True))
        prices: dict[str, Hashable] = {}

        def price(k: int) -> Hashable:
            doc = docs[k]
            key = prices.get(doc.id)
            if key is None:
                key = prices[doc.id] = price_key(doc)
            return key

        out: dict[str, list[MatchEntry]] = {}
        lists: dict[str, tuple[list[Selected], Hashable, list[MatchEntry]]] = {}
        self.rebuilt = 0
        for i, candidates in found.items():
            candidates.sort(key=lambda f: f[0])
            kept = candidates[:top_k]
            base = docs[i]
            selected = [(docs[j].id, v, s, flip) for _, j, v, s, flip in kept]
            read = (price(i), tuple(price(j) for _, j, _, _, _ in kept))
            old = self._lists.get(base.id)
            if old is not None and old[1] == read and _same(old[0], selected):
                entries = old[2]
            else:
                self.rebuilt += 1
                entries = [
                    build_entry(base, docs[j], s, now, v.flipped() if flip else v)
                    for _, j, v, s, flip in kept
                ]
            lists[base.id] = (selected, read, entries)
            out[base.id] = entries
        self._lists = lists
        return out


def _same(a: list[Selected], b: list[Selected]) -> bool:
    """The same selection: same matches, the very same verdict objects, same similarities."""
    return len(a) == len(b) and all(
        x[0] == y[0] and x[1] is y[1] and x[2] == y[2] and x[3] == y[3]
        for x, y in zip(a, b, strict=True)
    )
