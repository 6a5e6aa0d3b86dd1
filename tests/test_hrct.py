"""HRCT scores, changes and reader agreement on hand-made reads."""

import math

import numpy as np
import pandas as pd
import pytest

from myoild.contract import HRCT_FEATURES, LOBES
from myoild.figures.hrct import hrct_change_figure
from myoild.hrct import (
    EXCLUSION_REASONS,
    HRCT_DELTA_COLUMNS,
    HRCT_SCORE_COLUMNS,
    hrct_deltas,
    hrct_scores,
    reader_agreement,
)
from myoild.stats.agreement import icc_absolute_agreement, weighted_kappa

#: grade per feature in every lobe: sums 10, 5, 0, 0 -> total 15
BASE_GRADES = {"ground_glass": 2, "consolidation": 1, "reticulation": 0, "traction_bronchiectasis": 0}


def _read(patient, timepoint, reader, grades=BASE_GRADES, changes=None, drop=()):
    """One reader's 20-cell grid; ``changes`` maps (lobe, feature) -> grade, ``drop`` removes cells."""
    changes = changes or {}
    rows = [
        (patient, timepoint, reader, lobe, feature, changes.get((lobe, feature), grades[feature]))
        for lobe in LOBES
        for feature in HRCT_FEATURES
        if (lobe, feature) not in drop
    ]
    return rows


def _reads(*grids):
    rows = [row for grid in grids for row in grid]
    reads = pd.DataFrame(rows, columns=["patient_id", "timepoint", "reader", "lobe", "feature", "grade"])
    reads["exam_date"] = pd.Timestamp("2019-03-01")
    reads["grade"] = reads["grade"].astype("Int64")
    return reads.sort_values(["patient_id", "timepoint", "reader", "lobe", "feature"], kind="mergesort")


@pytest.fixture(scope="module")
def scores():
    return hrct_scores(
        _reads(
            # A: reader "R2" listed first; "R1" grades RLL ground glass 4 instead of 2 (two grades apart)
            _read("A", "baseline", "R2"),
            _read("A", "baseline", "R1", changes={("RLL", "ground_glass"): 4}),
            # B: reader R2 misses two cells
            _read("B", "baseline", "R1"),
            _read("B", "baseline", "R2", drop={("RUL", "reticulation"), ("LLL", "consolidation")}),
            # C: three readers; D: one reader
            _read("C", "m12", "R1"),
            _read("C", "m12", "R2"),
            _read("C", "m12", "R3"),
            _read("D", "m12", "R1"),
        )
    ).set_index(["patient_id", "timepoint", "feature"])


def test_score_columns_and_rows(scores):
    assert tuple(scores.reset_index().columns[:6]) == HRCT_SCORE_COLUMNS
    assert list(scores.loc[("A", "baseline")].index) == [*HRCT_FEATURES, "total"]
    assert len(scores) == 4 * 5


def test_readers_disagreeing_by_two_grades(scores):
    exam = scores.loc[("A", "baseline")]
    # R1 (sorted first) ground glass 4 + 2 * 4 = 12, R2 10 -> mean 11; totals 17 and 15 -> 16
    assert exam.loc["ground_glass", ["reader_1", "reader_2", "score"]].tolist() == [12.0, 10.0, 11.0]
    assert exam.loc["total", ["reader_1", "reader_2", "score"]].tolist() == [17.0, 15.0, 16.0]
    assert exam["reader_1_code"].iloc[0] == "R1" and bool(exam["complete"].iloc[0])


def test_incomplete_exam_scores_are_empty_not_zero(scores):
    exam = scores.loc[("B", "baseline")]
    assert exam["score"].isna().all()
    assert not exam["complete"].any()
    assert exam["cells_missing"].iloc[0] == 2
    # the complete reader keeps their score; the incomplete one has none
    assert exam.loc["total", "reader_1"] == 15.0 and math.isnan(exam.loc["total", "reader_2"])


@pytest.mark.parametrize("patient, n_readers", [("C", 3), ("D", 1)])
def test_exam_without_exactly_two_readers_is_empty(scores, patient, n_readers):
    exam = scores.loc[(patient, "m12")]
    assert exam["score"].isna().all() and (exam["n_readers"] == n_readers).all()


def _score_rows(patient, timepoint, total):
    """Contract columns for one exam: ground glass carries the whole total, other features 0."""
    features = {"ground_glass": total, "consolidation": 0.0, "reticulation": 0.0, "traction_bronchiectasis": 0.0}
    features["total"] = total
    return [(patient, timepoint, feature, value) for feature, value in features.items()]


