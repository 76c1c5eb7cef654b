"""What a venue adapter provides, as small interfaces, and the id scheme shared by all venues.

A venue is one folder under `venues/` whose package exposes `SPEC` (a `VenueSpec`): its name,
whether the settings enable it, and how to build its `Venue` — the capabilities the rest of the
product composes:

    MarketSource   paged catalog listing -> MarketDocuments (malformed entries skipped, counted)
    BookSource     REST order books for tokens -> OrderBooks (bids and asks, best first)
    LiveFeed       websocket: URL, handshake headers, and per connection a FeedSession that
                   builds subscription messages and decodes frames into venue-neutral book
                   events (`book_events.py`)
    FeeModel       taker fee of one order (rate and rounding rule per market)

The generic poller (`workers/poller.py`) runs any `Venue`; the websocket ingest
(`workers/ws_ingest.py`) runs any `LiveFeed`, one process per venue that has one. Adding a venue
means one new folder; nothing else names it.

Ids are unique across venues. Polymarket keeps the bare ids it always had (Gamma market ids, CLOB
token ids), so existing API users keep working; every other venue prefixes its native ids with its
name: market `kalshi:KXNBAGAME-26JAN11PHITOR-PHI`, tokens `kalshi:KXNBAGAME-26JAN11PHITOR-PHI:yes`
and `...:no`. Polymarket ids never contain a colon, so the venue of any market, token or
negRisk group key is read from the id alone (`venue_of`); an opportunity names its venues
(`Opportunity.venues`: a cross-market one trades on several).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from dashboard_backend.book_events import BookEvent
from dashboard_backend.fees import FeeSchedule
from dashboard_backend.models import MarketDocument, OrderBook

if TYPE_CHECKING:
    import httpx

    from dashboard_backend.settings import Settings

POLYMARKET = "polymarket"


def venue_id(venue: str, native: str) -> str:
    """The id of a venue's native market (or token) id: bare on Polymarket, `venue:native` else."""
    return native if venue == POLYMARKET else f"{venue}:{native}"


def venue_of(any_id: str) -> str:
    """The venue of a market id, token id or group key (`kalshi:...` -> kalshi).

    Not of an opportunity: a cross-market one spans venues (`Opportunity.venues` names them).
    """
    head, sep, _ = any_id.partition(":")
    return head if sep else POLYMARKET


def native_id(any_id: str) -> str:
    """The venue's own id inside one of ours (`kalshi:KXBTC-25` -> `KXBTC-25`)."""
    head, sep, rest = any_id.partition(":")
    return rest if sep else head


@dataclass(frozen=True)
class CatalogFetch:
    """One catalog listing: parsed open markets plus what was skipped and why."""

    markets: list[MarketDocument]
    skipped: int
    skipped_reasons: dict[str, int]
    pages: int
    exhausted: bool  # the listing ran out before the limit
    filtered: int = 0  # well-formed but not tradable (closed, inactive, parlays, ...)
    malformed_pages: int = 0
    next_offset: int = 0  # listing position just after the last market examined
    reasons_examples: dict[str, str] = field(default_factory=dict)
    # Our ids of markets listed but unreadable this time (a poll keeps their last good document).
    skipped_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class BooksResult:
    """Books by token id, plus what was skipped."""

    books: dict[str, OrderBook]
    skipped: int  # malformed book entries (and entries for tokens we did not ask for)
    requests: int = 0
    dropped_levels: int = 0  # levels with zero/negative size or unparsable numbers
    malformed_batches: int = 0  # responses that were not the expected shape
    skipped_reasons: dict[str, int] = field(default_factory=dict)


class MarketSource(Protocol):
    """A venue's paged catalog listing."""

    async def fetch_catalog(self, limit: int, offset: int = 0) -> CatalogFetch:
        """Up to `limit` open markets, starting `offset` positions into the listing."""
        ...


class BookSource(Protocol):
    """A venue's REST order books."""

    async def fetch_books(self, token_ids: Sequence[str]) -> BooksResult:
        """Books for these tokens; tokens without a book are absent."""
        ...


