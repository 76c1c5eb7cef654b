"""Participant names (teams, players, candidates) and whether two spellings name the same one.

Venues qualify names their own way: "Inter" / "FC Internazionale Milano", "Chicago C" / "Chicago
Cubs", "Stade Brest" / "Stade Brestois 29", "Tokyo V" / "Tōkyō Verdy". Two names are the same
participant when

1. both resolve through the alias tables and share a key (a name listed in a table but resolving
   to disjoint keys is a different participant: "Paris FC" is not "Paris Saint-Germain"); else
2. the significant words of one are all found in the other, a word matching an equal word, a
   longer word it is a prefix of (4+ letters: "Brest" / "Brestois"), a Kalshi-style final initial
   ("Chicago C" / "Chicago Cubs") or the initials of consecutive words ("WS" / "White Sox").

Club affixes ("FC", "SC", "1.", "1909", "Calcio", "Esports") are not significant.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from dashboard_backend.matching.aliases import AliasTable, default_aliases
from dashboard_backend.matching.text import words
from dashboard_backend.matching.wordlists import word_list

# Words that qualify a club or team name without telling two apart.
AFFIXES = word_list("name_affixes")
# Alias kinds that name a participant (a league or an institution is not one).
_NAME_KINDS = frozenset({"team", "country", "person", "party", "asset", "org"})


@dataclass(frozen=True)
class Name:
    """A participant as written, with its significant words and alias keys."""

    text: str
    words: tuple[str, ...]
    keys: frozenset[str]

    @property
    def empty(self) -> bool:
        """No word to compare."""
        return not self.words and not self.keys


def significant_words(ws: tuple[str, ...]) -> tuple[str, ...]:
    """Words without club affixes and bare numbers (all words when nothing else is left)."""
    kept = tuple(w for w in ws if w not in AFFIXES and not w.isdigit())
    return kept or tuple(w for w in ws if not w.isdigit()) or ws


@functools.lru_cache(maxsize=1 << 16)
def make_name(
    text: str, aliases: AliasTable | None = None, namespaces: frozenset[str] | None = None
) -> Name:
    """A `Name` for `text`; `namespaces` ({"nba"}) keeps only keys of those leagues when some match."""
    table = aliases or default_aliases()
    ws = words(text)
    keys = table.lookup(ws)
    if not keys:
        core = significant_words(ws)
        keys = table.lookup(core) if core != ws else frozenset()
    keys = frozenset(k for k in keys if table.kind(k) in _NAME_KINDS)
    if namespaces and keys:
        scoped = frozenset(k for k in keys if k.split(":", 1)[0] in namespaces)
        keys = scoped or keys
    return Name(text.strip(), significant_words(ws), keys)


def _word_matches(short: str, long: str, last: bool) -> bool:
    if short == long:
        return True
    if len(short) >= 4 and long.startswith(short):
        return True
    return last and len(short) == 1 and long.startswith(short)


def _covered(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Every word of `short` matches a distinct word (or run of initials) of `long`."""
    used: set[int] = set()
    for index, word in enumerate(short):
        last = index == len(short) - 1 and len(short) > 1
        hit = next(
            (
                j
                for j, other in enumerate(long)
                if j not in used and _word_matches(word, other, last)
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
            continue
        # Initials of consecutive words: "ws" = "white sox".
        span = len(word)
        starts = [
            j
            for j in range(len(long) - span + 1)
            if span >= 2
            and all(j + k not in used for k in range(span))
            and "".join(long[j + k][0] for k in range(span)) == word
        ]
        if not starts:
            return False
        used.update(range(starts[0], starts[0] + span))
    return True


def same_name(a: Name, b: Name) -> bool:
    """Whether two names are the same participant (see the module docstring)."""
    if a.keys and b.keys:
        return bool(a.keys & b.keys)
    if not a.words or not b.words:
        return False
    short, long = (a.words, b.words) if len(a.words) <= len(b.words) else (b.words, a.words)
    if not _covered(short, long):
        return False
    # At least one real word in common, not only initials.
    return any(len(w) >= 3 for w in short) or short == long


def name_index(names: tuple[Name, ...], wanted: Name) -> int | None:
    """Position of the first name in `names` that is the same participant as `wanted`."""
    return next((i for i, n in enumerate(names) if same_name(n, wanted)), None)
