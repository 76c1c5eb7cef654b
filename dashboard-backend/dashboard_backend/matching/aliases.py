"""Alias tables: every venue's spelling of a team, country, party, league or asset -> one key.

The tables are data files (`matching/data/aliases/*.tsv`, format in that folder's README), loaded once.
A name may resolve to several keys ("Kings": the NBA's Sacramento Kings and the NHL's Los Angeles
Kings); two mentions name the same thing when their key sets intersect, so the other side of a
pair disambiguates. Ticker codes (`SAS`, `MIN`) are a separate lookup, used only on tickers.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard_backend.matching.text import words

DATA_DIR = Path(__file__).with_name("data") / "aliases"
_MAX_NAME_WORDS = 8
# Scans remembered per table (all forgotten when full): a card scans the same words for its topic
# and its entities, and sibling markets repeat their titles.
_SCAN_MEMO = 1 << 14


@dataclass(frozen=True)
class Entity:
    """One line of an alias table."""

    key: str
    kind: str
    names: tuple[str, ...]
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """A name found in a text: words [start, end) resolve to `keys`."""

    start: int
    end: int
    keys: frozenset[str]
    kinds: frozenset[str]


def parse_table(lines: Iterable[str], source: str = "<table>") -> list[Entity]:
    """Entities of one table; raises ValueError naming the line when a line is malformed."""
    out: list[Entity] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) not in (3, 4) or not cols[0] or ":" not in cols[0] or not cols[2].strip():
            raise ValueError(f"{source}:{number}: expected key, kind, names[, codes] (TAB)")
        names = tuple(n.strip() for n in cols[2].split("|") if n.strip())
        codes = (
            tuple(c.strip().upper() for c in cols[3].split("|") if c.strip())
            if len(cols) == 4
            else ()
        )
        out.append(Entity(cols[0].strip(), cols[1].strip(), names, codes))
    return out


class AliasTable:
    """Name and code lookups over a set of entities."""

    def __init__(self, entities: Sequence[Entity]):
        by_name: dict[tuple[str, ...], set[str]] = defaultdict(set)
        by_code: dict[str, set[str]] = defaultdict(set)
        self._kind: dict[str, str] = {}
        self._names: dict[str, tuple[str, ...]] = {}
        for entity in entities:
            self._kind[entity.key] = entity.kind
            self._names[entity.key] = entity.names
            for name in entity.names:
                ws = words(name)
                if ws and len(ws) <= _MAX_NAME_WORDS:
                    by_name[ws].add(entity.key)
            for code in entity.codes:
                by_code[code].add(entity.key)
        self._by_name = {k: frozenset(v) for k, v in by_name.items()}
        # The longest name starting with each word: `scan` skips words that start none.
        self._first: dict[str, int] = {}
        for spelled in self._by_name:
            self._first[spelled[0]] = max(self._first.get(spelled[0], 0), len(spelled))
        self._prefixes = {
            spelled[:size] for spelled in self._by_name for size in range(1, len(spelled) + 1)
        }
        self._kinds_of = {
            keys: frozenset(self._kind[k] for k in keys) for keys in self._by_name.values()
        }
        self._by_code = {k: frozenset(v) for k, v in by_code.items()}
        self._longest = max((len(k) for k in self._by_name), default=0)
        self._scans: dict[tuple[tuple[str, ...], frozenset[str] | None], tuple[Mention, ...]] = {}

    def kind(self, key: str) -> str:
        """The kind of a key ('' when unknown)."""
        return self._kind.get(key, "")

    def display(self, key: str) -> str:
        """The first name listed for a key (the key itself when unknown)."""
        names = self._names.get(key)
        return names[0] if names else key

    def lookup(self, name: str | Sequence[str]) -> frozenset[str]:
        """Keys of exactly this name (folded); empty when unknown."""
        ws = words(name) if isinstance(name, str) else tuple(name)
        return self._by_name.get(ws, frozenset())

    def codes(self, code: str, namespace: str | None = None) -> frozenset[str]:
        """Keys whose ticker code is `code`, restricted to `namespace` (`nba`) when given."""
        keys = self._by_code.get(code.upper(), frozenset())
        if namespace is None:
            return keys
        return frozenset(k for k in keys if k.startswith(namespace + ":"))

    def scan(self, ws: Sequence[str], kinds: Iterable[str] | None = None) -> list[Mention]:
        """Known names in a word sequence, longest first, left to right, non-overlapping."""
        wanted = None if kinds is None else frozenset(kinds)
        ws = tuple(ws)
        memo = self._scans.get((ws, wanted))
        if memo is not None:
            return list(memo)
        found = self._scan(ws, wanted)
        if len(self._scans) >= _SCAN_MEMO:
            self._scans.clear()
        self._scans[ws, wanted] = tuple(found)
        return found

    def _scan(self, ws: tuple[str, ...], wanted: frozenset[str] | None) -> list[Mention]:
        first = self._first
        # The words that start a name, with the farthest such a name could end.
        starts = [(i, i + first[w]) for i, w in enumerate(ws) if w in first]
        out: list[Mention] = []
        free = 0  # the first word not inside a name found
        for index, (i, _reach) in enumerate(starts):
            if i < free or (found := self._at(ws, i, wanted)) is None:
                continue
            if found.end == i + 1 or not self._reached_past(ws, starts, index, found.end, wanted):
                out.append(found)  # (a one-word name has no word inside to start another)
                free = found.end
        return out

    def _reached_past(
        self,
        ws: tuple[str, ...],
        starts: list[tuple[int, int]],
        index: int,
        end: int,
        wanted: frozenset[str] | None,
    ) -> bool:
        """Whether a name starting inside the one found (at `starts[index]`, ending at `end`)
        reaches further: "the Masters Tournament" is the Masters, not "The Masters"."""
        for j, reach in starts[index + 1 :]:
            if j >= end:
                return False
            if reach > end and (later := self._at(ws, j, wanted)) is not None and later.end > end:
                return True
        return False

    def _at(self, ws: Sequence[str], i: int, wanted: frozenset[str] | None) -> Mention | None:
        """The longest known name starting at word `i` (of the wanted kinds)."""
        n = len(ws)
        found: tuple[int, frozenset[str]] | None = None
        end = i + 1
        # Longer spans are looked up only while they begin some name.
        while end <= n and (span := tuple(ws[i:end])) in self._prefixes:
            keys = self._by_name.get(span)
            if keys and wanted is not None:
                keys = frozenset(k for k in keys if self._kind[k] in wanted)
            if keys:
                found = (end, keys)
            end += 1
        if found is None:
            return None
        end, keys = found
        if wanted is None:
            return Mention(i, end, keys, self._kinds_of[keys])
        return Mention(i, end, keys, frozenset(self._kind[k] for k in keys))


def load_tables(directory: Path = DATA_DIR) -> AliasTable:
    """Every `*.tsv` table of a folder, merged."""
    entities: list[Entity] = []
    for path in sorted(directory.glob("*.tsv")):
        with path.open(encoding="utf-8") as handle:
            entities.extend(parse_table(handle, str(path.name)))
    return AliasTable(entities)


@functools.cache
def default_aliases() -> AliasTable:
    """The tables shipped with the package (loaded once per process)."""
    return load_tables()
