"""Venue-neutral domain models: markets, order books, opportunities, embeddings, matches.

Every model is frozen and serialises to camelCase JSON (`to_json`) — the form stored in Redis
and returned by the API. Raw upstream dicts never leave the venue modules.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# Bumped whenever `embedding_text` changes, so every signature (and embedding) changes with it.
SIGNATURE_VERSION = "1"


class Model(BaseModel):
    """Base: frozen, camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore"
    )

    def to_json(self) -> str:
        """Serialise to the camelCase JSON stored in Redis."""
        return self.model_dump_json(by_alias=True)

    def to_dict(self) -> dict[str, object]:
        """Serialise to a camelCase JSON-compatible dict."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Self:
        """Parse the camelCase JSON stored in Redis."""
        return cls.model_validate_json(raw)


class Outcome(Model):
    """One outcome of a market, with its CLOB token and best prices (None = empty side)."""

    name: str
    token_id: str
    price: float | None = None  # venue's indicative price (e.g. Gamma outcomePrices)
    best_bid: float | None = None
    best_ask: float | None = None


class MarketDocument(Model):
    """A normalised market, the value of `markets:catalog`."""

    venue: str = "polymarket"
    id: str
    condition_id: str
    question: str
    description: str = ""
    slug: str = ""
    url: str = ""
    outcomes: tuple[Outcome, ...]
    category: str | None = None
    tags: tuple[str, ...] = ()
    event_id: str | None = None
    event_title: str | None = None
    event_slug: str | None = None
    # The outcome this market names inside its event (Polymarket `groupItemTitle`).
    group_item_title: str | None = None
    close_time: datetime | None = None
    # What the market is about, as the venue states it (read by the relation engine; the close
    # time says nothing of it: a Kalshi game closes two weeks after tip-off).
    event_start: datetime | None = None  # scheduled start of the game (Polymarket gameStartTime)
    market_type: str | None = None  # Polymarket sportsMarketType (moneyline, spreads, totals, ...)
    line: float | None = None  # the line or strike (Polymarket `line`, Kalshi floor strike)
    strike_type: str | None = None  # Kalshi strike_type (greater, less, between, ...)
    cap_strike: float | None = None  # Kalshi cap strike (upper bound of a `between` bucket)
    neg_risk: bool = False
    neg_risk_market_id: str | None = None
    neg_risk_augmented: bool = False
    neg_risk_other: bool = False
    # Ids of every open market of this negRisk event (this one included), when known; a
    # buy-all-YES opportunity is only sound when the whole set is in the catalog.
    event_market_ids: tuple[str, ...] = ()
    liquidity: float = 0.0
    volume: float = 0.0
    volume_24h: float = 0.0
    tick_size: float | None = None
    min_order_size: float | None = None
    fee_rate: float | None = None  # market's own taker fee rate when the venue states it
    accepting_orders: bool = True
    updated_at: datetime | None = None  # when our ingest last refreshed this document
    # Structured terms some venues state (Kalshi), kept faithful to the wire for matching:
    rules: str | None = None  # full resolution rules text
    floor_strike: float | None = None  # (strike_type and cap_strike are declared above)
    series_ticker: str | None = None
    expiration_time: datetime | None = None  # when the outcome is expected to be determined
    yes_sub_title: str | None = None  # what YES stands for; context, never an outcome name
    signature: str = ""

    @property
    def is_binary(self) -> bool:
        """Two outcomes."""
        return len(self.outcomes) == 2

    def outcome(self, name: str) -> Outcome | None:
        """The outcome with this name (case-insensitive), if any."""
        wanted = name.strip().lower()
        for o in self.outcomes:
            if o.name.strip().lower() == wanted:
                return o
        return None

    def yes_outcome(self) -> Outcome | None:
        """The outcome named Yes (never assumed to be index 0)."""
        return self.outcome("yes")

    def with_signature(self) -> MarketDocument:
        """A copy whose `signature` matches its current embedding text."""
        return self.model_copy(update={"signature": market_signature(self)})


def embedding_text(doc: MarketDocument) -> str:
    """The text embedded for a market: event title, question, group item and outcome names.

    Description is left out on purpose: it is long boilerplate about resolution sources that
    dominates the vector and changes for reasons unrelated to what the market asks.
    """
    parts: list[str] = []
    if (
        doc.event_title
        and doc.event_title.strip()
        and doc.event_title.strip() != doc.question.strip()
    ):
        parts.append(doc.event_title.strip())
    parts.append(doc.question.strip())
    if doc.group_item_title and doc.group_item_title.strip():
        parts.append(doc.group_item_title.strip())
    names = [o.name.strip() for o in doc.outcomes]
    if [n.lower() for n in names] != ["yes", "no"]:
        parts.append("Outcomes: " + ", ".join(names))
    return " | ".join(parts)


def market_signature(doc: MarketDocument) -> str:
    """Stable hash of what is embedded plus the outcome metadata (names and tokens)."""
    payload = json.dumps(
        [
            SIGNATURE_VERSION,
            embedding_text(doc),
            [[o.name, o.token_id] for o in doc.outcomes],
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


class BookLevel(Model):
    """One price level."""

    price: float
    size: float


class OrderBook(Model):
    """A token's order book: bids best-first (descending), asks best-first (ascending)."""

    token_id: str
    market: str = ""  # condition id
    bids: tuple[BookLevel, ...] = ()
    asks: tuple[BookLevel, ...] = ()
    tick_size: float | None = None
    min_order_size: float | None = None
    timestamp: int | None = None  # venue's millisecond timestamp
    hash: str | None = None
    last_trade_price: float | None = None

    @property
    def best_bid(self) -> float | None:
        """Highest bid price, None when no bids."""
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> float | None:
        """Lowest ask price, None when no asks."""
        return self.asks[0].price if self.asks else None

    def top(self, depth: int) -> OrderBook:
        """A copy holding only the best `depth` levels of each side."""
        return self.model_copy(update={"bids": self.bids[:depth], "asks": self.asks[:depth]})


