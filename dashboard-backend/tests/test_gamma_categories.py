"""The canonical category mapping: exact names, phrases, keywords, precedence."""

from __future__ import annotations

import pytest

from dashboard_backend.categories import (
    CATEGORIES,
    EXACT,
    KEYWORDS,
    PHRASES,
    category_of_text,
    derive_category,
)


def test_tables_only_name_canonical_categories() -> None:
    assert set(EXACT.values()) | set(KEYWORDS.values()) | set(PHRASES.values()) <= set(CATEGORIES)
    assert all(k == k.lower() for k in [*EXACT, *KEYWORDS, *PHRASES])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("US-current-affairs", "politics"),
        ("Pop-Culture ", "culture"),
        ("NBA Playoffs", "sports"),
        ("nba-2026", "sports"),
        ("Coronavirus", "science"),
        ("NFTs", "crypto"),
        ("Business", "finance"),
        ("btc-up-or-down-5m", "crypto"),
        ("FIFA World Cup winner", "sports"),  # a phrase, not geopolitics
        ("Super Bowl Champion 2026", "sports"),
        ("Next Prime Minister of the Netherlands", "politics"),
        ("Will inflation reach more than 3% in 2025?", "economics"),
        ("Highest temperature in NYC on Friday?", "weather"),
        ("Will Bitcoin hit $100k before Trump leaves?", "crypto"),  # first keyword wins
        ("Harvey Weinstein prison time?", None),
        ("", None),
        (None, None),
    ],
)
def test_category_of_text(text: str | None, category: str | None) -> None:
    assert category_of_text(text) == category


def test_precedence_primary_then_exact_then_keywords() -> None:
    tags = ["World Elections", "Global Elections", "Elections", "Politics"]
    assert derive_category(None, tags) == "politics"
    # "Trump" would say politics, but the tag named Crypto is exact.
    assert derive_category(None, ["trump-coin", "Crypto"]) == "crypto"
    # The market's own category decides when it maps at all.
    assert derive_category("Sports", ["Politics"]) == "sports"
    assert derive_category("Unmappable legacy", ["Politics"]) == "politics"
    assert derive_category(None, ["All", "Earn 4%", None]) == "other"
    assert derive_category(None, []) == "other"
