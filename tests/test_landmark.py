"""The landmark IPTW Cox model (myoild.landmark) reproduces R's glm + coxph on the built-in cohort
(tests/reference/sensitivity/reference.json: landmarks at day 30 and 90, both endpoints, Efron
and Breslow ties), and says why when it is not estimable."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myoild.derive import derive_cohort
from myoild.landmark import landmark_model_row
from myoild.survival import MODEL_COLUMNS
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder
from myoild.weighting import WeightingOptions

REFERENCE = Path(__file__).parent / "reference" / "sensitivity" / "reference.json"
RTOL = 1e-6
CONTRAST = "tacrolimus_vs_conventional"
OPTIONS = WeightingOptions(
    covariates=("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
)
R_ROWS = json.loads(REFERENCE.read_text())["landmark"]


@pytest.fixture(scope="module")
def analysis_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("builtin")
    write_cohort(generate_cohort(), folder)
    return derive_cohort(validate_folder(folder).tables).analysis_set


@pytest.mark.parametrize("r", R_ROWS, ids=lambda r: f"{r['endpoint']}-{r['landmark_days']}-{r['ties']}")
def test_landmark_model_equals_r(analysis_set, r):
    row = landmark_model_row(
        analysis_set, CONTRAST, r["endpoint"], OPTIONS, landmark_days=r["landmark_days"], ties=r["ties"]
    )
    assert list(row) == MODEL_COLUMNS
    assert (row["model"], row["ci_method"], row["ties"], row["cohort"]) == (
        "cox_iptw_landmark",
        "robust",
        r["ties"],
        "retrospective",
    )
    for key in ("hr", "ci_low", "ci_high", "se_log_hr", "p_value", "logrank_p"):
        assert row[key] == pytest.approx(r[key], rel=RTOL), key
    assert (row["n"], row["events"]) == (r["n"], r["events"])
    days = r["landmark_days"]
    assert (
        row["note"]
        == f"landmark at day {days}: {r['left_out']} patients with an event or censoring by day {days} left out"
    )


def _cohort(x, treated, time, event) -> pd.DataFrame:
    treated = np.asarray(treated)
    return pd.DataFrame(
        {
            "patient_id": [f"S{i:03d}" for i in range(len(treated))],
            "cohort": "retrospective",
            "included": True,
            "group": np.where(treated == 1, "tacrolimus", "conventional"),
            "main_agent": "tacrolimus",
            "x": np.asarray(x, dtype=float),
            "death_time_days": time,
            "death_event": event,
        }
    )


def test_no_events_in_an_arm_after_the_landmark():
    """Every conventional death falls before day 30."""
    n = 40
    treated = np.arange(n) % 2
    died = np.arange(n) % 4 < 2
    time = np.where(died, np.where(treated == 1, 100 + np.arange(n), 10 + np.arange(n) // 4), 365)
    row = landmark_model_row(
        _cohort(np.arange(n) % 5, treated, time, died.astype(int)),
        CONTRAST,
        "death",
        WeightingOptions(covariates=("x",)),
    )
    assert row["note"] == (
        "landmark at day 30: 10 patients with an event or censoring by day 30 left out; "
        "not estimable: no events in conventional"
    )
    assert all(np.isnan(row[key]) for key in ("hr", "ci_low", "ci_high", "se_log_hr", "p_value", "e_value"))
    assert 0 <= row["logrank_p"] <= 1  # the robust score test needs no finite estimate (myoild.cox_rows)
    assert (row["n"], row["events"]) == (30, 10)


def test_separation_after_the_landmark_and_missing_covariates():
    """The patients who bridge the arms' x ranges leave by day 30: x then separates the arms;
    one patient without x is left out and counted."""
    x = [-2, -1, -1, 1, 1, 2, -2, -1, 1, 2, 0, 0, np.nan]
    treated = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    time = [200, 150, 300, 20, 25, 12, 5, 28, 250, 120, 365, 300, 200]
    event = [1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1]
    row = landmark_model_row(_cohort(x, treated, time, event), CONTRAST, "death", WeightingOptions(covariates=("x",)))
    assert row["note"] == (
        "landmark at day 30: 5 patients with an event or censoring by day 30 left out; "
        "1 patient at risk missing a covariate left out; "
        "not estimable: the propensity model separates the groups (fitted scores numerically 0 or 1)"
    )
    assert all(
        np.isnan(row[key]) for key in ("hr", "ci_low", "ci_high", "se_log_hr", "p_value", "logrank_p", "e_value")
    )
    assert (row["n"], row["events"], row["ci_method"]) == (7, 4, "robust")
    assert "separation" in row["warnings"]
