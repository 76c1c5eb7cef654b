"""`relate` never reads the annotation fields: removing or scrambling them changes no prediction.

A held-out file comes without `label`, `failure_modes`, `notes`, `annotator*` and `context`; the
engine must give the same answers on it as on the labelled dev file, line for line (relation,
confidence, outcome map and reasons).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dashboard_backend.relate import main

ANNOTATION_FIELDS = ("label", "failure_modes", "notes", "context")
CLASSES = ("equivalent", "subset_a_in_b", "subset_b_in_a", "related_not_equivalent", "unrelated")


def _forbidden(key: str) -> bool:
    return key in ANNOTATION_FIELDS or key.startswith("annotator")


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _relate(pairs: Path, out: Path) -> list[dict[str, Any]]:
    assert main([str(pairs), "--out", str(out)]) == 0
    return _records(out)


def stripped(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records without any annotation field."""
    return [{k: v for k, v in r.items() if not _forbidden(k)} for r in records]


def scrambled(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with every annotation field taken from another pair or made up.

    Labels, notes and contexts move one pair along (so each pair carries a wrong label, a wrong
    note and another pair's pipeline verdict, cosine and anchors); every pipeline verdict then
    says `merged`; failure modes list all modes; annotators are set.
    """
    n = len(records)
    out: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        other = records[(i + 1) % n]
        context = json.loads(json.dumps(other["context"]))
        context["pipeline"]["verdict"] = "merged"
        context["pipeline"]["llm_reasoning"] = "Both sides are the same bet."
        changed = dict(record)
        changed["label"] = CLASSES[(CLASSES.index(record["label"]) + 1) % len(CLASSES)]
        changed["notes"] = other["notes"]
        changed["failure_modes"] = ["scope_mismatch", "period_mismatch", "oracle_mismatch"]
        changed["annotator"] = "someone"
        changed["annotator2"] = "someone else"
        changed["annotator2_label"] = other["label"]
        changed["context"] = context
        out.append(changed)
    return out


@pytest.fixture(scope="module")
def dev_predictions(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The dev file's records and the engine's predictions on it as given."""
    dev = shared_data / "xplat_equivalence_eval" / "v1.labelled.dev.jsonl"
    out = tmp_path_factory.mktemp("relate") / "dev.pred.jsonl"
    return _records(dev), _relate(dev, out)


def test_predictions_are_identical_without_the_annotation_fields(
    dev_predictions: tuple[list[dict[str, Any]], list[dict[str, Any]]], tmp_path: Path
) -> None:
    records, expected = dev_predictions
    bare = stripped(records)
    assert not any(_forbidden(k) for r in bare for k in r)
    assert all("side_a" in r and "side_b" in r for r in bare)
    got = _relate(_write(tmp_path / "bare.jsonl", bare), tmp_path / "bare.pred.jsonl")
    assert len(got) == len(records) == 229
    assert got == expected


def test_predictions_are_identical_with_the_annotation_fields_scrambled(
    dev_predictions: tuple[list[dict[str, Any]], list[dict[str, Any]]], tmp_path: Path
) -> None:
    records, expected = dev_predictions
    mixed = scrambled(records)
    assert all(m["label"] != r["label"] for m, r in zip(mixed, records, strict=True))
    assert sum(m["context"] != r["context"] for m, r in zip(mixed, records, strict=True)) == 229
    got = _relate(_write(tmp_path / "mixed.jsonl", mixed), tmp_path / "mixed.pred.jsonl")
    assert got == expected
    # The engine does tell the classes apart on this file, so identical output says something.
    assert len({p["relation"] for p in expected}) == len(CLASSES)