@pytest.fixture(scope="module")
def deltas():
    rows = []
    for patient, baseline, m12 in [
        ("T1", 20, 23),
        ("T2", 22, 24),
        ("T3", 18, 19),
        ("P1", 16, 10),
        ("P2", 18, 13),
        ("P3", 20, 16),
        ("R9", 30, 10),
    ]:
        rows += _score_rows(patient, "baseline", baseline) + _score_rows(patient, "m12", m12)
    rows += _score_rows("D1", "baseline", 25)  # died, no 12-month exam
    rows += _score_rows("W1", "baseline", 25)  # alive, no 12-month exam
    rows += _score_rows("I1", "baseline", 25) + _score_rows("I1", "m12", np.nan)  # incomplete 12-month exam
    rows += _score_rows("B1", "m12", 25)  # no baseline exam
    scores = pd.DataFrame(rows, columns=["patient_id", "timepoint", "feature", "score"])
    ids = ["T1", "T2", "T3", "P1", "P2", "P3", "D1", "W1", "I1", "B1", "R9"]
    groups = ["tacrolimus"] * 3 + ["tacrolimus+pirfenidone"] * 3 + ["tacrolimus", "tacrolimus"]
    groups += ["tacrolimus+pirfenidone", "tacrolimus+pirfenidone", "tacrolimus"]
    analysis_set = pd.DataFrame(
        {
            "patient_id": ids,
            "cohort": ["prospective"] * 10 + ["retrospective"],
            "included": [True] * 11,
            "group": groups,
            "death_event": [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        }
    )
    table, exclusions = hrct_deltas(scores, analysis_set)
    return table.set_index(["group", "feature"]), exclusions


def test_delta_table_by_hand(deltas):
    table, _ = deltas
    assert tuple(table.reset_index().columns[: len(HRCT_DELTA_COLUMNS)]) == HRCT_DELTA_COLUMNS
    assert table.index.get_level_values("feature")[0] == "total"
    row = table.loc[("tacrolimus", "total")]
    # baseline 20, 22, 18: mean 20, SD 2; 12 months 23, 24, 19: mean 22, SD sqrt((1 + 4 + 9) / 2)
    assert (row["n"], row["baseline_mean"], row["baseline_sd"], row["m12_mean"]) == (3, 20.0, 2.0, 22.0)
    assert row["m12_sd"] == pytest.approx(math.sqrt(7), rel=1e-14)
    # changes +3, +2, +1: V = 6 is the largest of 8 sign patterns, exact p = 2/8
    assert (row["delta_mean"], row["p_within"], row["p_within_method"]) == (2.0, 0.25, "exact")
    # changes -6, -5, -4 vs +3, +2, +1 separate completely: exact p = 2 / C(6, 3) = 0.1
    assert row["p_between"] == pytest.approx(0.1, rel=1e-14)
    assert table.loc[("tacrolimus+pirfenidone", "total"), "p_between"] == row["p_between"]
    assert table.loc[("all", "total"), "n"] == 6 and math.isnan(table.loc[("all", "total"), "p_between"])
    # no change at all in consolidation: no test possible, reported as empty, not as p = 1
    consolidation = table.loc[("tacrolimus", "consolidation")]
    assert math.isnan(consolidation["p_within"]) and consolidation["p_within_method"] is None


def test_exclusions_counted(deltas):
    _, exclusions = deltas
    counts = exclusions.set_index(["group", "reason"])["n"]
    assert len(exclusions) == 2 * len(EXCLUSION_REASONS)
    assert counts[("tacrolimus", "died_without_m12_exam")] == 1
    assert counts[("tacrolimus", "no_m12_exam")] == 1
    assert counts[("tacrolimus+pirfenidone", "incomplete_m12_exam")] == 1
    assert counts[("tacrolimus+pirfenidone", "no_baseline_exam")] == 1
    assert counts.sum() == 4
    assert exclusions.set_index(["group", "reason"]).loc[("tacrolimus", "no_m12_exam"), "patient_ids"] == "W1"


def test_reader_agreement():
    reads = _reads(
        _read("A", "baseline", "R1"),
        _read("A", "baseline", "R2", changes={("RLL", "ground_glass"): 4}),
        _read(
            "A",
            "m12",
            "R1",
            grades={"ground_glass": 1, "consolidation": 0, "reticulation": 1, "traction_bronchiectasis": 0},
        ),
        _read(
            "A",
            "m12",
            "R2",
            grades={"ground_glass": 1, "consolidation": 0, "reticulation": 1, "traction_bronchiectasis": 0},
            changes={("LUL", "reticulation"): 2},
        ),
        _read(
            "B",
            "baseline",
            "R1",
            grades={"ground_glass": 3, "consolidation": 2, "reticulation": 2, "traction_bronchiectasis": 1},
        ),
        _read(
            "B",
            "baseline",
            "R2",
            grades={"ground_glass": 3, "consolidation": 2, "reticulation": 2, "traction_bronchiectasis": 1},
        ),
        # incomplete: left out of the agreement
        _read(
            "C",
            "baseline",
            "R1",
            grades={"ground_glass": 4, "consolidation": 4, "reticulation": 4, "traction_bronchiectasis": 4},
        ),
        _read("C", "baseline", "R2", drop={("RUL", "ground_glass")}),
    )
    agreement = reader_agreement(reads, hrct_scores(reads)).set_index(["statistic", "feature", "timepoint"])
    total = agreement.loc[("icc_a1", "total", "all")]
    # reader totals: A baseline 15 vs 17, A m12 10 vs 11, B baseline 40 vs 40
    expected = icc_absolute_agreement([[15, 17], [10, 11], [40, 40]])
    assert (total["n_exams"], total["estimate"]) == (3, pytest.approx(expected.icc, rel=1e-14))
    # ground-glass lobe grades: A baseline 2 x5 vs 2,2,4,2,2; A m12 1 x5 both; B 3 x5 both
    a = [2] * 5 + [1] * 5 + [3] * 5
    b = [2, 2, 4, 2, 2] + [1] * 5 + [3] * 5
    kappa = agreement.loc[("kappa_linear", "ground_glass", "all")]
    assert kappa["n_ratings"] == 15
    assert kappa["estimate"] == pytest.approx(weighted_kappa(a, b, range(5), "linear"), rel=1e-14)
    assert agreement.loc[("kappa_quadratic", "traction_bronchiectasis", "all"), "estimate"] == 1.0
    assert agreement.loc[("kappa_linear", "all", "baseline"), "n_ratings"] == 40


def test_change_figure(deltas, tmp_path):
    table, _ = deltas
    paths = hrct_change_figure(table.reset_index(), tmp_path / "hrct_change")
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in paths)
