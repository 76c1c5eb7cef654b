"""Prices of paid embedding models and the cost estimates logged by the worker.

The seed quoted ~$0.24/day for 500 markets every 15 minutes. That is 96 runs x 500 = 48,000 texts a
day, i.e. $5e-6 per text: ~250 tokens per text at text-embedding-3-small's $0.02 per million tokens
(or ~50 tokens at ada-002's $0.10). It assumes every market is re-embedded every run, with long
texts. Our texts (event title | question | group item | non-Yes/No outcome names) average 100-111
characters, ~28 tokens, on the recorded catalogs, and only new or changed markets are embedded: a
first embedding of 500 markets costs ~$0.0003, an unchanged catalog costs nothing, and even
re-embedding all 500 every 15 minutes would be ~$0.027/day (a ninth of the seed's figure).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# USD per million input tokens (OpenAI list prices, standard tier). Unknown models are not priced.
PRICE_PER_MILLION_TOKENS: dict[str, float] = {
    "text-embedding-3-small": 0.02,
    "text-embedding-3-large": 0.13,
    "text-embedding-ada-002": 0.10,
}

# OpenAI's rule of thumb for English: about four characters per token.
CHARS_PER_TOKEN = 4.0


def price_per_million(model: str) -> float | None:
    """USD per million tokens for a priced model, None for free or unknown models."""
    return PRICE_PER_MILLION_TOKENS.get(model)


def estimate_tokens(texts: Iterable[str]) -> int:
    """Approximate token count of texts (when the provider reports no usage)."""
    return sum(math.ceil(len(t) / CHARS_PER_TOKEN) for t in texts)


def estimate_cost_usd(model: str, tokens: int) -> float | None:
    """USD for embedding this many tokens with a priced model, None when unpriced."""
    price = price_per_million(model)
    return None if price is None else tokens * price / 1_000_000


def daily_cost_usd(
    model: str, markets: int, runs_per_day: float, tokens_per_market: float
) -> float | None:
    """USD a day if every market were re-embedded on every run (the worst case)."""
    price = price_per_million(model)
    return None if price is None else markets * runs_per_day * tokens_per_market * price / 1e6
