"""Word lists of the relation engine, kept as data (`matching/data/words/*.txt`, `#` comments)."""

from __future__ import annotations

import functools
from pathlib import Path

_DIR = Path(__file__).with_name("data") / "words"


@functools.cache
def word_list(name: str) -> frozenset[str]:
    """The words of `data/words/<name>.txt` (whitespace-separated, `#` starts a comment)."""
    out: set[str] = set()
    for line in (_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        out.update(line.split("#", 1)[0].split())
    return frozenset(out)
