"""The replay server's state: the served dataset, the live books and the fault plan.

Created once at start-up and passed to every route factory (Gamma, CLOB and the websocket
market channel), so all of them see the same books.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from dashboard_backend.replay.books import BookStore, book_from_wire
from dashboard_backend.replay.cross_plan import CrossPlan, plant_cross
from dashboard_backend.replay.dataset import Dataset, Raw, load_dataset, market_tokens
from dashboard_backend.replay.faults import FaultPlan
from dashboard_backend.replay.kalshi_data import KalshiDataset
from dashboard_backend.replay.synth import (
    ArbPlan,
    plan_arbitrage,
    promote_volumes,
    synthesize_books,
)

log = logging.getLogger(__name__)


def dumps(value: object) -> bytes:
    """Compact JSON bytes, as the venue sends them."""
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass
class ReplayState:
    """Dataset + books + faults, shared by all routes of one replay server."""

    dataset: Dataset
    books: BookStore
    plan: ArbPlan
    faults: FaultPlan = field(default_factory=FaultPlan)
    seed: int = 0
    _market_json: dict[str, bytes] = field(default_factory=dict)
    _event_json: dict[str, bytes] = field(default_factory=dict)
    token_market: dict[str, str] = field(default_factory=dict)  # token id -> market id
    # Tokens whose books the venue serves as an old copy and never streams (a stale-book decoy).
    frozen_tokens: frozenset[str] = frozenset()
    # Markets the websocket script leaves alone (their planted terms hold while serving).
    unscripted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for market in self.dataset.markets:
            for token in market_tokens(market):
                self.token_market[token] = str(market["id"])

    def plant_cross(self, kalshi: KalshiDataset) -> CrossPlan:
        """Price the NBA games both venues list as one market, with cross-venue arbitrage and
        decoys (`cross_plan.py`); call before serving."""
        keep = self.plan.buy_both | self.plan.split_sell
        plan = plant_cross(self.dataset, self.books, kalshi, self.seed, keep)
        for event_id in plan.synthetic_events:
            for market in self.dataset.event_by_id[event_id]["markets"]:
                for token in market_tokens(market):
                    self.token_market[token] = str(market["id"])
        self.frozen_tokens = plan.frozen_tokens
        self.unscripted = plan.unscripted
        log.info(
            "cross-venue plan: %d NBA games on both venues priced as one; planted %s",
            plan.games,
            ", ".join(f"{role} {ticker}" for role, ticker in plan.roles.items()) or "nothing",
        )
        return plan

    def market_json(self, market_id: str) -> bytes | None:
        """A market's JSON, encoded once on first use (Gamma payloads never change)."""
        return _encoded(self._market_json, self.dataset.market_by_id, market_id)

    def event_json(self, event_id: str) -> bytes | None:
        """An event's JSON with its nested markets, encoded once on first use."""
        return _encoded(self._event_json, self.dataset.event_by_id, event_id)

    @classmethod
    def build(
        cls,
        dataset: Dataset,
        *,
        seed: int = 0,
        faults: FaultPlan | None = None,
        arb_rate: float = 0.05,
    ) -> ReplayState:
        """Load recorded books, synthesize the rest (deterministic in `seed`)."""
        books = BookStore()
        bad = 0
        for raw in _latest_books(dataset.recorded_books):
            try:
                books.put(book_from_wire(raw))
            except (ValueError, TypeError):
                bad += 1
        if bad:
            log.warning("skipped %d malformed recorded books", bad)
        plan = plan_arbitrage(dataset, seed, rate=arb_rate)
        promote_volumes(dataset, plan)
        for book in synthesize_books(dataset, seed, plan):
            books.put(book)
        log.info(
            "books: %d (%d recorded); arbitrage planted: %d buy-both, %d split-sell, "
            "%d negRisk events, %d augmented decoys",
            len(books),
            len(dataset.recorded_books) - bad,
            len(plan.buy_both),
            len(plan.split_sell),
            len(plan.neg_risk_events),
            len(plan.augmented_decoys),
        )
        return cls(dataset=dataset, books=books, plan=plan, faults=faults or FaultPlan(), seed=seed)

    @classmethod
    def from_directory(
        cls,
        root: Path,
        *,
        seed: int = 0,
        limit: int | None = None,
        min_markets: int = 0,
        respect_closed: bool = False,
        faults: FaultPlan | None = None,
        arb_rate: float = 0.05,
    ) -> ReplayState:
        """Load a directory of recordings and build the state."""
        dataset = load_dataset(
            root, respect_closed=respect_closed, limit=limit, min_markets=min_markets
        )
        return cls.build(dataset, seed=seed, faults=faults, arb_rate=arb_rate)


def _encoded(cache: dict[str, bytes], records: dict[str, Raw], key: str) -> bytes | None:
    blob = cache.get(key)
    if blob is None:
        record = records.get(key)
        if record is None:
            return None
        blob = cache[key] = dumps(record)
    return blob


def _latest_books(raws: list[dict[str, object]]) -> list[dict[str, object]]:
    """One recorded book per token: the one with the latest timestamp (history files hold many)."""
    latest: dict[str, dict[str, object]] = {}
    for raw in raws:
        token = str(raw.get("asset_id"))
        old = latest.get(token)
        if old is None or _ts(raw) >= _ts(old):
            latest[token] = raw
    return list(latest.values())


def _ts(raw: dict[str, object]) -> int:
    value = str(raw.get("timestamp") or "0")
    return int(value) if value.isdigit() else 0
