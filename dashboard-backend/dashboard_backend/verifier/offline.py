"""The verifier for the offline tools: LLM_* settings, answers cached in a JSON-lines file.

`relate --llm` passes its engine verdicts through `OfflineReview` (event pairs, or the match
lists `--markets` builds);
the file (default `STATE_DIR/llm_answers.jsonl`) makes a second run over the same pairs free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from dashboard_backend.matching.events_model import Event
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry
from dashboard_backend.settings import Settings
from dashboard_backend.verifier.cache import FileCache
from dashboard_backend.verifier.factory import open_verifier
from dashboard_backend.verifier.matches import review_matches
from dashboard_backend.verifier.review import ReviewStats, review_event_pairs

ANSWERS_FILE = "llm_answers.jsonl"


class OfflineReview:
    """Reviews batches of verdicts synchronously; `stats` adds up what every batch did."""

    def __init__(self, settings: Settings, cache_path: Path | None = None):
        self.settings = settings
        self.cache = FileCache(cache_path or settings.state_dir / ANSWERS_FILE)
        self.stats = ReviewStats()

    def events(self, pairs: Sequence[tuple[Event, Event, Verdict]]) -> list[Verdict]:
        """Event verdicts after review (same order)."""
        return asyncio.run(self._events(pairs))

    async def _events(self, pairs: Sequence[tuple[Event, Event, Verdict]]) -> list[Verdict]:
        async with open_verifier(self.settings, self.cache) as verifier:
            verdicts, stats = await review_event_pairs(verifier, pairs)
        self._add(stats)
        return verdicts

    async def matches(
        self, docs: Mapping[str, MarketDocument], matches: Mapping[str, Sequence[MatchEntry]]
    ) -> dict[str, list[MatchEntry]]:
        """The pipeline's match lists after review (`matches.py`)."""
        async with open_verifier(self.settings, self.cache) as verifier:
            reviewed, stats = await review_matches(verifier, docs, matches)
        self._add(stats)
        return reviewed

    def _add(self, stats: ReviewStats) -> None:
        total = self.stats
        for name in (
            "pairs",
            "band",
            "cached",
            "calls",
            "http_requests",
            "answered",
            "malformed",
            "errors",
            "not_asked",
            "confirmed",
            "changed",
        ):
            setattr(total, name, getattr(total, name) + getattr(stats, name))
        for move, n in stats.relations_changed.items():
            total.relations_changed[move] = total.relations_changed.get(move, 0) + n

    def summary(self) -> str:
        """What the verifier did over the run, one paragraph."""
        line = f"LLM verifier ({self.settings.llm_model}): {self.stats.summary()}"
        if self.stats.relations_changed:
            moves = ", ".join(f"{m} {n}" for m, n in sorted(self.stats.relations_changed.items()))
            line += f" ({moves})"
        if self.cache.skipped:
            line += f"; {self.cache.skipped} unreadable lines skipped in {self.cache.path}"
        return line
