"""Gamma-style tags for events recorded without any (markets' `events[0]` never carries tags).

Tags found in the data are kept as they are. An event with none gets the tags whose keywords
occur in its title, slug, series slug or its markets' legacy `category`, so the stand-in can
answer `tag_id` / `tag_slug` filters. Ids of tags Polymarket is known to use (Sports 1,
Politics 2, Crypto 21) are reused; the others are synthetic ids from 990001 on.
"""

from __future__ import annotations

import re
from typing import Any

Raw = dict[str, Any]


def _kw(words: str) -> frozenset[str]:
    return frozenset(words.split())


# (id, label, slug, keywords matched as whole words of the normalised text)
TAG_TABLE: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    (
        "1",
        "Sports",
        "sports",
        _kw(
            "sports nba nfl nhl mlb fifa uefa epl ucl mls soccer football basketball baseball "
            "hockey tennis golf f1 ufc boxing olympics olympic cricket t20 rugby chess champion "
            "championship cup league playoffs grand prix open vs mvp coach"
        ),
    ),
    (
        "2",
        "Politics",
        "politics",
        _kw(
            "politics election elections primary nominee president presidential senate house "
            "governor parliament parliamentary minister trump biden democratic republican "
            "congress mayor vote referendum cabinet"
        ),
    ),
    (
        "21",
        "Crypto",
        "crypto",
        _kw("crypto bitcoin btc ethereum eth solana sol xrp dogecoin nft nfts token"),
    ),
    (
        "990001",
        "Economy",
        "economy",
        _kw("fed rate rates inflation cpi gdp jobless recession tariff tariffs"),
    ),
    (
        "990002",
        "Finance",
        "finance",
        _kw("ipo stock stocks market cap nasdaq s&p earnings business"),
    ),
    ("990003", "Tech", "tech", _kw("ai openai tech apple google spacex model")),
    (
        "990004",
        "Culture",
        "pop-culture",
        _kw(
            "oscars oscar grammy bafta netflix movie album song mrbeast eurovision awards "
            "award art pop culture"
        ),
    ),
    ("990005", "Weather", "weather", _kw("temperature weather hurricane snow")),
    (
        "990006",
        "Geopolitics",
        "geopolitics",
        _kw("ukraine russia israel iran china war strike strikes ceasefire"),
    ),
    ("990007", "Science", "science", _kw("coronavirus covid science space nasa")),
)

_WORD = re.compile(r"[a-z0-9&]+")


def tag_object(tag_id: str, label: str, slug: str) -> Raw:
    """A tag in Gamma's shape."""
    return {"id": tag_id, "label": label, "slug": slug, "forceShow": False}


def derive_tags(texts: list[str]) -> list[Raw]:
    """Tags whose keywords occur in any of the texts, in table order."""
    words: set[str] = set()
    for text in texts:
        words.update(_WORD.findall(text.lower().replace("-", " ")))
    return [tag_object(i, label, slug) for i, label, slug, keys in TAG_TABLE if words & keys]


def event_texts(event: Raw, markets: list[Raw]) -> list[str]:
    """The texts a derived tag may come from."""
    texts = [str(event.get(k) or "") for k in ("title", "slug", "seriesSlug", "ticker")]
    texts += [str(m.get("category") or "") for m in markets]
    return texts
