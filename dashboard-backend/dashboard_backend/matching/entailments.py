"""Words that settle other words: "X resigns" implies "X is out" (data: `entailments.tsv`).

`entailment(a, b)` finds a word of topic A whose listed consequences cover what topic B says
instead, and returns both topics without those words for the caller to compare as usual (same
person, same office, same deadline).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

_PATH = Path(__file__).with_name("data") / "words" / "entailments.tsv"


@functools.cache
def entailments() -> dict[str, tuple[str, ...]]:
    """Word -> the words (or `prefix:*` patterns) it settles."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _PATH.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            word, _, settled = text.partition("\t")
            out[word.strip()] = tuple(settled.split())
    return out


def _settles(patterns: tuple[str, ...], token: str) -> bool:
    return any(token.startswith(p[:-1]) if p.endswith("*") else token == p for p in patterns)


@dataclass(frozen=True)
class Entailment:
    """A's `word` settles B's `settled` words; `rest_a` / `rest_b` are what is left to compare."""

    word: str
    settled: frozenset[str]
    rest_a: frozenset[str]
    rest_b: frozenset[str]


def entailment(a: frozenset[str], b: frozenset[str]) -> Entailment | None:
    """A word only A says that settles at least one word only B says (None otherwise)."""
    table = entailments()
    for word in sorted(a - b):
        patterns = table.get(word)
        if not patterns:
            continue
        settled = frozenset(t for t in b - a if _settles(patterns, t))
        if settled and any(not p.endswith("*") and p in settled for p in patterns):
            return Entailment(word, settled, a - {word}, b - settled)
    return None
