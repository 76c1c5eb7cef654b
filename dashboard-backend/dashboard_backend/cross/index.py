"""Token → related pairs and outcome sets it takes part in, so a book change touches only those.

Rebuilt whenever the match lists (or the catalog) change; a book change then costs one lookup
per changed token. Every outcome token of both markets is indexed, not only the linked ones:
a portfolio often buys the other outcome (NO on A + YES on B).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dashboard_backend.cross.outcome_sets import OutcomeSetPair, find_outcome_sets
from dashboard_backend.cross.pairs import RelatedPair, related_pairs
from dashboard_backend.cross.portfolios import PairPortfolio, pair_portfolios
from dashboard_backend.models import MarketDocument, MatchEntry
from dashboard_backend.opportunities import CatalogIndex


@dataclass(frozen=True, slots=True)
class Affected:
    """The pairs and outcome sets a set of book changes touches.

    `portfolios` holds each pair's guaranteed portfolios when known (worked out once per index
    build, not per book change); a pair missing from it has them worked out when priced.
    """

    pairs: tuple[RelatedPair, ...]
    outcome_sets: tuple[OutcomeSetPair, ...]
    portfolios: Mapping[str, tuple[PairPortfolio, ...]] = field(default_factory=dict)


class PairIndex:
    """Related pairs and outcome sets by key, and the keys each token takes part in."""

    __slots__ = ("by_token", "catalog", "outcome_sets", "pairs", "portfolios")

    def __init__(self, pairs: Iterable[RelatedPair], catalog: CatalogIndex):
        self.catalog = catalog
        # Only pairs whose markets are both in the catalog can be priced.
        self.pairs: dict[str, RelatedPair] = {
            p.key: p for p in pairs if p.a_id in catalog.by_id and p.b_id in catalog.by_id
        }
        self.portfolios: dict[str, tuple[PairPortfolio, ...]] = {
            key: tuple(
                pair_portfolios(catalog.by_id[p.a_id], catalog.by_id[p.b_id], p.relation, p.links)
            )
            for key, p in self.pairs.items()
        }
        self.outcome_sets: dict[str, OutcomeSetPair] = {
            s.key: s for s in find_outcome_sets(self.pairs.values(), catalog)
        }
        by_token: dict[str, list[str]] = {}
        for key, pair in self.pairs.items():
            for market_id in (pair.a_id, pair.b_id):
                for outcome in catalog.by_id[market_id].outcomes:
                    by_token.setdefault(outcome.token_id, []).append(key)
        for key, oset in self.outcome_sets.items():
            for a_id, b_id in oset.slots:
                for market_id in (a_id, b_id):
                    yes = catalog.by_id[market_id].yes_outcome()
                    if yes is not None:
                        by_token.setdefault(yes.token_id, []).append(key)
        self.by_token: dict[str, tuple[str, ...]] = {
            t: tuple(dict.fromkeys(keys)) for t, keys in by_token.items()
        }

    @classmethod
    def build(
        cls,
        matches: Mapping[str, Iterable[MatchEntry]],
        catalog: Mapping[str, MarketDocument] | CatalogIndex,
    ) -> PairIndex:
        """The index of the match lists (`markets:cross_matches`) over this catalog."""
        index = catalog if isinstance(catalog, CatalogIndex) else CatalogIndex(catalog.values())
        return cls(related_pairs(matches).values(), index)

    def affected(self, tokens: Iterable[str]) -> Affected:
        """The pairs and outcome sets that hold any of these tokens (unknown tokens ignored)."""
        keys: dict[str, None] = {}
        for token in tokens:
            for key in self.by_token.get(token, ()):
                keys[key] = None
        return Affected(
            pairs=tuple(self.pairs[k] for k in keys if k in self.pairs),
            outcome_sets=tuple(self.outcome_sets[k] for k in keys if k in self.outcome_sets),
            portfolios=self.portfolios,
        )

    def everything(self) -> Affected:
        """Every pair and outcome set (a full recomputation)."""
        return Affected(
            tuple(self.pairs.values()), tuple(self.outcome_sets.values()), self.portfolios
        )
