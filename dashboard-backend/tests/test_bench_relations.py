"""The baselines of `bench relations` and its figures, on small hand-made pairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard_backend.bench import __main__ as bench_main
from dashboard_backend.bench import relations
from dashboard_backend.matching import baselines
from dashboard_backend.matching.pairs_format import score


def record(pair_id: str, title_a: str, title_b: str, **fields: Any) -> dict[str, Any]:
    def side(platform: str, title: str) -> dict[str, Any]:
        child = {"platform_id": f"{platform}-{pair_id}", "title": title}
        return {
            "platform": platform,
            "platform_event_id": f"{platform}-{pair_id}",
            "title": title,
            "child_count": 1,
            "child_markets": [child],
        }

    return {
        "pair_id": pair_id,
        "side_a": side("polymarket", title_a),
        "side_b": side("predict", title_b),
    } | fields


# --- fuzzy ----------------------------------------------------------------------------------


def test_fuzzy_calls_reordered_titles_equivalent_and_different_ones_unrelated() -> None:
    assert baselines.fuzzy_score("Napoli vs Bologna", "Bologna vs Napoli") == 100.0
    assert baselines.fuzzy_class("Napoli vs Bologna", "Bologna vs Napoli") == "equivalent"
    assert baselines.fuzzy_class("Will Bitcoin hit 100k?", "Lakers vs Celtics") == "unrelated"


def test_fuzzy_cutoff_is_inclusive() -> None:
    assert baselines.fuzzy_score("abcd", "abce") == 75.0
    assert baselines.fuzzy_class("abcd", "abce", cutoff=75.0) == "equivalent"
    assert baselines.fuzzy_class("abcd", "abce", cutoff=75.01) == "unrelated"


def test_fuzzy_counts_case_and_punctuation_unless_processed() -> None:
    a, b = "Napoli vs. Bologna", "bologna VS napoli"
    assert baselines.fuzzy_score(a, b) < baselines.FUZZY_CUTOFF
    assert baselines.fuzzy_class(a, b) == "unrelated"
    assert baselines.fuzzy_score(a, b, processed=True) == 100.0
    assert baselines.fuzzy_class(a, b, processed=True) == "equivalent"


def test_title_of_a_missing_side_is_empty() -> None:
    assert baselines.title({"pair_id": "p"}, "side_a") == ""
    assert baselines.title({"side_a": {"title": None}}, "side_a") == ""
    assert baselines.title({"side_a": {"title": " X? "}}, "side_a") == "X?"


# --- cosine ---------------------------------------------------------------------------------


def test_event_text_is_the_title_then_distinct_child_titles() -> None:
    rec = {
        "side_a": {
            "title": "Spain vs Cape Verde",
            "child_markets": [
                {"platform_id": "1", "title": "Spain vs Cape Verde"},
                {"platform_id": "2", "title": "Spain wins?"},
                {"platform_id": "3", "title": " Draw? "},
                {"platform_id": "4", "title": "Spain wins?"},
                {"platform_id": "5"},
                "junk",
            ],
        }
    }
    assert baselines.event_text(rec, "side_a") == "Spain vs Cape Verde; Spain wins?; Draw?"
    assert baselines.event_text({"side_b": {"title": None}}, "side_b") == ""
    assert baselines.event_text({"side_b": {"child_markets": [{"title": "Only"}]}}, "side_b") == (
        "Only"
    )


SIMS = {"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.2}
TRUTH = {"a": "equivalent", "b": "unrelated", "c": "equivalent", "d": "related_not_equivalent"}


def test_equivalent_f1_at_each_cut() -> None:
    assert baselines.equivalent_f1(SIMS, TRUTH, 0.9) == pytest.approx(2 / 3)  # P 1, R 1/2
    assert baselines.equivalent_f1(SIMS, TRUTH, 0.8) == pytest.approx(1 / 2)  # P 1/2, R 1/2
    assert baselines.equivalent_f1(SIMS, TRUTH, 0.7) == pytest.approx(4 / 5)  # P 2/3, R 1
    assert baselines.equivalent_f1(SIMS, TRUTH, 0.2) == pytest.approx(2 / 3)  # P 1/2, R 1
    assert baselines.equivalent_f1(SIMS, TRUTH, 0.95) == 0.0


def test_best_threshold_is_the_cut_with_the_best_equivalent_f1() -> None:
    threshold, f1 = baselines.best_threshold(SIMS, TRUTH)
    assert threshold == 0.7
    assert f1 == pytest.approx(4 / 5)
    assert baselines.threshold_class(0.7, threshold) == "equivalent"
    assert baselines.threshold_class(0.6999, threshold) == "unrelated"


def test_best_threshold_prefers_the_higher_cut_on_a_tie() -> None:
    sims = {"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.6}
    truth = {"a": "equivalent", "b": "unrelated", "c": "unrelated", "d": "equivalent"}
    assert baselines.equivalent_f1(sims, truth, 0.9) == pytest.approx(2 / 3)  # P 1, R 1/2
    assert baselines.equivalent_f1(sims, truth, 0.6) == pytest.approx(2 / 3)  # P 1/2, R 1
    threshold, f1 = baselines.best_threshold(sims, truth)
    assert threshold == 0.9
    assert f1 == pytest.approx(2 / 3)


def test_without_any_equivalent_hit_no_threshold_calls_anything() -> None:
    threshold, f1 = baselines.best_threshold({"a": 0.3}, {"a": "unrelated"})
    assert (threshold, f1) == (float("inf"), 0.0)
    assert baselines.threshold_class(1.0, threshold) == "unrelated"


@pytest.mark.slow
def test_cosine_similarities_use_the_local_model_on_both_sides() -> None:
    split = relations.Split(
        "tiny",
        Path("unused"),
        [
            record("same", "Will Spain beat Cape Verde?", "Will Spain beat Cape Verde?"),
            record("near", "Will Spain beat Cape Verde?", "Spain vs Cape Verde: Spain wins"),
            record("far", "Will Spain beat Cape Verde?", "Bitcoin price above $90,000 on May 1"),
        ],
        {},
    )
    sims, seconds = relations.cosine_similarities(split)
    assert seconds > 0
    assert sims["same"] == pytest.approx(1.0, abs=1e-5)
    assert sims["same"] > sims["near"] > sims["far"]
    assert sims["far"] < 0.3


# --- pipeline -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        ("merged", "equivalent"),
        ("matched_not_merged", "related_not_equivalent"),
        ("candidate_rejected", "unrelated"),
        ("candidate_failed", "unrelated"),
        ("never_candidate", "unrelated"),
        ("something new", "unrelated"),
        (None, "unrelated"),
    ],
)
def test_pipeline_verdicts_map_to_classes(verdict: str | None, expected: str) -> None:
    assert baselines.pipeline_class({"context": {"pipeline": {"verdict": verdict}}}) == expected


def test_a_record_without_a_pipeline_verdict_is_unrelated() -> None:
    assert baselines.pipeline_class({}) == "unrelated"
    assert baselines.pipeline_class({"context": "x"}) == "unrelated"
    assert baselines.pipeline_class({"context": {"pipeline": []}}) == "unrelated"


# --- figures --------------------------------------------------------------------------------


def test_subset_figures_count_direction_and_subsets_called_equivalent() -> None:
    truth = {
        "1": "subset_a_in_b",
        "2": "subset_a_in_b",
        "3": "subset_b_in_a",
        "4": "subset_b_in_a",
        "5": "related_not_equivalent",
        "6": "equivalent",
    }
    predicted = {
        "1": "subset_a_in_b",  # right
        "2": "equivalent",  # subset called equivalent
        "3": "subset_a_in_b",  # wrong direction
        "4": "subset_b_in_a",  # right
        "5": "subset_b_in_a",  # a related pair called subset
        "6": "equivalent",
    }
    figures = relations.subset_figures(score(truth, predicted))
    assert figures == relations.SubsetFigures(
        labelled=4,
        called_equivalent=1,
        right_direction=2,
        predicted=4,
        predicted_labelled_subset=3,
    )


def test_the_benchmark_is_listed_and_prints_every_method_on_both_splits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "relations" in bench_main.available()
    pipeline = {"pipeline": {"verdict": "merged"}}
    dev = [
        record(
            "d1", "Napoli vs Bologna", "Bologna vs Napoli", label="equivalent", context=pipeline
        ),
        record("d2", "Will Bitcoin hit 100k?", "Lakers vs Celtics", label="unrelated", context={}),
        record("d3", "Lakers vs Celtics", "Lakers vs Celtics", label="unrelated", context=pipeline),
    ]
    seed = [record("s1", "Napoli vs Bologna", "Napoli v Bologna", label="equivalent")]
    for name, records in (("dev.jsonl", dev), ("seed.jsonl", seed)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in records) + "junk\n")
    relations.main(
        [
            "--dev",
            str(tmp_path / "dev.jsonl"),
            "--seed",
            str(tmp_path / "seed.jsonl"),
            "--skip-cosine",
        ]
    )
    out = capsys.readouterr().out
    assert "load average" in out
    assert "dev dev.jsonl: 3 pairs (1 equivalent, 2 unrelated)" in out
    for split in ("dev", "seed"):
        for method in ("engine", "fuzzy", "fuzzy-lc", "pipeline"):
            assert f"--- {split}: {method} ---" in out
    rows = {
        (line.split()[0], line.split()[1]): line.split()
        for line in out.splitlines()
        if line[:4] in {"dev ", "seed"}
    }
    # fuzzy on dev: d1 and d3 called equivalent, d1 right: P 0.5, R 1.
    assert rows[("dev", "fuzzy")][2:4] == ["0.500", "1.000"]
    # pipeline on dev: merged on d1 and d3 -> the same; on the seed no context -> R 0.
    assert rows[("dev", "pipeline")][2:4] == ["0.500", "1.000"]
    assert rows[("seed", "pipeline")][3] == "0.000"
    assert ("dev", "cosine") not in rows
