"""Glucocorticoid sparing on hand-made visits."""

import math

import numpy as np
import pandas as pd
import pytest

from myoild.glucocorticoids import GLUCOCORTICOID_COLUMNS, glucocorticoid_doses, glucocorticoid_sparing

NAN = np.nan


@pytest.fixture(scope="module")
def tables():
    rows = [
        # patient, day, visit, dose (mg/day)
        ("T1", 0, "baseline", 50),
        ("T1", 30, "m1", 40),
        ("T1", 90, "m3", 30),
        ("T1", 180, "m6", 20),
        ("T1", 365, "m12", 10),
        ("T2", -3, "baseline", 60),
        ("T2", 30, "m1", 45),
        ("T2", 180, "m6", 15),
        ("T2", 360, "m12", NAN),
        ("T3", 0, "baseline", 40),
        ("T3", 180, "m6", 38),
        ("T3", 200, "unscheduled", 35),
        ("P1", 0, "baseline", NAN),
        ("P1", 365, "m12", 10),
        ("P2", 0, "baseline", 55),
        ("P2", 365, "m12", 7.5),
        ("R1", 0, "baseline", 80),
        ("R1", 365, "m12", 5),
    ]
    visits = pd.DataFrame(rows, columns=["patient_id", "day", "visit", "prednisolone_mg_day"])
    visits["visit_date"] = pd.Timestamp("2019-05-01") + pd.to_timedelta(visits.pop("day"), unit="D")
    analysis_set = pd.DataFrame(
        {
            "patient_id": ["T1", "T2", "T3", "P1", "P2", "R1"],
            "cohort": ["prospective"] * 5 + ["retrospective"],
            "included": [True] * 6,
            "group": ["tacrolimus"] * 3 + ["tacrolimus+pirfenidone"] * 2 + ["tacrolimus"],
        }
    )
    return visits, analysis_set


def test_last_visit_dose(tables):
    doses = glucocorticoid_doses(*tables).set_index("patient_id")
    assert list(doses.index) == ["P1", "P2", "T1", "T2", "T3"]
    # T2's m12 visit has no dose: its last recorded dose is the m6 one; T3's last is unscheduled
    assert doses.loc["T2", ["last_mg_day", "last_visit"]].tolist() == [15.0, "m6"]
    assert doses.loc["T3", ["last_mg_day", "last_visit"]].tolist() == [35.0, "unscheduled"]
    assert math.isnan(doses.loc["P1", "baseline_mg_day"])


def test_sparing_by_hand(tables):
    table = glucocorticoid_sparing(*tables).set_index("group")
    assert tuple(table.reset_index().columns) == GLUCOCORTICOID_COLUMNS
    assert list(table.index) == ["tacrolimus", "tacrolimus+pirfenidone", "all"]
    tacrolimus = table.loc["tacrolimus"]
    # pairs (50, 10), (60, 15), (40, 35): baseline 40, 50, 60 -> median 50, q1 45, q3 55;
    # last 10, 15, 35 -> median 15, q1 12.5, q3 25. All three doses fell: V = 0, exact p = 2/8.
    assert tacrolimus[["n", "baseline_median", "baseline_q1", "baseline_q3"]].tolist() == [3, 50, 45, 55]
    assert tacrolimus[["last_median", "last_q1", "last_q3"]].tolist() == [15, 12.5, 25]
    assert (tacrolimus["p_value"], tacrolimus["method"]) == (0.25, "exact")
    # P1 has no baseline dose: 2 patients, 1 pair; a single pair gives exact p = 1
    combination = table.loc["tacrolimus+pirfenidone"]
    assert combination[["n_patients", "n", "p_value"]].tolist() == [2, 1, 1.0]
    # all: 4 pairs, all falling -> p = 2/16
    assert table.loc["all", ["n_patients", "n", "p_value"]].tolist() == [5, 4, 0.125]
