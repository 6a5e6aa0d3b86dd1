"""Glucocorticoid sparing on hand-made visits."""

import math

import numpy as np
import pandas as pd
import pytest

from myoild.glucocorticoids import GLUCOCORTICOID_COLUMNS, glucocorticoid_sparing

NAN = np.nan


@pytest.fixture(scope="module")
def analysis_set():
    # patient: baseline and last-visit doses (mg/day) as myoild.derive records them
    doses = {
        "T1": (50, 10),
        "T2": (60, 15),
        "T3": (40, 35),
        "P1": (NAN, 10),  # no baseline dose
        "P2": (55, 7.5),
        "R1": (80, 5),  # retrospective: not analysed here
    }
    return pd.DataFrame(
        {
            "patient_id": list(doses),
            "cohort": ["prospective"] * 5 + ["retrospective"],
            "included": [True] * 6,
            "group": ["tacrolimus"] * 3 + ["tacrolimus+pirfenidone"] * 2 + ["tacrolimus"],
            "pred_baseline_mg_day": [dose[0] for dose in doses.values()],
            "pred_last_mg_day": [dose[1] for dose in doses.values()],
        }
    )


def test_sparing_by_hand(analysis_set):
    table = glucocorticoid_sparing(analysis_set).set_index("group")
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
