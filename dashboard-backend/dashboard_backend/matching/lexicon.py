"""Phrases that tell what kind of bet a market is, over which period, and words that carry none.

Patterns run on folded text (`text.fold`). The first bet pattern that matches wins, so the
specific ones (exact score, both teams to score) come before the generic ones (winner).

| phrase                                               | bet / period              |
| ---------------------------------------------------- | ------------------------- |
| `Exact Score: A 3 - 1 B?`, `win 4-2`                 | `exact_score`             |
| `both teams to score`, `BTTS`, `Both A and B score`  | `btts`                    |
| `wins by over 1.5 goals`, `Spread: A (-1.5)`         | `spread`                  |
| `O/U 8.5`, `over 2.5 goals`, `3+ total goals`, `Totals` | `total`                |
| `first inning run`, `run scored in the first inning` | `first_inning_run`        |
| `leading at halftime`, `win the 1st Half`            | period `1h`               |
| `first 5 innings`                                    | period `f5`               |
| `map 2`, `Game 3:` (esports)                          | period `map2` / `map3`    |
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from dashboard_backend.matching.fast_re import compile_fast
from dashboard_backend.matching.wordlists import word_list

# (pattern, bet) in priority order.
BET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (compile_fast(p), bet)
    for p, bet in (
        (
            r"\bexact score\b|\bcorrect score\b|\bwin \d+-\d+\b|\bseries exact score\b",
            "exact_score",
        ),
        (r"\bboth teams to score\b|\bbtts\b|\bboth teams score\b|^both .+ score\b", "btts"),
        (
            r"\bfirst inning run\b|\brun scored in the first inning\b|\bnrfi\b|\byrfi\b",
            "first_inning_run",
        ),
        (r"\bovertime\b", "overtime"),
        (r"\bwho wins the toss\b|\btoss\b", "toss"),
        (r"\bcompleted match\b", "completed"),
        (r"\btop batter\b|\btop bowler\b", "top_player"),
        (r"\bmethod of victory\b|\bby (?:decision|ko|tko|submission)\b", "method"),
        (r"\bfirst goal(?:scorer)?\b", "first_goal"),
        (r"\banytime goalscorer\b|\bgoalscorer\b|\b\d+\+ goals\b(?! scored)", "player_prop"),
        (
            r"^[^:?]+: (?:\d+\+ )?(?:points|rebounds|assists|threes|hits|strikeouts|home runs|"
            r"total bases|runs|saves|shots)\b|\b\d+\+ (?:points|rebounds|assists|threes|hits|"
            r"strikeouts|home runs)\b|\bpoints o/u\b|\brebounds o/u\b|\bassists o/u\b",
            "player_prop",
        ),
        (r"\btotal maps\b|\bmaps be played\b", "total_maps"),
        (r"\btop (?:\d+|five|ten|twenty)\b", "top_n"),
        (r"\bodd/even\b|\bodd even\b", "odd_even"),
        (
            r"\bspreads?\b|\bwins? by over\b|\bwin the \w+ by over\b|\bhandicap\b|\(\s*[-+]\d+(?:\.\d+)?\s*\)",
            "spread",
        ),
        (
            r"\bo/u\b|\bover/under\b|\btotals?\b|\bover \d+(?:\.\d+)? (?:goals|runs|points|maps|"
            r"kills|corners|cards|sixes|fours)\b|\b\d+\+ total\b|\bhow many goals\b",
            "total",
        ),
        (r"\bcorners\b", "total"),
        (r"\bseries winner\b|\bwin (?:the )?series\b|\bwho will win series\b", "series"),
        (r"\bend in a draw\b|\bdraw\b", "winner"),
        (
            r"\bwinner\b|\bwins?\b|\bbeat\b|\bmoneyline\b|\bleading\b|\bvs\.?\b|\bv\.?\b|\bat\b",
            "winner",
        ),
    )
)

PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (compile_fast(p), period)
    for p, period in (
        (r"\bfirst 5 innings\b|\bfirst five innings\b|\bf5\b", "f5"),
        (r"\bfirst half\b|\b1st half\b|\b1h\b|\bhalftime\b|\bhalf time\b|\bhalf-time\b", "1h"),
        (r"\bsecond half\b|\b2nd half\b|\b2h\b", "2h"),
        (r"\bfirst quarter\b|\b1st quarter\b|\b1q\b", "q1"),
        (r"\bfirst period\b|\b1st period\b|\bp1\b", "p1"),
        (r"\bmap (\d)\b", "map"),
        (r"\bround (\d)\b|\br(\d) (?:top|leader)\b", "round"),
    )
)
# "Game N" is a map of an esports series, but the N-th game of a series elsewhere.
_GAME_N = compile_fast(r"\bgame (\d)\b")
ESPORTS_HINTS = compile_fast(
    r"\b(?:lol|league of legends|counter-strike|counter strike|cs2|csgo|dota|valorant|bo[1-7]"
    r"|lck|lpl|lec|lcs|esports?|iem|blast|pgl)\b"
)

# Words that say nothing about which bet it is.
STOPWORDS = word_list("stopwords")


@functools.lru_cache(maxsize=1 << 16)
def bet_of(text: str) -> str:
    """The bet kind named by folded `text` ("" when none)."""
    for pattern, bet in BET_PATTERNS:
        if pattern.search(text):
            return bet
    return ""


@functools.lru_cache(maxsize=1 << 16)
def period_of(text: str) -> str:
    """The period a folded text is about: `ft` (full time) unless a period is named."""
    for pattern, period in PERIOD_PATTERNS:
        m = pattern.search(text)
        if m is None:
            continue
        if period in ("map", "round"):
            number = next(g for g in m.groups() if g is not None)
            return f"{period}{number}"
        return period
    if ESPORTS_HINTS.search(text):
        m = _GAME_N.search(text)
        if m is not None:
            return f"map{m.group(1)}"
    return "ft"


def common_affixes(titles: Sequence[Sequence[str]]) -> tuple[int, int]:
    """Lengths of the word prefix and suffix every title shares (0, 0 for fewer than two)."""
    if len(titles) < 2:
        return 0, 0
    shortest = min(len(t) for t in titles)
    prefix = 0
    while prefix < shortest and len({t[prefix] for t in titles}) == 1:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and len({t[len(t) - 1 - suffix] for t in titles}) == 1:
        suffix += 1
    return prefix, suffix
