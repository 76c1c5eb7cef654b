"""Stages of a competition: a later stage implies every earlier one.

"Will Argentina win the World Cup?" implies "Will Argentina reach the final?", which implies
"Will Argentina advance to the knockout stage?". The stage words and their order are data
(`data/words/stages.tsv`); `stage_ladder` splits two topics into their stage ranks and the rest,
which the caller compares as usual (same competition, same team, same time).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from dashboard_backend.matching.stems import stemmed

_PATH = Path(__file__).with_name("data") / "words" / "stages.tsv"
_WINNER = "word:winner"


@functools.cache
def stage_ranks() -> dict[str, int]:
    """Topic token -> stage rank (0: a word that only says "get to")."""
    out: dict[str, int] = {}
    for line in _PATH.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        rank, _, tokens = text.partition("\t")
        for token in stemmed(tokens.split()):  # topics hold stems ("semifinals" -> "semifinal")
            out[token] = int(rank)
    return out


def stage_of(topic: frozenset[str]) -> int | None:
    """The latest stage a topic names (None when it names none)."""
    ranks = stage_ranks()
    named = [ranks[t] for t in topic if ranks.get(t, 0) > 0 and t != _WINNER]
    if named:
        # "win the semifinal" is reaching the final.
        return max(named) + (1 if _WINNER in topic else 0)
    return ranks[_WINNER] if _WINNER in topic else None


@dataclass(frozen=True)
class StageLadder:
    """Two topics naming different stages: their ranks and what else they say."""

    rank_a: int
    rank_b: int
    rest_a: frozenset[str]
    rest_b: frozenset[str]


def stage_ladder(a: frozenset[str], b: frozenset[str]) -> StageLadder | None:
    """The stages of two topics when both name one and they differ; None otherwise (also when
    either is about a group: "win Group B" and "win the group stage" are not the tournament)."""
    if any(t.startswith("group") for t in a | b):
        return None
    ra, rb = stage_of(a), stage_of(b)
    if ra is None or rb is None or ra == rb:
        return None
    ranks = stage_ranks()
    return StageLadder(
        ra,
        rb,
        frozenset(t for t in a if t not in ranks),
        frozenset(t for t in b if t not in ranks),
    )
