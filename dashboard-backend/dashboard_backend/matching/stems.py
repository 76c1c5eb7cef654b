"""Word stems for topic words: "invades" / "invaded" / "invade", "meetings" / "meeting" / "meet",
"parties" / "party" compare equal. A few suffix rules, not a full stemmer: venues phrase one bet
as a headline ("Israel strikes Iran by June 30?") or as a question ("Will Israel strike Iran by
June 30?"), and the topics must agree. Alias keys (`country:irn`), numbers and short words pass
through unchanged; word lists compared against topics are stemmed the same way (`stemmed`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

_KEEP_S = ("ss", "us", "is")
_NO_UNDOUBLE = frozenset("lsz")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The stem of one lowercase word (unchanged when it is a key, has digits or is short)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "i"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(_KEEP_S):
        w = w[:-1]
    if w.endswith("ing") and len(w) >= 7:
        w = w[:-3]
    elif w.endswith("ed") and len(w) >= 6:
        w = w[:-2]
    if w.endswith("y") and len(w) > 3:
        w = w[:-1] + "i"
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in _NO_UNDOUBLE and w[-1].isalpha():
        w = w[:-1]  # "shutting" -> "shutt" -> "shut"
    return w


def stemmed(words: Iterable[str]) -> frozenset[str]:
    """A word list as topics hold it: every word and its stem (keys pass through)."""
    return frozenset(w2 for w in words for w2 in (w, stem(w)))
