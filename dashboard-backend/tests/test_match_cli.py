"""The offline matching CLI end to end: JSONL in, a loopback OpenAI-compatible server, JSONL out."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from dashboard_backend.match import read_markets
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import match_documents
from dashboard_backend.models import MarketDocument, embedding_text
from tests.matching_fixtures import doc
from tests.openai_stub import API_KEY, MODELS, bag_of_words, serve_stub

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
MODEL = "text-embedding-3-small"

FIRST = [
    doc("a1", "Will Bitcoin reach 150k dollars by December?"),
    doc("a2", "Will the Lakers win the NBA championship this season?"),
    doc("a3", "Will it rain in London tomorrow?"),
]
SECOND = [
    doc("b1", "Bitcoin reach 150k dollars by December?"),
    doc("b2", "Lakers win the NBA championship this season?"),
    doc("b3", "Will the Federal Reserve cut rates?"),
]


def write_jsonl(path: Path, docs: list[MarketDocument], extra: tuple[str, ...] = ()) -> Path:
    lines = [d.to_json() for d in docs] + list(extra)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def run_cli(
    tmp_path: Path, base_url: str, *args: str, threshold: str = "0.7"
) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EMBEDDING_"))} | {
        "PYTHONPATH": str(PACKAGE_ROOT),
        "EMBEDDING_PROVIDER": "openai",
        "EMBEDDING_MODEL": MODEL,
        "OPENAI_API_KEY": API_KEY,
        "OPENAI_BASE_URL": base_url,
        "SIMILARITY_THRESHOLD": threshold,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dashboard_backend.match",
        *args,
        env=env,
        cwd=tmp_path,  # no stray .env.local
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode() + err.decode()


def expected_pairs(
    docs: list[MarketDocument], bases: int | None, threshold: float
) -> list[tuple[str, str, float]]:
    """The worker's path on the same vectors the stub serves."""
    vectors = np.array([bag_of_words(embedding_text(d), MODEL, MODELS[MODEL]) for d in docs])
    sides = None if bases is None else [0] * bases + [1] * (len(docs) - bases)
    rows = None if bases is None else list(range(bases))
    result = match_documents(
        docs, vectors, MatchFilters(threshold=threshold), datetime.now(UTC), sides, rows
    )
    return [
        (base, e.market_id, e.similarity)
        for base in sorted(result.matches)
        for e in result.matches[base]
    ]


async def test_two_files_pair_only_across_and_report_bad_lines(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", FIRST, ('{"id": "broken"', "", "not json"))
    b = write_jsonl(tmp_path / "b.jsonl", SECOND)
    out = tmp_path / "out" / "pairs.jsonl"
    async with serve_stub() as stub:
        code, output = await run_cli(tmp_path, stub.base_url, str(a), str(b), "--out", str(out))
    assert code == 0, output
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    got = [(p["a"], p["b"], p["similarity"]) for p in pairs]
    assert got == expected_pairs(FIRST + SECOND, 3, 0.7)
    assert {(p["a"], p["b"]) for p in pairs} == {("a1", "b1"), ("a2", "b2")}
    assert all(p["a"].startswith("a") and p["b"].startswith("b") for p in pairs)
    assert pairs[0]["marketId"] == pairs[0]["b"]
    assert "yesAskDiff" in pairs[0]
    assert pairs[0]["baseUrl"].endswith("m-a1")
    assert "3 markets, 2 bad lines (lines 4, 6)" in output
    assert "2 pairs across the two files" in output
    assert len(stub.texts) == 6  # every market embedded once


async def test_one_file_pairs_within_it(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "all.jsonl", FIRST + SECOND)
    out = tmp_path / "pairs.jsonl"
    async with serve_stub() as stub:
        code, output = await run_cli(
            tmp_path, stub.base_url, str(a), "--out", str(out), "--top-k", "1"
        )
    assert code == 0, output
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(p["a"], p["b"]) for p in pairs] == [
        ("a1", "b1"),
        ("a2", "b2"),
        ("b1", "a1"),
        ("b2", "a2"),
    ]


async def test_threshold_override_and_bad_arguments(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "all.jsonl", FIRST + SECOND)
    out = tmp_path / "pairs.jsonl"
    async with serve_stub() as stub:
        code, output = await run_cli(
            tmp_path, stub.base_url, str(a), "--out", str(out), "--threshold", "0.999"
        )
        assert code == 0, output
        assert out.read_text() == ""
        code, output = await run_cli(
            tmp_path, stub.base_url, str(a), "--out", str(out), "--threshold", "3"
        )
        assert code == 2
        assert "--threshold" in output
        code, output = await run_cli(
            tmp_path, stub.base_url, str(tmp_path / "missing.jsonl"), "--out", str(out)
        )
        assert code == 2
        assert "missing.jsonl" in output


def test_read_markets_keeps_first_of_duplicate_ids(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [FIRST[0], FIRST[0], FIRST[1]])
    read = read_markets(path)
    assert [d.id for d in read.docs] == ["a1", "a2"]
    assert read.duplicates == 1


async def test_a_file_with_no_usable_line_exits_non_zero_naming_the_fields(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", FIRST)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "question": "no outcomes"}\nnot json\n', encoding="utf-8")
    out = tmp_path / "pairs.jsonl"
    async with serve_stub() as stub:
        code, output = await run_cli(
            tmp_path, stub.base_url, str(good), str(bad), "--out", str(out)
        )
        assert code == 2
        assert "bad.jsonl: no usable market document (2 unreadable lines)" in output
        assert "conditionId" in output
        assert "tokenId" in output
        assert not out.exists()
        assert stub.texts == []  # nothing embedded
        code, output = await run_cli(tmp_path, stub.base_url, "--help")
        assert code == 0
        assert "Input fields" in output
        assert "groupItemTitle" in output