class Relation(StrEnum):
    """How two markets' propositions relate (A = the base market, B = the other one).

    The propositions are the outcomes named in an `OutcomeLink`: for a Yes/No market its "Yes"
    outcome, for a two-team market the team outcome the link names.
    """

    EQUIVALENT = "equivalent"  # same bet, same resolution: the linked outcomes win together
    INVERSE = "inverse"  # YES of one is NO of the other (stored as equivalent links YES<->NO)
    SUBSET_A_IN_B = "subset_a_in_b"  # A's linked outcome winning implies B's linked outcome wins
    SUBSET_B_IN_A = "subset_b_in_a"  # B's linked outcome winning implies A's linked outcome wins
    MUTUALLY_EXCLUSIVE = "mutually_exclusive"  # the linked outcomes never both win
    RELATED = "related_not_equivalent"  # same subject, a different bet: no trade follows
    UNRELATED = "unrelated"


OpportunityKind = Literal[
    "binary_buy_both",
    "binary_split_sell",
    "negrisk_buy_all",
    "event_buy_all",
    "cross_equivalent",
    "cross_inverse",
    "cross_subset",
    "cross_exclusive",
    "cross_outcome_set",
]


# The kinds spanning related markets (possibly on several venues): `cross_*`.
CROSS_KINDS: frozenset[str] = frozenset(
    k for k in get_args(OpportunityKind) if k.startswith("cross_")
)


def is_cross_kind(kind: str) -> bool:
    """Whether an opportunity kind spans related markets (possibly on several venues)."""
    return kind in CROSS_KINDS


def _is_none(value: object) -> bool:
    return value is None


def cross_only() -> Any:
    """A cross-market-only field: None by default, and then left out of the JSON.

    Intra-market opportunities never set these, so their stored and served JSON stays exactly
    what it was before cross-market opportunities existed.
    """
    return Field(None, exclude_if=_is_none)


class Leg(Model):
    """One order of an opportunity: buy or sell `size` shares of a token."""

    market_id: str
    token_id: str
    outcome: str
    side: Literal["buy", "sell"]
    best_price: float
    avg_price: float
    worst_price: float
    # Cross-market legs only: each leg is its own order on its own venue.
    venue: str | None = cross_only()
    size: float | None = cross_only()  # shares of this order
    fee: float | None = cross_only()  # USD taker fee of this order, after venue rounding
    limit_price: float | None = cross_only()  # worst price, on the tick grid: the order's limit
    url: str | None = cross_only()
    question: str | None = cross_only()


