"""Benchmark: the dev split related with and without the LLM verifier, over a loopback stand-in.

There is no real LLM here. The verifier runs for real (prompt, HTTP, parsing, cache, decision)
against the chat-completions stand-in, which answers deterministically in one of these ways:

- `agree`: the engine's own verdict (the plumbing alone: figures must not move);
- `oracle`: the pair's label from the labelled file (an upper bound: what a perfect model could
  do inside the band — it cannot touch pairs outside it);
- `always-equivalent`: equivalent for every pair (the worst a bad model can do: the damage is
  bounded by the band);
- `failing`: HTTP 500 on every call (fail-closed: figures must equal the engine's alone).

Each mode runs twice over one answer file: the second pass must make no call. Times are wall
clock of the whole `relate` path; the stand-in answers in about a millisecond, a real model in
about a second per call (LLM_CONCURRENCY at a time), so read the calls, not the times.

    python -m dashboard_backend.bench verifier [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from dashboard_backend.matching.pairs_format import Scores, read_labels, read_pair, score
from dashboard_backend.relate import relate_file
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.settings import Settings
from dashboard_backend.verifier.offline import OfflineReview
from dashboard_backend.verifier.sides import clean
from dashboard_backend.verifier.standin import (
    STANDIN_KEY,
    Answerer,
    ChatStandIn,
    always,
    confirm_engine,
    content_json,
    user_text,
)

DEV = Path("xplat_equivalence_eval") / "v1.labelled.dev.jsonl"
_TITLE = re.compile(r"^Event (?P<side>[AB]) \([^)]*\):\n  Title: (?P<title>[^\n]*)$", re.MULTILINE)


def oracle(path: Path) -> Answerer:
    """Answer each pair's label, found by the two event titles the prompt shows."""
    labels: dict[tuple[str, str], str] = {}
    with path.open(encoding="utf-8-sig") as handle:
        lines = handle.readlines()
    truth = read_labels(lines)
    for line in lines:
        pair = read_pair(line)
        if pair.pair_id in truth:
            labels.setdefault((clean(pair.a.title), clean(pair.b.title)), truth[pair.pair_id])

    def answer(body: dict[str, Any]) -> str:
        titles = {m["side"]: m["title"] for m in _TITLE.finditer(user_text(body))}
        label = labels.get((titles.get("A", ""), titles.get("B", "")), "unrelated")
        return content_json(label, [], "the label of the dev split")

    return answer


def _figures(scores: Scores) -> str:
    sub_p = _ratio(
        sum(scores.confusion[c][c] for c in ("subset_a_in_b", "subset_b_in_a")),
        scores.predicted("subset_a_in_b") + scores.predicted("subset_b_in_a"),
    )
    wrong_eq = scores.predicted("equivalent") - scores.confusion["equivalent"]["equivalent"]
    subset_as_eq = sum(
        scores.confusion[c]["equivalent"] for c in ("subset_a_in_b", "subset_b_in_a")
    )
    return (
        f"eq P {scores.precision('equivalent'):.3f} R {scores.recall('equivalent'):.3f} "
        f"({wrong_eq} false eq, {subset_as_eq} subset->eq); subset P {sub_p:.3f}; "
        f"accuracy {scores.accuracy:.3f}"
    )


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def _run(path: Path, truth: dict[str, str], review: OfflineReview | None) -> tuple[str, float]:
    started = time.perf_counter()
    rows, _ = relate_file(path, review)
    took = time.perf_counter() - started
    scores = score(truth, {str(r["pair_id"]): str(r["relation"]) for r in rows})
    return _figures(scores), took


def main(argv: list[str]) -> None:
    """Print the dev figures per mode, the band, the calls and the cached second pass."""
    parser = argparse.ArgumentParser(prog="bench verifier")
    parser.add_argument("--data", type=Path, default=Path("..") / "shared" / "data")
    args = parser.parse_args(argv)
    path = args.data / DEV
    with path.open(encoding="utf-8-sig") as handle:
        truth = read_labels(handle)
    print(
        f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; "
        f"python {platform.python_version()}; {len(truth)} labelled dev pairs; default band "
        f"(confidence <= {Settings().llm_band_max_confidence}, every relation); stand-in on loopback"
    )
    figures, base = _run(path, truth, None)
    print(f"{'engine alone':<20} {figures}; {base:.2f}s (baseline)")
    modes: dict[str, tuple[Answerer, list[str]]] = {
        "agree": (confirm_engine, []),
        "oracle": (oracle(path), []),
        "always-equivalent": (always("equivalent"), []),
        "failing": (confirm_engine, ["500"] * 10_000),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (answer, script) in modes.items():
            standin = ChatStandIn(answer=answer, script=script)
            with serve_in_thread(standin) as url:
                settings = Settings(
                    llm_base_url=url + "/v1",
                    llm_model="standin",
                    llm_api_key=STANDIN_KEY,
                    llm_max_retries=0,
                    state_dir=Path(tmp),
                )
                cache = Path(tmp) / f"{name}.jsonl"
                first = OfflineReview(settings, cache)
                figures, took = _run(path, truth, first)
                again = OfflineReview(settings, cache)
                _, took_again = _run(path, truth, again)
            s, t = first.stats, again.stats
            print(
                f"{name:<20} {figures}; band {s.band}, calls {s.calls} (errors {s.errors}), "
                f"changed {s.changed} {json.dumps(s.relations_changed, sort_keys=True)}; "
                f"{took:.2f}s ({took / base:.1f}x); second pass {t.calls} calls, "
                f"{t.cached} cached, {took_again:.2f}s ({took_again / base:.1f}x)"
            )
