"""Glucocorticoid sparing on hand-made analysis sets: the dose on the index date against the last dose."""

import numpy as np
import pandas as pd
import pytest

from myoild.glucocorticoids import GLUCOCORTICOID_COLUMNS, glucocorticoid_sparing
from myoild.report.scales import glucocorticoid_table

NAN = np.nan


@pytest.fixture(scope="module")
def analysis_set():
    # patient: (dose on the index date, baseline visit's dose, last dose in the window), mg/day
    doses = {
        "T1": (50, 0, 10),  # the baseline visit preceded the start of treatment: 0 mg there
        "T2": (60, 0, 15),
        "T3": (40, 40, 35),
        "P1": (NAN, 30, 10),  # dose on the index date unknown (e.g. an episode without a dose)
        "P2": (55, 0, 7.5),
        "R1": (80, 80, 5),  # retrospective: not analysed here
    }
    return pd.DataFrame(
        {
            "patient_id": list(doses),
            "cohort": ["prospective"] * 5 + ["retrospective"],
            "included": [True] * 6,
            "group": ["tacrolimus"] * 3 + ["tacrolimus+pirfenidone"] * 2 + ["tacrolimus"],
            "initial_pred_mg_day": [dose[0] for dose in doses.values()],
            "pred_baseline_mg_day": [dose[1] for dose in doses.values()],
            "pred_last_mg_day": [dose[2] for dose in doses.values()],
        }
    )


def test_start_dose_is_the_index_date_dose_not_the_baseline_visit(analysis_set):
    table = glucocorticoid_sparing(analysis_set).set_index("group")
    assert tuple(table.reset_index().columns) == GLUCOCORTICOID_COLUMNS
    assert list(table.index) == ["tacrolimus", "tacrolimus+pirfenidone", "all"]
    tacrolimus = table.loc["tacrolimus"]
    # pairs (50, 10), (60, 15), (40, 35): start 40, 50, 60 -> median 50, q1 45, q3 55 (the baseline
    # visits' 0, 0, 40 would give a median of 0); last 10, 15, 35 -> median 15, q1 12.5, q3 25.
    # All three doses fell: V = 0, exact p = 2/8.
    assert tacrolimus[["n", "start_median", "start_q1", "start_q3"]].tolist() == [3, 50, 45, 55]
    assert tacrolimus[["last_median", "last_q1", "last_q3"]].tolist() == [15, 12.5, 25]
    assert (tacrolimus["p_value"], tacrolimus["method"]) == (0.25, "exact")
    # P1 has no dose on the index date (its baseline visit's 30 mg is not used): 2 patients, 1 pair;
    # a single pair gives exact p = 1
    combination = table.loc["tacrolimus+pirfenidone"]
    assert combination[["n_patients", "n", "p_value"]].tolist() == [2, 1, 1.0]
    assert combination["start_median"] == 55
    # all: 4 pairs, all falling -> p = 2/16
    assert table.loc["all", ["n_patients", "n", "p_value"]].tolist() == [5, 4, 0.125]


def test_report_table_says_what_the_start_dose_is(analysis_set):
    html = glucocorticoid_table(glucocorticoid_sparing(analysis_set))
    assert "Start (index date), median (IQR)" in html and "50.0 (45.0–55.0)" in html
    assert "on the index date" in html and "Baseline" not in html
