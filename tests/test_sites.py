"""Leave one site out (myoild.sites) reproduces R's glm + coxph(... + strata(site)) on the built-in
cohort with a made-up site (tests/reference/strata/reference.json, made by make_reference.R
beside it: "east" for a patient number that is a multiple of 10, else "north" when odd, else
"south"); purpose-built sites check the rows that are not estimable; the forest plot is written."""

import json
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.figures.sites import plot_leave_one_site_out, sites_figure
from myoild.sites import COLUMNS, leave_one_site_out
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder
from myoild.weighting import WeightingOptions

REFERENCE = Path(__file__).parent / "reference"
STRATA = json.loads((REFERENCE / "strata" / "reference.json").read_text())
RTOL = 1e-6  # glm's convergence tolerance (as tests/test_sensitivity.py)
PAPER = WeightingOptions(covariates=("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig"))
OPTIONS = {"paper": PAPER, "paper+site": replace(PAPER, covariates=(*PAPER.covariates, "site"))}
MAIN = "tacrolimus_vs_conventional"
ENDPOINTS = ["death", "relapse"]


@pytest.fixture(scope="module")
def analysis_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("builtin")
    write_cohort(generate_cohort(), folder)
    analysis_set = derive_cohort(validate_folder(folder).tables).analysis_set
    number = analysis_set["patient_id"].str.replace(r"\D", "", regex=True).astype(int)
    site = np.where(number % 10 == 0, "east", np.where(number % 2 == 1, "north", "south"))
    return analysis_set.assign(site=site)


def test_r_saw_these_patients_and_sites(analysis_set):
    ours = contrast_patients(analysis_set, MAIN)
    r_data = pd.read_csv(REFERENCE / "builtin_death.csv")
    assert list(ours["patient_id"]) == list(r_data["patient_id"])
    assert list(ours["site"]) == STRATA["builtin"]["site"]


@pytest.mark.parametrize(("covariates", "strata"), [("paper", "site"), ("paper+site", "site"), ("paper", "none")])
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_leave_one_site_out_matches_r(analysis_set, covariates, strata, ties):
    table = leave_one_site_out(
        analysis_set, MAIN, ENDPOINTS, OPTIONS[covariates], [] if strata == "none" else ["site"], ties
    )
    reference = pd.DataFrame(STRATA["leave_one_site_out"])
    expected = reference[
        (reference["covariates"] == covariates) & (reference["strata"] == strata) & (reference["ties"] == ties)
    ].reset_index(drop=True)
    assert list(table.columns) == COLUMNS
    assert list(zip(table["endpoint"], table["site_left_out"])) == [
        (endpoint, site) for endpoint in ENDPOINTS for site in ("east", "north", "south")
    ]
    assert list(zip(table["endpoint"], table["site_left_out"])) == list(
        zip(expected["endpoint"], expected["site_left_out"])
    )
    assert (table["contrast"] == MAIN).all() and (table["note"] == "").all()
    assert table["n"].tolist() == expected["n"].tolist()
    for name in ("hr", "ci_low", "ci_high"):
        np.testing.assert_allclose(table[name], expected[name], rtol=RTOL, err_msg=name)


def test_a_site_with_every_event_or_patient_of_an_arm_is_not_estimable(analysis_set):
    """ "west" holds the tacrolimus patients who die, "solo" (another contrast) every tacrolimus
    patient: leaving either out leaves the arm without deaths or without patients."""
    patients = analysis_set.copy()
    dying = (patients["group"] == "tacrolimus") & (patients["death_event"] == 1)
    patients.loc[dying, "site"] = "west"
    table = leave_one_site_out(patients, MAIN, ENDPOINTS, PAPER, ["site"], "efron").set_index(
        ["endpoint", "site_left_out"]
    )
    west = table.loc[("death", "west")]
    assert west["note"] == "not estimable: no events in tacrolimus"
    assert west[["hr", "ci_low", "ci_high"]].isna().all()
    assert west["n"] == len(contrast_patients(patients[patients["site"] != "west"], MAIN))
    assert table.loc[("relapse", "west"), "note"] == ""  # its patients' relapses are not all there

    patients.loc[patients["group"] == "tacrolimus", "site"] = "solo"
    solo = leave_one_site_out(patients, MAIN, ["death"], PAPER, ["site"], "efron").set_index("site_left_out")
    assert solo.loc["solo", "note"] == "not estimable: no patients in tacrolimus"
    assert (
        np.isnan(solo.loc["solo", "hr"])
        and solo.loc["solo", "n"] == (contrast_patients(patients, MAIN)["treated"] == 0).sum()
    )


def test_an_analysis_set_without_sites_is_refused(analysis_set):
    with pytest.raises(KeyError, match="'site'"):
        leave_one_site_out(analysis_set.drop(columns="site"), MAIN, ENDPOINTS, PAPER, ["site"], "efron")


def test_forest_plot_of_the_rows_is_written(analysis_set, tmp_path):
    table = leave_one_site_out(analysis_set, MAIN, ENDPOINTS, PAPER, ["site"], "efron")
    table.loc[0, ["hr", "ci_low", "ci_high"]] = np.nan
    table.loc[0, "note"] = "not estimable: no events in tacrolimus"
    overall = pd.DataFrame(
        {"contrast": MAIN, "endpoint": ENDPOINTS, "hr": [0.32, np.nan], "ci_low": [0.15, np.nan],
         "ci_high": [0.7, np.nan], "note": ["", "not estimable: no events"]}
    )  # fmt: skip
    for given, labels in ((None, ["without east", "without north", "without south"]), (overall, None)):
        fig = sites_figure(table, given)
        panels = [[tick.get_text() for tick in ax.get_yticklabels()] for ax in fig.axes]
        assert panels == [labels or ["All sites", "without east", "without north", "without south"]] * 2
        plt.close(fig)
    paths = plot_leave_one_site_out(table, tmp_path / "leave_one_site_out", overall)
    assert [path.name for path in paths] == ["leave_one_site_out.png", "leave_one_site_out.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[1].read_bytes()[:5] == b"%PDF-"
    again = plot_leave_one_site_out(table, tmp_path / "again", overall)
    assert [path.read_bytes() for path in again] == [path.read_bytes() for path in paths]  # deterministic
