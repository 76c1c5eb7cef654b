"""The public event-pair format: reading pairs and labels, and the evaluation arithmetic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dashboard_backend.matching.pairs_format import (
    CLASSES,
    PairFormatError,
    format_class,
    read_labels,
    read_pair,
    report,
    score,
)
from dashboard_backend.models import Relation


def side(platform: str, event_id: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"platform": platform, "platform_event_id": event_id, "title": title, **extra}


def line(pair_id: str = "p1", **fields: Any) -> str:
    record = {
        "pair_id": pair_id,
        "side_a": side("kalshi", "kalshi:event:KXNBAGAME-26JAN11PHITOR", "76ers at Raptors"),
        "side_b": side("polymarket", "123", "76ers vs. Raptors"),
    }
    return json.dumps(record | fields)


# --- score / report ------------------------------------------------------------------------


TRUTH = {
    "e1": "equivalent",
    "e2": "equivalent",
    "e3": "equivalent",
    "s1": "subset_a_in_b",
    "s2": "subset_b_in_a",
    "r1": "related_not_equivalent",
    "u1": "unrelated",
    "u2": "unrelated",
}
PREDICTED = {
    "e1": "equivalent",
    "e2": "equivalent",
    "e3": "related_not_equivalent",
    "s1": "subset_b_in_a",  # wrong direction
    "s2": "subset_b_in_a",
    "r1": "equivalent",
    "u1": "unrelated",
    # u2 has no prediction: counted as unrelated
    "x9": "equivalent",  # a prediction for an unlabelled pair is not scored
}


def test_confusion_counts_each_labelled_pair_once_and_missing_predictions_as_unrelated() -> None:
    scores = score(TRUTH, PREDICTED)
    assert set(scores.confusion) == set(CLASSES)
    assert scores.confusion["equivalent"] == {"equivalent": 2, "related_not_equivalent": 1}
    assert scores.confusion["subset_a_in_b"] == {"subset_b_in_a": 1}
    assert scores.confusion["unrelated"] == {"unrelated": 2}
    assert sum(sum(row.values()) for row in scores.confusion.values()) == len(TRUTH)


def test_precision_recall_f1_support_and_accuracy() -> None:
    scores = score(TRUTH, PREDICTED)
    assert scores.support("equivalent") == 3
    assert scores.predicted("equivalent") == 3  # e1, e2, r1 (x9 is unlabelled)
    assert scores.precision("equivalent") == pytest.approx(2 / 3)
    assert scores.recall("equivalent") == pytest.approx(2 / 3)
    assert scores.f1("equivalent") == pytest.approx(2 / 3)
    assert scores.precision("subset_b_in_a") == pytest.approx(1 / 2)
    assert scores.recall("subset_b_in_a") == 1.0
    assert scores.f1("subset_b_in_a") == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    assert scores.precision("unrelated") == 1.0
    assert scores.recall("unrelated") == 1.0
    assert scores.accuracy == pytest.approx(5 / 8)  # e1 e2 s2 u1 u2


def test_empty_classes_score_one_and_a_class_never_right_scores_zero_f1() -> None:
    scores = score(TRUTH, PREDICTED)
    # subset_a_in_b: labelled once, never predicted -> precision 1.0 by convention, recall 0.
    assert scores.predicted("subset_a_in_b") == 0
    assert scores.precision("subset_a_in_b") == 1.0
    assert scores.recall("subset_a_in_b") == 0.0
    assert scores.f1("subset_a_in_b") == 0.0
    # related: labelled once, predicted once, wrong both times.
    assert scores.f1("related_not_equivalent") == 0.0
    nothing = score({}, {})
    assert nothing.accuracy == 0.0
    assert nothing.recall("equivalent") == 1.0


def test_report_prints_every_class_and_the_matrix_rows() -> None:
    text = report(score(TRUTH, PREDICTED))
    lines = text.splitlines()
    row = next(x for x in lines if x.startswith("equivalent "))
    assert row.split() == ["equivalent", "0.667", "0.667", "0.667", "3", "3"]
    row = next(x for x in lines if x.startswith("subset_a_in_b"))
    assert row.split() == ["subset_a_in_b", "1.000", "0.000", "0.000", "1", "0"]
    matrix = lines[lines.index("confusion (rows: label, columns: predicted)") + 1 :]
    assert matrix[0].split() == ["eq", "a<b", "b<a", "rel", "unr"]
    assert matrix[1].split() == ["eq", "2", "0", "0", "1", "0"]
    assert matrix[2].split() == ["a<b", "0", "0", "1", "0", "0"]
    assert matrix[4].split() == ["rel", "1", "0", "0", "0", "0"]
    assert matrix[5].split() == ["unr", "0", "0", "0", "0", "2"]
    assert lines[-1] == "accuracy 0.625"


def test_format_class_folds_inverse_and_exclusive_into_related() -> None:
    assert format_class(Relation.INVERSE) == "related_not_equivalent"
    assert format_class(Relation.MUTUALLY_EXCLUSIVE) == "related_not_equivalent"
    assert format_class(Relation.SUBSET_B_IN_A) == "subset_b_in_a"
    assert {format_class(r) for r in Relation} == set(CLASSES)


# --- reading --------------------------------------------------------------------------------


def test_read_labels_keeps_known_labels_only() -> None:
    lines = [
        line("a", label="equivalent"),
        line("b", label=None),
        line("c", label="same"),
        "not json",
        line("d", label="subset_b_in_a"),
        line("e"),
    ]
    assert read_labels(lines) == {"a": "equivalent", "d": "subset_b_in_a"}


def test_read_pair_builds_events_from_the_side_fields() -> None:
    a = side(
        "kalshi",
        "kalshi:event:KXNBAGAME-26JAN11PHITOR",
        "Philadelphia at Toronto",
        condition_date="2026-01-11T00:00:00.000Z",
        condition_date_precision="day",
        league="NBA",
        child_count=2,
        child_markets=[
            {"platform_id": "KXNBAGAME-26JAN11PHITOR-PHI", "title": "Philadelphia wins?"},
            {"platform_id": "", "title": "no id: skipped"},
            "not a market",
            {"platform_id": "KXNBAGAME-26JAN11PHITOR-TOR"},
        ],
    )
    pair = read_pair(json.dumps({"pair_id": "p", "side_a": a, "side_b": side("predict", "9", "")}))
    event = pair.a
    assert (event.venue, event.id, event.title) == ("kalshi", a["platform_event_id"], a["title"])
    assert event.about == datetime(2026, 1, 11, tzinfo=UTC)
    assert (event.about_precision, event.league, event.market_count) == ("day", "NBA", 2)
    assert [m.id for m in event.markets] == [
        "KXNBAGAME-26JAN11PHITOR-PHI",
        "KXNBAGAME-26JAN11PHITOR-TOR",
    ]
    first, second = (m.text for m in event.markets)
    assert first.question == "Philadelphia wins?"
    assert second.question == "Philadelphia at Toronto"  # no title: the event's
    assert first.event_ticker == "KXNBAGAME-26JAN11PHITOR"
    assert first.market_ticker == "KXNBAGAME-26JAN11PHITOR-PHI"
    assert pair.b.markets == ()
    assert pair.b.market_count == 0
    assert pair.b.about is None


def test_a_bad_date_is_no_date_and_non_kalshi_sides_have_no_tickers() -> None:
    b = side(
        "polymarket",
        "123",
        "Lakers vs. Celtics",
        condition_date="next Tuesday",
        child_markets=[{"platform_id": "0xabc", "title": "Lakers vs. Celtics"}],
    )
    pair = read_pair(line(side_b=b))
    assert pair.b.about is None
    assert pair.b.market_count == 1
    text = pair.b.markets[0].text
    assert (text.event_ticker, text.market_ticker) == ("", "")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "no pair_id"),
        (json.dumps({"pair_id": 7}), "no pair_id"),
        (json.dumps({"pair_id": "p", "side_a": {}, "side_b": "x"}), "must be objects"),
        (json.dumps({"pair_id": "p", "side_a": {"title": "t"}, "side_b": {}}), "platform"),
    ],
)
def test_lines_that_are_not_pairs_say_why(raw: str, reason: str) -> None:
    with pytest.raises(PairFormatError, match=reason):
        read_pair(raw)
