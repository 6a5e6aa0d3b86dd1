"""The sensitivity grid (myoild.sensitivity) reproduces R's glm + coxph on the built-in cohort
(tests/reference/sensitivity/reference.json, made by make_reference.R beside it): every cell of
tacrolimus_vs_conventional (no score outside [0.1, 0.9]), the stabilised ATE cells, and every
cell of tacrolimus_vs_azathioprine (trimming drops 34 of 108 patients). A purpose-built cohort
checks the cells that are not estimable, and the forest plot is written."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.figures.sensitivity import plot_sensitivity_grid, sensitivity_figure
from myoild.sensitivity import GRID_COLUMNS, WEIGHTINGS, sensitivity_grid
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder
from myoild.weighting import WeightingOptions

REFERENCE = Path(__file__).parent / "reference"
RTOL = 1e-6
OPTIONS = WeightingOptions(
    covariates=("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
)
MAIN, AZATHIOPRINE = "tacrolimus_vs_conventional", "tacrolimus_vs_azathioprine"
ENDPOINTS = ["death", "relapse"]
KEY = ["contrast", "endpoint", "estimand", "weights", "ties"]


@pytest.fixture(scope="module")
def analysis_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("builtin")
    write_cohort(generate_cohort(), folder)
    return derive_cohort(validate_folder(folder).tables).analysis_set


@pytest.fixture(scope="module")
def grids(analysis_set):
    return {
        (MAIN, False): sensitivity_grid(analysis_set, MAIN, ENDPOINTS, OPTIONS),
        (MAIN, True): sensitivity_grid(analysis_set, MAIN, ENDPOINTS, replace(OPTIONS, stabilized=True)),
        (AZATHIOPRINE, False): sensitivity_grid(analysis_set, AZATHIOPRINE, ENDPOINTS, OPTIONS),
    }


@pytest.fixture(scope="module")
def reference():
    return pd.DataFrame(json.loads((REFERENCE / "sensitivity" / "reference.json").read_text())["grid"])


def test_r_saw_the_pipelines_patients(analysis_set):
    """R's input files hold exactly the contrasts' patients with the pipeline's times and events."""
    for contrast, path in (
        (MAIN, REFERENCE / "builtin_death.csv"),
        (AZATHIOPRINE, REFERENCE / "sensitivity" / "builtin_azathioprine.csv"),
    ):
        r_data = pd.read_csv(path)
        ours = contrast_patients(analysis_set, contrast)
        assert list(r_data["patient_id"]) == list(ours["patient_id"])
        for name in ("treated", "death_time_days", "death_event", "relapse_time_days", "relapse_event", "age_years"):
            np.testing.assert_array_equal(r_data[name].to_numpy(float), ours[name].to_numpy(float), err_msg=name)


def test_grid_has_every_cell_in_a_fixed_order(grids):
    grid = grids[MAIN, False]
    assert list(grid.columns) == GRID_COLUMNS
    expected = [
        (endpoint, estimand, weighting, ties)
        for endpoint in ENDPOINTS
        for estimand in ("ATE", "ATT", "overlap")
        for weighting in ("none", "truncate_1_99", "truncate_5_95", "trim_0.1_0.9")
        for ties in ("efron", "breslow")
    ]
    assert list(grid[["endpoint", "estimand", "weights", "ties"]].itertuples(index=False, name=None)) == expected
    assert WEIGHTINGS == ("none", "truncate_1_99", "truncate_5_95", "trim_0.1_0.9")
    assert set(grid["cohort"]) == {"retrospective"} and set(grid["contrast"]) == {MAIN}
    assert (grid["note"] == "").all()


@pytest.mark.parametrize(("contrast", "stabilized"), [(MAIN, False), (MAIN, True), (AZATHIOPRINE, False)])
def test_every_cell_equals_r(grids, reference, contrast, stabilized):
    r = reference[(reference["contrast"] == contrast) & (reference["stabilized"] == stabilized)]
    grid = grids[contrast, stabilized]
    ours = grid[grid["estimand"] == "ATE"] if stabilized else grid
    merged = ours.merge(r, on=KEY, how="outer", suffixes=("", "_r"), validate="one_to_one", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == (16 if stabilized else 48)
    for column in ("hr", "ci_low", "ci_high", "se_log_hr", "p_value", "ess_treated", "ess_control"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], rtol=RTOL, err_msg=column)
    # Overlap weights balance the model's covariates exactly: an SMD of ~1e-13 is compared absolutely.
    np.testing.assert_allclose(merged["max_abs_smd_after"], merged["max_abs_smd_after_r"], rtol=RTOL, atol=1e-10)
    np.testing.assert_array_equal(merged["n"], merged["n_r"])


def test_trimming_and_truncation_change_the_cells(grids):
    """The reference exercises each rule: trimming drops patients, truncation moves the weights."""
    grid = grids[AZATHIOPRINE, False].set_index(["endpoint", "estimand", "weights", "ties"])
    assert grid.loc[("death", "ATE", "none", "efron"), "n"] == 108
    assert grid.loc[("death", "ATE", "trim_0.1_0.9", "efron"), "n"] == 74
    main = grids[MAIN, False].set_index(["endpoint", "estimand", "weights", "ties"])
    cell = ("death", "ATT", "none", "efron")
    for weighting in ("truncate_1_99", "truncate_5_95"):
        assert main.loc[cell[:2] + (weighting, "efron"), "hr"] != main.loc[cell, "hr"]