class Opportunity(Model):
    """A mispricing, sized by walking the books: intra-market, or across related markets."""

    id: str  # deterministic: kind + market (or negRisk event, or traded tokens) key
    kind: OpportunityKind
    venue: str = "polymarket"  # cross-market: the legs' venues, sorted, joined by "+"
    market_ids: tuple[str, ...]
    event_id: str | None = None
    title: str
    category: str | None = None
    url: str = ""
    legs: tuple[Leg, ...]
    edge: float  # profit per share at the top of the books, after taker fees
    avg_edge: float  # expected_profit / size
    size: float  # executable shares (per leg) while the marginal edge stays positive
    cost: float  # USD paid (buy) or collateral locked (split), excluding fees
    fees: float  # USD taker fees over all legs
    expected_profit: float  # USD after fees
    detected_at: datetime
    # Cross-market only: cost + fees + expected_profit = size × guaranteed_payout.
    relation: Relation | None = cross_only()
    confidence: float | None = cross_only()
    guaranteed_payout: float | None = cross_only()  # USD per share in the worst possible world
    resolves_by: datetime | None = cross_only()  # the later resolution: capital locked till then
    annualized_return: float | None = cross_only()  # profit / (cost + fees), per year, simple
    book_age_sec: float | None = cross_only()  # age of the oldest book used, when detected
    oldest_book_at: datetime | None = cross_only()
    settlement_risks: tuple[str, ...] | None = cross_only()  # where the rules differ, in words

    @property
    def venues(self) -> frozenset[str]:
        """Every venue it trades on: its own, and each leg's (a cross-market `venue` reads
        "kalshi+polymarket"; its id names tokens of both, so no single venue can be read from it)."""
        found = {v for v in self.venue.split("+") if v}
        found.update(leg.venue for leg in self.legs if leg.venue)
        return frozenset(found)

    def same_terms(self, other: Opportunity) -> bool:
        """True when nothing a trader acts on changed (ignores the clock-driven fields)."""
        clock = {"detected_at", "book_age_sec", "oldest_book_at", "annualized_return"}
        return self.model_dump(exclude=clock) == other.model_dump(exclude=clock)


class MarketEmbedding(Model):
    """A market's vector: the value of `markets:embeddings`.

    `vector` is base64 of little-endian float32 (4 bytes per dimension), not normalised.
    """

    market_id: str
    signature: str
    model: str
    dimensions: int
    vector: str
    embedded_at: datetime


class OutcomeLink(Model):
    """One outcome of A and one outcome of B that the pair's relation ties together.

    Meaning by relation: equivalent / inverse — `a_token` wins exactly when `b_token` wins;
    subset_a_in_b — `a_token` winning implies `b_token` wins; subset_b_in_a — the reverse;
    mutually_exclusive — `a_token` and `b_token` never both win. Never derived from outcome order.
    """

    a_token: str
    a_outcome: str
    b_token: str
    b_outcome: str


class MatchEntry(Model):
    """One candidate match of a base market, an element of `markets:cross_matches` lists."""

    market_id: str
    question: str
    similarity: float
    category: str | None = None
    close_time: datetime | None = None
    base_close_time: datetime | None = None
    url: str = ""
    base_url: str = ""
    venue: str = "polymarket"
    yes_ask_diff: float | None = None  # match YES best ask - base YES best ask
    yes_mid_diff: float | None = None  # match YES mid - base YES mid
    liquidity: float = 0.0
    base_liquidity: float = 0.0
    # The relation engine's verdict (A = the base market, B = this match); None on entries
    # written before relations existed.
    relation: Relation | None = None
    confidence: float | None = None
    outcome_map: tuple[OutcomeLink, ...] = ()
    reasons: tuple[str, ...] = ()
    matched_at: datetime = Field(default_factory=lambda: datetime.now().astimezone())