class FeeModel(Protocol):
    """A venue's taker fees."""

    def rate_for(self, doc: MarketDocument) -> float:
        """The taker fee rate of this market (fee per share = rate × p × (1 − p))."""
        ...

    def schedule_for(self, doc: MarketDocument) -> FeeSchedule:
        """The fee schedule (rate and rounding rule) of an order on this market."""
        ...


class FeedSession(Protocol):
    """One websocket connection's side of a venue's live protocol (the subscriptions it holds).

    Messages are returned as text for the ingest to send; frames are decoded here, so a
    protocol's replies (a subscription id, an error) update the session as they arrive.
    """

    def subscribe(self, tokens: Sequence[str]) -> list[str]:
        """Messages subscribing these tokens (the first call may be the connection's initial one)."""
        ...

    def unsubscribe(self, tokens: Sequence[str]) -> list[str]:
        """Messages dropping these tokens."""
        ...

    def resubscribe(self, tokens: Sequence[str]) -> list[str]:
        """Messages asking the stream for fresh snapshots of these tokens (none: use REST)."""
        ...

    def decode(self, frame: str | bytes) -> Sequence[BookEvent]:
        """One frame as book events; `book_events.FrameError` when it cannot be decoded."""
        ...


class LiveFeed(Protocol):
    """A venue's websocket: where it is, how to open it, and its per-connection protocol."""

    @property
    def url(self) -> str:
        """The websocket URL."""
        ...

    @property
    def ping_text(self) -> str | None:
        """A text keep-alive sent every WS_PING_SEC (None: websocket ping frames instead)."""
        ...

    @property
    def pong_text(self) -> str | None:
        """The server's answer to `ping_text`, dropped before decoding."""
        ...

    @property
    def snapshots_in_stream(self) -> bool:
        """True: a distrusted book is restored by resubscribing (the stream sends a snapshot);
        False: from the venue's REST books."""
        ...

    def handshake_headers(self) -> dict[str, str]:
        """Headers for one connection's handshake (signed afresh each time when needed)."""
        ...

    def session(self, connection: int) -> FeedSession:
        """The protocol state of connection number `connection` (numbers never repeat)."""
        ...


@dataclass(frozen=True)
class PollPlan:
    """How the generic poller runs a venue."""

    limit: int  # markets per poll
    interval_sec: float
    # True: every catalog token's book is fetched each poll. False: the listing's top of book
    # serves every market and full books are fetched only for the markets that matter (see
    # `book_selection.py`), every `book_refresh_sec`, at most `book_max` markets a round.
    full_books: bool = True
    book_refresh_sec: float = 10.0
    book_max: int = 200
    rolling: bool = False  # walk a different window of the listing each poll
    rolling_ttl_sec: float = 3600.0


@dataclass
class Venue:
    """A venue's capabilities, built at start-up from the settings and one HTTP client."""

    name: str
    label: str
    markets: MarketSource
    books: BookSource
    fees: FeeModel
    poll: PollPlan
    # Whether the settings run a websocket ingest for this venue (Kalshi: only with an API key).
    live_enabled: bool = False
    # A line for logs and /healthz saying how books are kept (e.g. "REST refresh only: ...").
    live_mode: str = ""


@dataclass(frozen=True)
class VenueSpec:
    """What a venue package exposes as `SPEC`, found by `venues.registry`."""

    name: str
    label: str
    enabled: Callable[[Settings], bool]
    create: Callable[[Settings, httpx.AsyncClient], Venue]
    # How its books are kept live under these settings, for logs and /healthz.
    live_mode: Callable[[Settings], str]
    web_url: str = ""  # the venue's own site, for links
    # Its own taker fee model, when the category table (FEE_RATES) does not describe its fees.
    fee_model: Callable[[Settings], FeeModel | None] = lambda settings: None
    # Whether these settings give it a websocket ingest (the supervisor starts one per venue).
    live: Callable[[Settings], bool] = lambda settings: False
    # That websocket (None: REST only). Built only by the websocket ingest, so a bad key file
    # stops that process alone, with a clear message.
    live_feed: Callable[[Settings], LiveFeed | None] = lambda settings: None