def test_stabilisation_is_ignored_for_att_and_overlap(grids):
    plain, stabilized = grids[MAIN, False], grids[MAIN, True]
    others = plain["estimand"] != "ATE"
    pd.testing.assert_frame_equal(plain[others], stabilized[others])


def _small_cohort(separated: bool = False) -> pd.DataFrame:
    """40 patients over x = -3, -1, 1, 3, (treated, control) = (1, 9), (3, 7), (7, 3), (9, 1):
    the scores at x = +-3 lie outside [0.1, 0.9], and only those controls die, so trimming leaves
    the conventional arm without a death. ``separated``: x's sign is the arm."""
    rows = []
    for x, arms in {-3: (1, 9), -1: (3, 7), 1: (7, 3), 3: (9, 1)}.items():
        for treated, count in zip((1, 0), arms):
            for k in range(count):
                died = k % 2 == 0 if treated else abs(x) == 3
                rows.append((treated, x, died))
    frame = pd.DataFrame(rows, columns=["treated", "x", "death_event"])
    index = np.arange(len(frame))
    if separated:
        frame["x"] = np.where(frame["treated"] == 1, 1.0, -1.0) * (1 + index % 3)
    return frame.assign(
        patient_id=[f"S{i:03d}" for i in index],
        cohort="retrospective",
        included=True,
        group=np.where(frame["treated"] == 1, "tacrolimus", "conventional"),
        main_agent="tacrolimus",
        x=frame["x"].astype(float),
        death_time_days=np.where(frame["death_event"], 100 + 5 * index, 365),
        death_event=frame["death_event"].astype(int),
    ).drop(columns="treated")


def test_cell_without_events_in_an_arm_is_not_estimable():
    grid = sensitivity_grid(_small_cohort(), MAIN, ["death"], WeightingOptions(covariates=("x",)))
    trimmed = grid["weights"] == "trim_0.1_0.9"
    assert (grid.loc[trimmed, "note"] == "not estimable: no events in conventional").all()
    assert grid.loc[trimmed, ["hr", "ci_low", "ci_high", "se_log_hr", "p_value"]].isna().all().all()
    assert (grid.loc[trimmed, "n"] == 20).all()
    # The weights themselves are sound: ESS and balance stay.
    assert grid.loc[trimmed, ["ess_treated", "ess_control", "max_abs_smd_after"]].notna().all().all()
    untrimmed = grid[~trimmed]
    assert (untrimmed["note"] == "").all() and untrimmed["hr"].notna().all() and (untrimmed["n"] == 40).all()


def test_separating_propensity_model_and_empty_trim_are_not_estimable():
    grid = sensitivity_grid(_small_cohort(separated=True), MAIN, ["death"], WeightingOptions(covariates=("x",)))
    trimmed = grid["weights"] == "trim_0.1_0.9"
    separated = "not estimable: the propensity model separates the groups (fitted scores numerically 0 or 1)"
    assert (grid.loc[~trimmed, "note"] == separated).all()
    assert (grid.loc[trimmed, "note"] == "not estimable: no patients in this contrast").all()
    assert (grid.loc[trimmed, "n"] == 0).all() and (grid.loc[~trimmed, "n"] == 40).all()
    numbers = ["hr", "ci_low", "ci_high", "se_log_hr", "p_value", "ess_treated", "ess_control", "max_abs_smd_after"]
    assert grid[numbers].isna().all().all()


def test_patients_missing_a_covariate_are_left_out(analysis_set):
    """As contrast_weights does: the grid equals the grid without those patients."""
    dropped = contrast_patients(analysis_set, AZATHIOPRINE)["patient_id"].iloc[[0, 5]]
    missing = analysis_set.copy()
    missing.loc[missing["patient_id"].isin(dropped), "initial_pred_mg_day"] = np.nan
    without = analysis_set[~analysis_set["patient_id"].isin(dropped)]
    pd.testing.assert_frame_equal(
        sensitivity_grid(missing, AZATHIOPRINE, ["death"], OPTIONS),
        sensitivity_grid(without, AZATHIOPRINE, ["death"], OPTIONS),
    )


def test_forest_plot_of_the_grid(grids, tmp_path):
    grid = pd.concat(
        [
            grids[AZATHIOPRINE, False],
            sensitivity_grid(_small_cohort(), MAIN, ["death"], WeightingOptions(covariates=("x",))),
        ]
    )
    fig = sensitivity_figure(grid, ties="breslow")
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        "Tacrolimus vs azathioprine: Death",
        "Tacrolimus vs azathioprine: Relapse",
        "Tacrolimus vs conventional: Death",
    ]
    texts = [text.get_text() for text in fig.axes[2].texts]
    assert texts.count("not estimable") == 6
    bold = [tick.get_text() for ax in fig.axes for tick in ax.get_yticklabels() if tick.get_fontweight() == "bold"]
    assert bold == ["ATE, untruncated, Breslow ties"] * 3
    paths = plot_sensitivity_grid(grids[MAIN, False], tmp_path / "sensitivity")
    assert [path.name for path in paths] == ["sensitivity.png", "sensitivity.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[1].read_bytes()[:5] == b"%PDF-"
