"""Text normalisation shared by the relation engine: accent folding and word splitting.

`fold("Côte d’Ivoire")` is `"cote d'ivoire"`; `words("1. FC Köln vs. SC Freiburg")` is
`("1", "fc", "koln", "vs", "sc", "freiburg")`. Apostrophes inside a word are dropped
("Nott'm" -> "nottm", "A's" -> "as") so every venue's spelling of a name gives the same words.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "´": "'", "`": "'", "‘": "'", "ʼ": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
# Letters that NFKD does not decompose into a base letter plus a mark.
_SPECIAL = str.maketrans({"ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i"})


def fold(text: str) -> str:
    """Lower-case, accents removed, apostrophes unified."""
    if text.isascii():
        # The same result, fast: of the apostrophes only "`" is ASCII, no special letter is,
        # NFKD leaves ASCII unchanged and no ASCII character is combining.
        return text.lower().replace("`", "'")
    return fold_unicode(text)


@functools.lru_cache(maxsize=1 << 16)
def fold_unicode(text: str) -> str:
    """`fold` by the general path (any text; memoised: team names with accents recur)."""
    lowered = text.translate(_APOSTROPHES).lower().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", lowered)
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1 << 17)
def words(text: str) -> tuple[str, ...]:
    """The folded words of `text` (letters and digits; inner apostrophes removed)."""
    folded = fold(text)
    if "'" not in folded:
        return tuple(_WORD.findall(folded))
    return tuple(w.replace("'", "") for w in _WORD.findall(folded))


def phrase(text: str) -> str:
    """`text` as one space-joined string of its folded words (a lookup key)."""
    return " ".join(words(text))
