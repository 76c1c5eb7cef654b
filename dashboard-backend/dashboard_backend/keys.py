"""Every Redis key and pub/sub channel the product uses, in one place."""

from __future__ import annotations

# Market catalog: hash marketId -> MarketDocument JSON (camelCase).
CATALOG = "markets:catalog"
# Rolling coverage: sorted set marketId -> unix time last seen by a poll.
CATALOG_LAST_SEEN = "markets:last_seen"
# Rolling coverage: the Gamma offset the next rolling poll starts from.
POLLER_ROLLING_OFFSET = "poller:rolling_offset"
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

# Worker status hashes (field -> value), read by /healthz.
STATUS_POLLER = "status:poller"
STATUS_EMBEDDING = "status:embedding"
STATUS_MATCHING = "status:matching"
STATUS_WS = "status:ws"

# Prefix for build-then-rename temporary keys; never read by anyone.
TMP_PREFIX = "tmp:"


def tmp_key(key: str, token: str) -> str:
    """A private temporary key beside `key`, renamed over it when complete."""
    return f"{TMP_PREFIX}{key}:{token}"
