"""Fragile results never look ordinary (issue 11, section 1): a hazard ratio without a finite
estimate is left empty with the reason, an arm without events still has a Kaplan-Meier curve, and a
contrast whose weights fail a diagnostic carries the failures on every model row."""

import numpy as np
import pandas as pd
import pytest

from myoild.cox_rows import cox_fields
from myoild.survival import contrast_survival, survival_tables
from myoild.weighting import WeightingOptions, contrast_weights, weigh_contrasts
from test_contrasts_weighting import COVARIATES, analysis_set

OPTIONS = WeightingOptions(covariates=COVARIATES)
PROSPECTIVE = "tacrolimus+pirfenidone_vs_tacrolimus"
MAIN = "tacrolimus_vs_conventional"
EMPTY = ["hr", "ci_low", "ci_high", "se_log_hr", "p_value"]


def without_events(data: pd.DataFrame, cohort: str, group: str, endpoint: str = "death") -> pd.DataFrame:
    data = data.copy()
    arm = (data["cohort"] == cohort) & (data["group"] == group)
    data.loc[arm, f"{endpoint}_event"] = 0
    return data


def test_no_events_in_an_arm_leaves_the_hazard_ratio_empty_and_keeps_the_log_rank():
    data = without_events(analysis_set(), "prospective", "tacrolimus+pirfenidone")
    models = contrast_survival(data, PROSPECTIVE, ["death", "relapse"], None).models
    models = models[models["model"] == "cox_unadjusted"].set_index("endpoint")
    death = models.loc["death"]
    assert death[EMPTY].isna().all()
    assert death["note"] == "not estimable: no events in tacrolimus+pirfenidone"
    assert 0 < death["logrank_p"] < 1  # the log-rank test is defined without a finite HR
    assert death["events"] > 0
    relapse = models.loc["relapse"]
    assert relapse["note"] == "" and np.isfinite(relapse[EMPTY].astype(float)).all()


def test_weighted_fit_without_events_in_an_arm_does_not_show_a_tiny_robust_se():
    data = without_events(analysis_set(), "retrospective", "tacrolimus")
    weights = contrast_weights(data, MAIN, OPTIONS).weights
    models = contrast_survival(data, MAIN, ["death"], weights).models.set_index("model")
    for model in ("cox_iptw", "cox_unadjusted"):
        assert models.loc[model, EMPTY].isna().all(), model
        assert models.loc[model, "note"] == "not estimable: no events in tacrolimus"
        assert 0 <= models.loc[model, "logrank_p"] <= 1


def test_arm_without_events_has_a_curve_from_day_zero():
    data = without_events(analysis_set(), "prospective", "tacrolimus+pirfenidone")
    km = contrast_survival(data, PROSPECTIVE, ["death"], None).km
    arms = km.groupby("group")
    assert set(arms.groups) == {"tacrolimus", "tacrolimus+pirfenidone"}
    curve = arms.get_group("tacrolimus+pirfenidone")
    assert (curve["survival"] == 1).all() and (curve["n_event"] == 0).all()  # flat: censoring rows only
    start = curve.iloc[0]
    assert (start["time_days"], start["survival"], start["n_event"]) == (0, 1, 0)
    in_arm = (data["cohort"] == "prospective") & (data["group"] == "tacrolimus+pirfenidone")
    assert start["n_risk"] == in_arm.sum()
    other = arms.get_group("tacrolimus")
    assert other.iloc[0]["time_days"] == 0 and other.iloc[0]["survival"] == 1
    assert (other["time_days"].diff().dropna() >= 0).all() and other["survival"].iloc[-1] < 1


def test_no_events_at_all_and_no_patients_in_an_arm():
    data = analysis_set()
    data.loc[data["cohort"] == "prospective", "death_event"] = 0
    row = contrast_survival(data, PROSPECTIVE, ["death"], None).models.iloc[0]
    assert row["note"] == "not estimable: no events" and np.isnan(row["logrank_p"])
    assert row[EMPTY].isna().all() and row["events"] == 0
    data = analysis_set()
    data = data[~((data["cohort"] == "retrospective") & (data["main_agent"] == "azathioprine"))]
    weights, _, diagnostics = weigh_contrasts(data, ["tacrolimus_vs_azathioprine", MAIN], OPTIONS)
    diagnostics = diagnostics.set_index("contrast")
    assert diagnostics.at["tacrolimus_vs_azathioprine", "not_estimable"] == "not estimable: no patients in azathioprine"
    assert weights["tacrolimus_vs_azathioprine"].empty
    results = survival_tables(data, {"retrospective": ["death"], "prospective": ["death"]}, weights, diagnostics=diagnostics.reset_index())
    rows = results.models[results.models["contrast"] == "tacrolimus_vs_azathioprine"]
    assert len(rows) == 2 and (rows["note"] == "not estimable: no patients in azathioprine").all()
    assert rows[EMPTY].isna().all().all()
    assert results.km[results.km["contrast"] == "tacrolimus_vs_azathioprine"].empty


def test_tied_deaths_with_no_one_left_make_the_log_rank_not_estimable():
    """Every patient dies on one day: the log-rank variance is zero (R's survdiff stops with a
    singular system); the row says so instead of crashing."""
    data = pd.DataFrame(
        {"treated": [1, 1, 0, 0], "arm": ["a", "a", "b", "b"], "time": [5.0] * 4, "event": [1] * 4}
    )
    fields = cox_fields(data, "time", "event", ("a", "b"), None, "efron")
    assert fields["note"].startswith("not estimable: the log-rank variance is singular")
    assert np.isnan(fields["hr"]) and np.isnan(fields["logrank_p"])


def test_separated_propensity_model_fails_the_diagnostics_on_every_row():
    data = analysis_set(n_per_group=25, seed=3)
    # Tacrolimus patients are all old, azathioprine patients all young: the model separates.
    retro = data["cohort"] == "retrospective"
    data.loc[retro & (data["group"] == "tacrolimus"), "age_years"] = np.linspace(70, 80, 25)
    data.loc[retro & (data["main_agent"] == "azathioprine"), "age_years"] = np.linspace(30, 40, 25)
    options = WeightingOptions(covariates=COVARIATES, max_smd_after=0.1)
    weights, _, diagnostics = weigh_contrasts(data, ["tacrolimus_vs_azathioprine"], options)
    failed = diagnostics.iloc[0]["failed_diagnostics"]
    assert "separation" in failed and "propensity score(s) outside [0.01, 0.99]" in failed
    results = survival_tables(data, {"retrospective": ["death"], "prospective": ["death"]}, weights, diagnostics=diagnostics)
    rows = results.models[results.models["contrast"] == "tacrolimus_vs_azathioprine"]
    assert (rows["warnings"] == failed).all()
    assert (results.models.loc[results.models["contrast"] == PROSPECTIVE, "warnings"] == "").all()


@pytest.mark.parametrize(
    ("max_smd", "flagged"), [(0.0001, True), (10.0, False)]
)
def test_imbalance_after_weighting_is_flagged_against_its_threshold(max_smd, flagged):
    diagnostics = contrast_weights(analysis_set(), MAIN, WeightingOptions(covariates=COVARIATES, max_smd_after=max_smd)).diagnostics
    assert ("max |SMD| after weighting" in diagnostics["failed_diagnostics"]) is flagged
    assert diagnostics["max_abs_smd_after"] > 0.0001
