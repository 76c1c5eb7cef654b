"""Builders for matching tests: small market documents and their stored embeddings."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.embeddings.store import EmbeddingStore
from dashboard_backend.embeddings.vectors import encode_vector
from dashboard_backend.models import MarketDocument, MarketEmbedding, Outcome

CLOSE = datetime(2026, 12, 31, tzinfo=UTC)
MODEL = "all-MiniLM-L6-v2"
# Ids are digits; a question naming them would make every pair differ in its numbers.
DIGITS_AS_LETTERS = str.maketrans("0123456789", "abcdefghij")


# Default questions: one World Series contender per market id digit, so any two default markets
# are mutually exclusive outcomes of one contest (a relation the engine reports and stores).
TEAMS = (
    "New York Yankees",
    "Los Angeles Dodgers",
    "Atlanta Braves",
    "Houston Astros",
    "Philadelphia Phillies",
    "Seattle Mariners",
    "Chicago Cubs",
    "Boston Red Sox",
    "San Diego Padres",
    "Toronto Blue Jays",
)


def default_question(market_id: str) -> str:
    """'Will the <team> win the 2026 World Series?' for a market id (its digits pick the team)."""
    digits = "".join(c for c in market_id if c.isdigit()) or "0"
    return f"Will the {TEAMS[int(digits) % len(TEAMS)]} win the 2026 World Series?"


def doc(
    market_id: str,
    question: str = "",
    yes_ask: float = 0.50,
    category: str | None = "politics",
    close: datetime | None = CLOSE,
    venue: str = "polymarket",
    event_id: str | None = None,
    event_title: str | None = None,
    group_item: str | None = None,
) -> MarketDocument:
    """A Yes/No market (bid one cent below the ask) with its signature set."""
    return MarketDocument(
        venue=venue,
        id=market_id,
        condition_id=f"0xcond{market_id}",
        question=question or default_question(market_id),
        event_id=event_id,
        event_title=event_title,
        group_item_title=group_item,
        url=f"https://polymarket.com/market/m-{market_id}",
        outcomes=(
            Outcome(
                name="Yes", token_id=f"{market_id}y", best_bid=yes_ask - 0.01, best_ask=yes_ask
            ),
            Outcome(name="No", token_id=f"{market_id}n", best_bid=0.40, best_ask=0.45),
        ),
        category=category,
        close_time=close,
        liquidity=100.0,
    ).with_signature()


def direction(deg: float, dims: int = 4) -> list[float]:
    """A vector at this angle in the first plane (cos of the angle difference = similarity)."""
    return [math.cos(math.radians(deg)), math.sin(math.radians(deg))] + [0.0] * (dims - 2)


def embedding(
    market: MarketDocument, vector: Sequence[float], model: str = MODEL, signature: str = ""
) -> MarketEmbedding:
    """The stored embedding of a market (its current signature unless one is given)."""
    return MarketEmbedding(
        market_id=market.id,
        signature=signature or market.signature,
        model=model,
        dimensions=len(vector),
        vector=encode_vector(vector),
        embedded_at=CLOSE,
    )


async def seed(
    redis: aioredis.Redis,
    docs: Sequence[MarketDocument],
    embeddings: Sequence[MarketEmbedding],
) -> None:
    """Replace the catalog and store the embeddings."""
    await CatalogStore(redis).replace({d.id: d for d in docs})
    await EmbeddingStore(redis).write_batch(list(embeddings))


async def subscribe(redis: aioredis.Redis) -> aioredis.client.PubSub:
    """A subscription to `matches:updates`, confirmed before returning."""
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.MATCH_UPDATES)
    assert (await pubsub.get_message(timeout=1.0) or {}).get("type") == "subscribe"
    return pubsub


async def published(pubsub: aioredis.client.PubSub) -> list[dict[str, object]]:
    """Every message waiting on the subscription, decoded."""
    out: list[dict[str, object]] = []
    while True:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is None:
            return out
        out.append(json.loads(message["data"]))
