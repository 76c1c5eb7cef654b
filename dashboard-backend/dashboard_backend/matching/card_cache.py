"""Cards, views and blocking keys of the markets seen, by market id and relation key."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from dashboard_backend.matching.blocking import Groups, card_keys, posted_keys
from dashboard_backend.matching.cards import Card, parse_card
from dashboard_backend.matching.delta import relation_key
from dashboard_backend.matching.markets import MarketView, market_text, view_market
from dashboard_backend.models import MarketDocument


class CardCache:
    """Cards (and views and blocking keys) of the markets seen: an unchanged market is parsed
    once per process."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Hashable, Card]] = {}
        self._views: dict[str, MarketView] = {}
        self._keys: dict[str, tuple[Groups, frozenset[str]]] = {}

    def card(self, doc: MarketDocument, key: Hashable | None = None) -> Card:
        """The card of a document (parsed when the document is new or changed)."""
        key = relation_key(doc) if key is None else key
        hit = self._entries.get(doc.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        card = parse_card(market_text(doc))
        self._entries[doc.id] = (key, card)
        self._views.pop(doc.id, None)
        self._keys.pop(doc.id, None)
        return card

    def _current(self, doc: MarketDocument) -> Card:
        hit = self._entries.get(doc.id)
        return hit[1] if hit is not None else self.card(doc)

    def view(self, doc: MarketDocument) -> MarketView:
        """The market's view (its card must be current: call `card` first in the pass)."""
        view = self._views.get(doc.id)
        if view is None:
            view = view_market(doc, self._current(doc))
            self._views[doc.id] = view
        return view

    def block_keys(self, doc: MarketDocument) -> tuple[Groups, frozenset[str]]:
        """The keys the market looks up and the keys it is listed under (card must be current)."""
        keys = self._keys.get(doc.id)
        if keys is None:
            card = self._current(doc)
            groups = card_keys(card)
            keys = (groups, posted_keys(card, groups))
            self._keys[doc.id] = keys
        return keys

    def retain(self, docs: Sequence[MarketDocument]) -> None:
        """Forget markets no longer in the catalog."""
        keep = {d.id for d in docs}
        self.forget([k for k in self._entries if k not in keep])

    def forget(self, ids: Iterable[str]) -> None:
        """Forget these markets."""
        for gone in ids:
            self._entries.pop(gone, None)
            self._views.pop(gone, None)
            self._keys.pop(gone, None)

    def __len__(self) -> int:
        return len(self._entries)
