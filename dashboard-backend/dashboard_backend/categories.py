"""The category vocabulary shared by every venue, and the mapping of venue texts onto it.

Venues label topics freely: Polymarket markets created since 2025 carry no `category` (the topic
lives in the event's `tags[]`, label + slug); Kalshi puts a category on each event ("Climate and
Weather", "Financials", "Science and Technology", ...). Every venue maps its texts onto one small
fixed set, so fee tables, filters and cross-venue matching speak one vocabulary:

    politics, crypto, sports, finance, economics, tech, culture, weather, geopolitics,
    science, other

How a text is mapped (deterministic, no I/O):
1. it is lower-cased and split into words on anything that is not a letter or digit
   (`"US-current-affairs"` -> `us current affairs`, `"nba-2026"` -> `nba 2026`);
2. a whole-text phrase table is tried first (`"pop culture"`, `"us current affairs"`, ...),
   then each word in order against `KEYWORDS`; the first word that maps wins.

Sources: the market's own legacy `category` decides when it maps. Otherwise a source whose whole
text names a category (`EXACT`: tag `Politics`, `Sports`, `World`, ...) wins; otherwise the first
source with a keyword hit, in this order: the event's `category`, each tag (label, then slug) as
Gamma lists them, the series slugs, the event slug and title, and last the question text.
Nothing mapped -> `other`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CATEGORIES = (
    "politics",
    "crypto",
    "sports",
    "finance",
    "economics",
    "tech",
    "culture",
    "weather",
    "geopolitics",
    "science",
    "other",
)

# Multi-word labels checked against the whole normalised text before single words.
PHRASES: dict[str, str] = {
    "pop culture": "culture",
    "us current affairs": "politics",
    "current affairs": "politics",
    "climate science": "science",
    "big tech": "tech",
    "middle east": "geopolitics",
    "interest rates": "economics",
    "fed rates": "economics",
    "up or down": "crypto",
    "world cup": "sports",
    "world series": "sports",
    "super bowl": "sports",
    "prime minister": "politics",
    "world elections": "politics",
    "global elections": "politics",
    "premier league": "sports",
    "champions league": "sports",
}

_GROUPS: dict[str, tuple[str, ...]] = {
    "politics": (
        "politics",
        "political",
        "election",
        "elections",
        "primaries",
        "primary",
        "trump",
        "biden",
        "harris",
        "congress",
        "senate",
        "house",
        "governor",
        "president",
        "presidential",
        "democrat",
        "democrats",
        "republican",
        "republicans",
        "gop",
        "scotus",
        "supreme",
        "cabinet",
        "mayor",
        "parliament",
        "deport",
        "deportation",
        "deportations",
        "immigration",
        "tariff",
        "tariffs",
        "senator",
        "minister",
        "federal",
        "budget",
        "impeach",
        "impeachment",
    ),
    "geopolitics": (
        "geopolitics",
        "geopolitical",
        "war",
        "ukraine",
        "russia",
        "israel",
        "gaza",
        "iran",
        "china",
        "taiwan",
        "nato",
        "military",
        "ceasefire",
        "sanctions",
        "putin",
        "zelensky",
        "netanyahu",
        "jinping",
        "khamenei",
        "invade",
        "invades",
        "invasion",
    ),
    "crypto": (
        "crypto",
        "cryptocurrency",
        "bitcoin",
        "btc",
        "ethereum",
        "eth",
        "solana",
        "xrp",
        "dogecoin",
        "nft",
        "nfts",
        "defi",
        "stablecoin",
        "stablecoins",
        "memecoin",
        "airdrop",
        "fdv",
        "token",
        "tokens",
        "halving",
        "binance",
        "coinbase",
    ),
    "sports": (
        "sports",
        "sport",
        "nba",
        "nfl",
        "mlb",
        "nhl",
        "wnba",
        "ncaa",
        "ncaab",
        "cfb",
        "soccer",
        "football",
        "basketball",
        "baseball",
        "hockey",
        "tennis",
        "golf",
        "ufc",
        "mma",
        "boxing",
        "f1",
        "formula",
        "nascar",
        "cricket",
        "rugby",
        "chess",
        "esports",
        "counter",
        "cs2",
        "dota",
        "valorant",
        "olympics",
        "epl",
        "laliga",
        "bundesliga",
        "mls",
        "playoffs",
        "superbowl",
        "champion",
        "championship",
        "nfc",
        "afc",
        "mvp",
        "stanley",
        "wimbledon",
        "vs",
    ),
    "finance": (
        "finance",
        "financial",
        "business",
        "stocks",
        "stock",
        "equities",
        "earnings",
        "ipo",
        "ipos",
        "nasdaq",
        "sp500",
        "spx",
        "commodities",
        "gold",
        "oil",
        "companies",
        "company",
        "acquisition",
        "merger",
        "tesla",
        "nvidia",
    ),
    "economics": (
        "economy",
        "economics",
        "economic",
        "fed",
        "fomc",
        "inflation",
        "cpi",
        "gdp",
        "recession",
        "unemployment",
        "jobs",
        "payrolls",
        "rates",
        "treasury",
    ),
    "tech": (
        "tech",
        "technology",
        "ai",
        "openai",
        "chatgpt",
        "gpt",
        "google",
        "apple",
        "microsoft",
        "meta",
        "spacex",
        "starship",
        "software",
        "iphone",
    ),
    "culture": (
        "culture",
        "entertainment",
        "movies",
        "movie",
        "film",
        "music",
        "awards",
        "oscars",
        "grammys",
        "emmys",
        "celebrities",
        "celebrity",
        "tv",
        "art",
        "mentions",
        "tweets",
        "youtube",
        "tiktok",
        "netflix",
        "album",
        "box",
        "gta",
        "videogame",
        "videogames",
        "billboard",
    ),
    "weather": (
        "weather",
        "temperature",
        "temperatures",
        "hurricane",
        "hurricanes",
        "precipitation",
        "hottest",
        "rainfall",
        "snow",
        "rain",
        "storm",
    ),
    "science": (
        "science",
        "climate",
        "space",
        "nasa",
        "coronavirus",
        "covid",
        "pandemic",
        "health",
        "vaccine",
        "disease",
        "earthquake",
    ),
}

# Tag labels/slugs that name a category outright.
EXACT: dict[str, str] = {
    **{c: c for c in CATEGORIES if c != "other"},
    "economy": "economics",
    "pop culture": "culture",
    "world": "geopolitics",
    "business": "finance",
    "stocks": "finance",
    "technology": "tech",
    "ai": "tech",
    "climate science": "science",
    "climate": "science",
    "elections": "politics",
    "us politics": "politics",
    "esports": "sports",
    # Kalshi's event categories.
    "climate and weather": "weather",
    "science and technology": "tech",
    "financials": "finance",
    "companies": "finance",
    "entertainment": "culture",
    "social": "culture",
    "mentions": "culture",
    "health": "science",
}

KEYWORDS: dict[str, str] = {word: cat for cat, words in _GROUPS.items() for word in words}

_SPLIT = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.lower()) if w]


def category_of_text(text: str | None) -> str | None:
    """The canonical category one label/slug/phrase maps to, None when nothing matches."""
    if not text:
        return None
    words = _words(text)
    joined = " ".join(words)
    if joined in PHRASES:
        return PHRASES[joined]
    for phrase, cat in PHRASES.items():
        if f" {phrase} " in f" {joined} ":
            return cat
    for word in words:
        if word in KEYWORDS:
            return KEYWORDS[word]
    return None


def derive_category(primary: str | None, sources: Iterable[str | None]) -> str:
    """The canonical category: `primary` if it maps, else an exact tag name, else a keyword.

    `primary` is the market's own (legacy) category. Among `sources`, one whose whole text is a
    category name (`Politics`, `Pop Culture`, `World`, ...) beats keyword hits, so an event tagged
    `World Elections, ..., Politics` is politics, not geopolitics.
    """
    cat = category_of_text(primary)
    if cat is not None:
        return cat
    texts = [t for t in sources if t]
    for text in texts:
        exact = EXACT.get(" ".join(_words(text)))
        if exact is not None:
            return exact
    for text in texts:
        cat = category_of_text(text)
        if cat is not None:
            return cat
    return "other"
