"""Every Redis key and pub/sub channel the product uses, in one place."""

from __future__ import annotations

# Market catalog: hash marketId -> MarketDocument JSON (camelCase).
CATALOG = "markets:catalog"
# Top levels of each token's order book: hash tokenId -> OrderBook JSON.
BOOKS = "markets:books"
# Embeddings: hash marketId -> MarketEmbedding JSON.
EMBEDDINGS = "markets:embeddings"
# Cross-market matches: hash marketId -> JSON list of match entries.
CROSS_MATCHES = "markets:cross_matches"

# Current intra-market opportunities: hash opportunityId -> Opportunity JSON.
OPS_SNAPSHOT = "ops:snapshot"
# Opportunity history: a Redis stream, trimmed to HISTORY_RETENTION entries.
OPS_HISTORY = "ops:history"

# Pub/sub: one JSON message per opportunity that appeared, changed or disappeared.
OPS_UPDATES = "ops:updates"
# Pub/sub: one JSON message per cross-market pair that is new, dropped or re-priced.
MATCH_UPDATES = "matches:updates"

# Pub/sub: one JSON summary per completed poll (so clients see every poll, even a quiet one).
POLL_UPDATES = "polls:updates"

# Pub/sub: book notices (`book_notices.BookNotice`): changed books of the tokens the cross worker
# follows, from REST fetches and live feeds, and each live feed's once-a-second vouching.
BOOK_UPDATES = "books:updates"
# The tokens the cross worker follows (JSON list): book writers publish only these books.
CROSS_TOKENS = "cross:tokens"

# Alerts already sent: one string key per opportunity id or pair (the terms last sent, as JSON),
# expiring after ALERT_DEDUP_TTL_SEC.
ALERTS_SENT_PREFIX = "alerts:sent:"

# Prometheus series the workers record (counters, histograms): hash series -> number.
METRICS = "metrics:counters"

# Worker status hashes (field -> value), read by /healthz; pollers and ingests have one per venue.
STATUS_EMBEDDING = "status:embedding"
STATUS_MATCHING = "status:matching"
STATUS_NOTIFIER = "status:notifier"
STATUS_CROSS = "status:cross"
# The supervisor's view of every process it runs: hash name -> JSON record.
STATUS_PROCESSES = "status:processes"

# LLM verifier answers: one string per (pair signatures, model, prompt version) cache key, the
# answer's JSON, expiring unless used again (see verifier/store.py).
LLM_ANSWER_PREFIX = "llm:answer:"

# Prefix for build-then-rename temporary keys; never read by anyone.
TMP_PREFIX = "tmp:"


def tmp_key(key: str, token: str) -> str:
    """A private temporary key beside `key`, renamed over it when complete."""
    return f"{TMP_PREFIX}{key}:{token}"


def catalog_last_seen(venue: str) -> str:
    """Rolling coverage: sorted set marketId -> unix time a venue's poll last saw it."""
    return f"markets:last_seen:{venue}"


def rolling_offset(venue: str) -> str:
    """Rolling coverage: the listing offset a venue's next rolling poll starts from."""
    return f"poller:rolling_offset:{venue}"


def book_watch(venue: str) -> str:
    """The markets whose full books a venue keeps fresh (JSON list of market ids, by priority)."""
    return f"books:watch:{venue}"


def status_poller(venue: str) -> str:
    """A venue poller's status hash."""
    return f"status:poller:{venue}"


def status_ws(venue: str) -> str:
    """A venue websocket ingest's status hash."""
    return f"status:ws:{venue}"


def llm_answer(cache_key: str) -> str:
    """One LLM verifier answer (string, JSON) under its cache key."""
    return f"{LLM_ANSWER_PREFIX}{cache_key}"
