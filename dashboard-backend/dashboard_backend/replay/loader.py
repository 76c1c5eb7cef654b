"""Read recorded Polymarket payloads from a directory tree and sort them by kind.

Recognised (raw upstream shapes, found anywhere below the directory):
- Gamma markets: a list of markets, `{fetched_at, markets, summary}`, `{data: [...]}`, a single
  market object, or `.jsonl`/`.jsonl.gz` lines holding the market itself or under `raw`;
- Gamma events: a list of events with nested `markets`, a single event, `{events: [...]}`;
- CLOB `/book` responses: single books, lists of books, `{data: [books]}` (orderbook history);
- Gamma tags: lists of `{id, label, slug}`.
Everything else (Kalshi payloads, CLOB `/markets` pages, websocket messages, CSV, parquet,
archives) is ignored and reported. Files with other extensions are skipped without being read.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

JSON_SUFFIXES = (".json", ".jsonl", ".jsonl.gz", ".json.gz")

Raw = dict[str, Any]


@dataclass
class FileReport:
    """What one file contributed."""

    path: str
    markets: int = 0
    events: int = 0
    books: int = 0
    tags: int = 0
    ignored: int = 0
    error: str | None = None

    @property
    def used(self) -> bool:
        """Whether anything in the file was recognised."""
        return bool(self.markets or self.events or self.books or self.tags)

    def summary(self) -> str:
        """One log line."""
        if self.error:
            return f"{self.path}: ignored ({self.error})"
        if not self.used:
            return f"{self.path}: ignored (no Gamma/CLOB records, {self.ignored} other records)"
        parts = [
            f"{n} {name}"
            for n, name in (
                (self.markets, "markets"),
                (self.events, "events"),
                (self.books, "books"),
                (self.tags, "tags"),
                (self.ignored, "ignored records"),
            )
            if n
        ]
        return f"{self.path}: " + ", ".join(parts)


@dataclass
class RawRecords:
    """Everything recognised in a directory, in file order, before de-duplication."""

    markets: list[Raw] = field(default_factory=list)
    events: list[Raw] = field(default_factory=list)
    books: list[Raw] = field(default_factory=list)
    tags: list[Raw] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not read at all (extension)


def is_market(obj: object) -> bool:
    """A raw Gamma market: has an id, a question and a condition id."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("id"), str | int)
        and "question" in obj
        and "conditionId" in obj
    )


def is_event(obj: object) -> bool:
    """A raw Gamma event: an id, a title or ticker, and a `markets` list."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("id"), str | int)
        and isinstance(obj.get("markets"), list)
        and ("title" in obj or "ticker" in obj or "slug" in obj)
        and "question" not in obj
    )


def is_book(obj: object) -> bool:
    """A CLOB `/book` response (not a websocket `book` message)."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("asset_id"), str)
        and "bids" in obj
        and "asks" in obj
        and "event_type" not in obj
    )


def is_tag(obj: object) -> bool:
    """A Gamma tag object."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("id"), str | int)
        and isinstance(obj.get("label"), str)
        and isinstance(obj.get("slug"), str)
        and "markets" not in obj
        and "question" not in obj
    )


def _collect(obj: object, out: RawRecords, report: FileReport) -> None:
    """Sort one decoded JSON value into `out`, descending only through known containers."""
    if isinstance(obj, list):
        for item in obj:
            _collect(item, out, report)
        return
    if not isinstance(obj, dict):
        report.ignored += 1
        return
    if is_market(obj):
        out.markets.append(obj)
        report.markets += 1
    elif is_event(obj):
        out.events.append(obj)
        report.events += 1
    elif is_book(obj):
        out.books.append(obj)
        report.books += 1
    elif is_tag(obj):
        out.tags.append(obj)
        report.tags += 1
    elif isinstance(obj.get("raw"), dict):
        _collect(obj["raw"], out, report)  # ligengxin-style rows: the Gamma object under `raw`
    else:
        containers = [obj[k] for k in ("markets", "events", "data") if isinstance(obj.get(k), list)]
        if not containers:
            report.ignored += 1
        for items in containers:
            _collect(items, out, report)


def decode_file(path: Path) -> Iterator[object]:
    """Yield the JSON values of a file (one for .json, one per line for .jsonl)."""
    name = path.name.lower()
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig") as handle:  # some dumps start with a BOM
        if ".jsonl" in name:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
        else:
            yield json.load(handle)


def read_directory(root: Path) -> RawRecords:
    """Read every recognised file below `root` (sorted, recursive) into raw records."""
    out = RawRecords()
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for path in paths:
        rel = str(path.relative_to(root)) if path != root else path.name
        if not path.name.lower().endswith(JSON_SUFFIXES):
            out.skipped.append(rel)
            continue
        report = FileReport(rel)
        staged = RawRecords()
        try:
            for value in decode_file(path):
                _collect(value, staged, report)
        except (OSError, ValueError, EOFError) as exc:  # bad JSON, bad gzip, unreadable
            report = FileReport(rel, error=f"{type(exc).__name__}: {exc}"[:200])
        else:
            # Kalshi and CLOB-only files decode fine but contribute nothing.
            out.markets += staged.markets
            out.events += staged.events
            out.books += staged.books
            out.tags += staged.tags
        out.reports.append(report)
        log.info("%s", report.summary())
    if out.skipped:
        log.info("skipped %d non-JSON files (CSV, parquet, archives, text)", len(out.skipped))
    return out
