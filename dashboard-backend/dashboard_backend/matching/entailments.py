"""Words that settle other words: "X resigns" implies "X is out" (data: `entailments.tsv`).

`entailment(a, b)` finds the words of topic A whose listed consequences cover what topic B says
instead (a head of state settles the country, "acquire" settles "take control", and any topic
settles its widened form: "part"), and returns both topics without those words for the caller to
compare as usual (same person, same office, same deadline).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from dashboard_backend.matching.stems import stem, stemmed

# The row of words any proposition settles by itself (its scope widened: "part", "any part").
_WHOLE = "*"
_PATH = Path(__file__).with_name("data") / "words" / "entailments.tsv"


@functools.cache
def entailments() -> dict[str, tuple[str, ...]]:
    """Word -> the words (or `prefix:*` patterns) it settles."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _PATH.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            word, _, settled = text.partition("\t")
            # Topics hold stems ("resigns" -> "resign"): so do the table's words (keys pass).
            out[stem(word.strip())] = tuple(sorted(stemmed(settled.split())))
    return out


def _settles(patterns: tuple[str, ...], token: str) -> bool:
    return any(token.startswith(p[:-1]) if p.endswith("*") else token == p for p in patterns)


@dataclass(frozen=True)
class Entailment:
    """A's `words` settle B's `settled` words; `rest_a` / `rest_b` are what is left to compare."""

    words: tuple[str, ...]
    settled: frozenset[str]
    rest_a: frozenset[str]
    rest_b: frozenset[str]

    @property
    def word(self) -> str:
        """The settling words, as a reason says them."""
        return " ".join(self.words)


def entailment(a: frozenset[str], b: frozenset[str]) -> Entailment | None:
    """The words of A that settle words only B says (each settling at least one of its listed
    words; at least one of them only A's), and the widening words only B says ("any *part* of
    Greenland": the whole settles a part) when A says nothing B does not; None when nothing is
    settled by A alone."""
    table = entailments()
    words: list[str] = []
    settled: set[str] = set()
    for word in sorted(w for w in a if w in table):  # (most words settle nothing)
        patterns = table.get(word)
        if not patterns:
            continue
        mine = frozenset(t for t in b - a if _settles(patterns, t))
        if mine and any(not p.endswith("*") and p in mine for p in patterns):
            words.append(word)
            settled |= mine
    widened = (b - a) & frozenset(table.get(_WHOLE, ()))
    own = [w for w in words if w not in b]
    if not own and not (widened and not (a - b)):
        return None
    if widened:
        words.append("the whole")
        settled |= widened
    return Entailment(tuple(words), frozenset(settled), a - set(own), b - settled)
