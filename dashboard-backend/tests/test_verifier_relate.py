"""`relate --llm`: the offline tool's verifier over a chat stand-in, answers cached in a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard_backend import relate
from dashboard_backend.verifier.answer import Answer
from dashboard_backend.verifier.band import Band
from dashboard_backend.verifier.cache import FileCache
from dashboard_backend.verifier.standin import STANDIN_KEY, ChatStandIn, always, confirm_engine
from tests.verifier_helpers import MODEL, serving

DEV = "xplat_equivalence_eval/v1.labelled.dev.jsonl"


def llm_env(monkeypatch: pytest.MonkeyPatch, url: str, state: Path) -> None:
    monkeypatch.setenv("LLM_BASE_URL", url)
    monkeypatch.setenv("LLM_MODEL", MODEL)
    monkeypatch.setenv("LLM_API_KEY", STANDIN_KEY)
    monkeypatch.setenv("STATE_DIR", str(state))
    monkeypatch.setenv("PM_BACKOFF_BASE_SEC", "0.01")


def band_size(path: Path) -> int:
    rows, _ = relate.relate_file(path)
    band = Band()
    return sum(band.min_confidence <= float(r["confidence"]) <= band.max_confidence for r in rows)  # type: ignore[arg-type]


def test_evaluate_reports_band_and_calls_and_a_second_run_is_free(
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dev = shared_data / DEV
    expected_band = band_size(dev)
    assert expected_band > 10
    standin = ChatStandIn(answer=confirm_engine)
    with serving(standin) as url:
        llm_env(monkeypatch, url, tmp_path)
        assert relate.main(["--evaluate", str(dev)]) == 0
        plain = capsys.readouterr().out
        assert "LLM verifier" not in plain
        assert standin.attempts == 0
        assert relate.main(["--evaluate", str(dev), "--llm"]) == 0
        first = capsys.readouterr().out
        calls = standin.attempts
        assert relate.main(["--evaluate", str(dev), "--llm"]) == 0
        second = capsys.readouterr().out
    assert f"LLM verifier ({MODEL}): {expected_band} of 229 pairs in the band; 0 answered" in first
    assert 0 < calls <= expected_band
    assert f"{calls} calls ({calls} HTTP requests): {calls} answers" in first
    assert f"{expected_band} answered from the cache, 0 calls" in second
    assert standin.attempts == calls  # the second run made no request
    # A stand-in that agrees with the engine changes no figure.
    table = plain.split("class ")[1].split("accuracy")[0]
    assert table in first
    assert len(FileCache(tmp_path / "llm_answers.jsonl").answers) == calls


def test_pairs_out_carry_the_verifier_answers(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = shared_data / DEV
    plain, _ = relate.relate_file(dev)
    in_band = {r["pair_id"] for r in plain if float(r["confidence"]) <= 0.6}  # type: ignore[arg-type]
    standin = ChatStandIn(answer=always("unrelated"))
    out, cache = tmp_path / "pred.jsonl", tmp_path / "answers.jsonl"
    with serving(standin) as url:
        llm_env(monkeypatch, url, tmp_path)
        assert relate.main([str(dev), "--out", str(out), "--llm", "--llm-cache", str(cache)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 229
    for row, before in zip(rows, plain, strict=True):
        if row["pair_id"] in in_band:
            assert row["relation"] == "unrelated"
            assert any(f"LLM verifier ({MODEL}) says unrelated" in r for r in row["reasons"])
        else:
            assert row == before  # outside the band nothing is asked or changed


def test_incomplete_llm_settings_exit_2(
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LLM_BASE_URL", raising=False)
    monkeypatch.setenv("LLM_MODEL", MODEL)
    with pytest.raises(SystemExit) as exited:
        relate.main(["--evaluate", str(shared_data / DEV), "--llm"])
    assert exited.value.code == 2
    assert "the LLM verifier needs LLM_BASE_URL" in capsys.readouterr().err


async def test_the_answer_file_survives_a_line_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    cache = FileCache(path)
    await cache.put("k1", Answer("equivalent", (("a", "b"),), "same"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"key": "k2", "answer": {"relat')  # a crash mid-append
    reopened = FileCache(path)
    assert reopened.skipped == 1
    assert reopened.answers == {"k1": Answer("equivalent", (("a", "b"),), "same")}
    await reopened.put("k3", Answer(malformed="not JSON"))
    again = FileCache(path)
    assert set(again.answers) == {"k1", "k3"}
    assert again.skipped == 1
