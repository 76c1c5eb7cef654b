"""How much a topic word tells contests apart: inverse document frequency over market titles.

"strikeouts" separates two season-leader markets, "regular" and "season" do not. The weight of a
word is its IDF over the questions and event titles of recorded venue catalogs, scaled to [0, 1]
(a word seen in every title weighs 0, a word never seen weighs 1). Each catalog (source folder)
counts with the square root of its size, so one large sports dump does not decide what is
common and one small themed file does not either.

The shipped table (`data/word_weights.tsv`) is rebuilt with

    python -m dashboard_backend.matching.word_weights ../shared/data

which reads every JSON / JSONL / CSV file below the folder and keeps words seen in at least
`MIN_DF` titles. Alias keys (`league:mlb`, `word:winner`) are weighed the same way.
"""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_TABLE = Path(__file__).with_name("data") / "word_weights.tsv"
_TEXT_FIELDS = ("question", "title", "eventTitle", "event_title", "market_question", "subtitle")
MIN_DF = 3


@functools.cache
def word_weights() -> dict[str, float]:
    """The shipped table: word -> weight in [0, 1] (words not listed weigh 1)."""
    out: dict[str, float] = {}
    if _TABLE.is_file():
        for line in _TABLE.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                word, _, weight = line.partition("\t")
                out[word] = float(weight)
    return out


def weight(token: str) -> float:
    """The weight of one topic token (1.0 when unseen: a rare word is specific)."""
    return word_weights().get(token, 1.0)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _TEXT_FIELDS and isinstance(item, str):
                yield item
            elif isinstance(item, dict | list):
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def titles_of(path: Path) -> Iterator[str]:
    """Question and title strings of one recorded file (unreadable files give none)."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            if path.name.endswith((".csv", ".csv.gz")):
                for row in csv.DictReader(handle):
                    yield from (row[f] for f in _TEXT_FIELDS if row.get(f))
            elif path.name.endswith((".jsonl", ".jsonl.gz")):
                for line in handle:
                    try:
                        yield from _strings(json.loads(line))
                    except json.JSONDecodeError:
                        continue
            else:
                yield from _strings(json.load(handle))
    except (OSError, ValueError, UnicodeDecodeError):
        return


def build(folders: Iterable[Path]) -> dict[str, float]:
    """Weights from the recorded catalogs, one source per folder."""
    from dashboard_backend.matching.cards import topic_words  # the same tokens the engine compares

    shares: list[tuple[float, dict[str, float]]] = []
    for folder in folders:
        df: Counter[str] = Counter()
        docs = 0
        for path in sorted(folder.rglob("*")):
            if not path.name.endswith((".json", ".jsonl", ".csv", ".jsonl.gz")):
                continue
            for text in set(titles_of(path)):
                df.update(topic_words(text))
                docs += 1
        if docs >= 50:
            shares.append((math.sqrt(docs), {w: n / docs for w, n in df.items() if n >= MIN_DF}))
    if not shares:
        return {}
    words = set().union(*(s for _, s in shares))
    total = sum(size for size, _ in shares)
    out: dict[str, float] = {}
    floor = math.log(1e4)
    for w in words:
        share = sum(size * s.get(w, 0.0) for size, s in shares) / total
        out[w] = round(min(1.0, -math.log(max(share, 1e-4)) / floor), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    """Rebuild the shipped table from recorded catalogs."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.matching.word_weights")
    parser.add_argument("data", type=Path, help="folder of recorded catalogs (../shared/data)")
    parser.add_argument("--out", type=Path, default=_TABLE)
    args = parser.parse_args(argv)
    folders = [
        p for p in sorted(args.data.iterdir()) if p.is_dir() and p.name != "xplat_equivalence_eval"
    ]
    weights = build(folders)
    if not weights:
        print("error: no titles found", file=sys.stderr)
        return 1
    lines = [
        "# word<TAB>weight: IDF over recorded catalog titles (python -m dashboard_backend.matching.word_weights)"
    ]
    lines += [f"{w}\t{v}" for w, v in sorted(weights.items())]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(weights)} words from {len(folders)} sources -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
