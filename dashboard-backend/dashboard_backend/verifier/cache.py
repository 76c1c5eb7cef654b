"""Where answers are kept, keyed by (signature A, signature B, model, prompt version).

`AnswerCache` is the interface the reviewer uses; `MemoryCache` keeps answers for one process
and `FileCache` in a JSON-lines file (the offline tool's, one answer a line, appended as each
arrives so a crash keeps every earlier answer; unreadable lines are skipped and counted). The
worker's cache is Redis (`store.py`). Only answers are kept — a call that failed has nothing to
keep, so it is asked again on the next pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from dashboard_backend.stored import parse_stored
from dashboard_backend.verifier.answer import Answer

log = logging.getLogger(__name__)


def cache_key(signature_a: str, signature_b: str, model: str, prompt_version: str) -> str:
    """The cache key of one ordered pair under one model and prompt (a hex digest)."""
    payload = json.dumps([signature_a, signature_b, model, prompt_version], separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]


class AnswerCache(Protocol):
    """Answers by cache key."""

    async def get_many(self, keys: Sequence[str]) -> dict[str, Answer]:
        """The answers known for these keys (missing keys are left out)."""

    async def put(self, key: str, answer: Answer) -> None:
        """Keep one answer."""


class MemoryCache:
    """Answers held in a dict (one process)."""

    def __init__(self, answers: Mapping[str, Answer] | None = None) -> None:
        self.answers: dict[str, Answer] = dict(answers or {})

    async def get_many(self, keys: Sequence[str]) -> dict[str, Answer]:
        """The answers known for these keys."""
        return {k: self.answers[k] for k in keys if k in self.answers}

    async def put(self, key: str, answer: Answer) -> None:
        """Keep one answer."""
        self.answers[key] = answer


class FileCache(MemoryCache):
    """Answers in a JSON-lines file (`{"key": ..., "answer": {...}}`), loaded at start."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.skipped = 0
        # A crash mid-append leaves a last line without its newline: the next one starts afresh.
        self._newline_first = path.is_file() and not path.read_bytes().endswith(b"\n")
        if path.is_file() and path.stat().st_size:
            raw: dict[str, str] = {}
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    key, value = _split(line)
                    raw[key or f"line {number}"] = value
            parsed = parse_stored(raw, Answer.from_json, f"cached answers in {path}")
            self.answers.update(parsed)
            self.skipped = parsed.skipped

    async def put(self, key: str, answer: Answer) -> None:
        """Keep one answer and append it to the file."""
        await super().put(key, answer)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"key": key, "answer": json.loads(answer.to_json())}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if self._newline_first else "") + line + "\n")
        self._newline_first = False


def _split(line: str) -> tuple[str, str]:
    """(key, the answer's JSON) of one file line; ("", line) when the line is not one."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return "", line
    if not isinstance(record, dict) or not isinstance(record.get("key"), str):
        return "", line
    return record["key"], json.dumps(record.get("answer"))
