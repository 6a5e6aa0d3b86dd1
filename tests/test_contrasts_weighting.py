"""Contrast membership, per-contrast weights with counted exclusions, and survival orchestration."""

import numpy as np
import pandas as pd
import pytest

from myoild.contrasts import contrast_cohort, contrast_groups, contrast_patients
from myoild.stats import propensity_weights
from myoild.survival import survival_tables
from myoild.weighting import WeightingOptions, contrast_weights, weigh_contrasts

COVARIATES = ("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")


def analysis_set(n_per_group: int = 30, seed: int = 1) -> pd.DataFrame:
    """A hand-made analysis set: retrospective tacrolimus and conventional (CTX, MTX, AZA) patients,
    prospective pairs, one excluded patient; random covariates and endpoints."""
    rng = np.random.default_rng(seed)
    rows = []
    plan = (
        [("retrospective", "tacrolimus", "tacrolimus")] * n_per_group
        + [("retrospective", "conventional", agent) for agent in ("cyclophosphamide", "methotrexate", "azathioprine")]
        * n_per_group
        + [("prospective", "tacrolimus", "tacrolimus"), ("prospective", "tacrolimus+pirfenidone", "tacrolimus")]
        * n_per_group
    )
    for number, (cohort, group, agent) in enumerate(plan):
        row = {
            "patient_id": f"X{number:04d}",
            "cohort": cohort,
            "included": True,
            "group": group,
            "main_agent": agent,
            "age_years": rng.normal(52, 11),
            "sex": rng.choice(["F", "M"]),
            "diagnosis": rng.choice(["DM", "PM", "CADM"]),
            "initial_pred_mg_day": rng.normal(54, 20),
            "plasma_exchange": bool(rng.random() < 0.2),
            "ivig": bool(rng.random() < 0.2),
        }
        for endpoint in ("death", "relapse", "respiratory_relapse"):
            time = int(rng.integers(1, 366))
            row[f"{endpoint}_time_days"] = time
            row[f"{endpoint}_event"] = int(time < 365 and rng.random() < 0.5)
        rows.append(row)
    excluded = {**rows[0], "patient_id": "Z9999", "included": False, "group": None}
    return pd.DataFrame(rows + [excluded])


OPTIONS = WeightingOptions(covariates=COVARIATES)


def test_contrast_names_and_groups():
    assert contrast_cohort("tacrolimus_vs_methotrexate") == "retrospective"
    assert contrast_cohort("tacrolimus+pirfenidone_vs_tacrolimus") == "prospective"
    assert contrast_groups("tacrolimus+pirfenidone_vs_tacrolimus") == ("tacrolimus+pirfenidone", "tacrolimus")
    with pytest.raises(ValueError, match="unknown contrast"):
        contrast_cohort("tacrolimus_vs_placebo")


@pytest.mark.parametrize(
    ("contrast", "n_treated", "n_control", "arm"),
    [
        ("tacrolimus_vs_conventional", 30, 90, "conventional"),
        ("tacrolimus_vs_methotrexate", 30, 30, "methotrexate"),
        ("tacrolimus+pirfenidone_vs_tacrolimus", 30, 30, "tacrolimus"),
    ],
)
def test_contrast_patients(contrast, n_treated, n_control, arm):
    data = analysis_set()
    patients = contrast_patients(data, contrast)
    assert (patients["treated"] == 1).sum() == n_treated
    assert (patients["treated"] == 0).sum() == n_control
    assert set(patients.loc[patients["treated"] == 0, "arm"]) == {arm}
    assert "Z9999" not in set(patients["patient_id"])  # excluded patients never enter a contrast
    if contrast == "tacrolimus_vs_methotrexate":
        assert set(patients.loc[patients["treated"] == 0, "main_agent"]) == {"methotrexate"}


def test_weights_equal_the_public_api_on_the_contrast_subset():
    data = analysis_set()
    fitted = contrast_weights(data, "tacrolimus_vs_cyclophosphamide", OPTIONS)
    subset = contrast_patients(data, "tacrolimus_vs_cyclophosphamide")
    expected = propensity_weights(subset, "treated", list(COVARIATES))
    np.testing.assert_allclose(fitted.weights["weight"], expected["weight"], rtol=1e-12)
    assert list(fitted.weights.columns) == ["patient_id", "treated", "ps", "weight"]
    treated = subset["treated"] == 1
    assert np.allclose(fitted.weights.loc[treated, "weight"], 1 / fitted.weights.loc[treated, "ps"])


def test_missing_covariate_is_counted_not_silently_dropped():
    data = analysis_set()
    data.loc[data["patient_id"] == "X0003", "initial_pred_mg_day"] = np.nan
    fitted = contrast_weights(data, "tacrolimus_vs_conventional", OPTIONS)
    assert fitted.diagnostics["n_missing_covariates"] == 1
    assert fitted.diagnostics["patients_missing_covariates"] == "X0003"
    assert "X0003" not in set(fitted.weights["patient_id"])
    assert fitted.diagnostics["n_treated"] + fitted.diagnostics["n_control"] == 119


def test_balance_rows_per_level_and_diagnostics_per_contrast():
    weights, balance, diagnostics = weigh_contrasts(
        analysis_set(), ["tacrolimus_vs_conventional", "tacrolimus_vs_azathioprine"], OPTIONS
    )
    assert set(weights) == {"tacrolimus_vs_conventional", "tacrolimus_vs_azathioprine"}
    levels = balance[balance["contrast"] == "tacrolimus_vs_conventional"]["covariate"].tolist()
    assert {"diagnosis=DM", "diagnosis=PM", "diagnosis=CADM", "age_years"} <= set(levels)
    assert list(diagnostics["contrast"]) == ["tacrolimus_vs_conventional", "tacrolimus_vs_azathioprine"]
    # IPTW balances the means better than no weighting, here as in general for a correct model
    main = balance[balance["contrast"] == "tacrolimus_vs_conventional"]
    assert main["smd_weighted"].abs().max() < main["smd_unweighted"].abs().max()


def test_survival_tables_rows():
    data = analysis_set()
    weights, _, _ = weigh_contrasts(data, ["tacrolimus_vs_conventional"], OPTIONS)
    results = survival_tables(data, {"retrospective": ["death", "relapse"], "prospective": ["death"]}, weights)
    models = results.models
    assert list(models[["contrast", "endpoint", "model"]].itertuples(index=False, name=None)) == [
        ("tacrolimus_vs_conventional", "death", "cox_iptw"),
        ("tacrolimus_vs_conventional", "death", "cox_unadjusted"),
        ("tacrolimus_vs_conventional", "relapse", "cox_iptw"),
        ("tacrolimus_vs_conventional", "relapse", "cox_unadjusted"),
        ("tacrolimus_vs_conventional", "relapse", "fine_gray_iptw"),
        ("tacrolimus_vs_conventional", "relapse", "fine_gray_unadjusted"),
        ("tacrolimus+pirfenidone_vs_tacrolimus", "death", "cox_unadjusted"),
    ]
    assert list(models["ci_method"]) == ["robust", "model", "robust", "model", "robust", "robust", "model"]
    assert (models["n"] == [120, 120, 120, 120, 120, 120, 60]).all()
    km = results.km
    assert set(km["weighted"]) == {True, False}
    assert list(km.columns[:11]) == [
        "cohort", "contrast", "endpoint", "group", "weighted", "time_days", "n_risk", "n_event", "survival",
        "ci_low", "ci_high",
    ]
    at_risk = results.at_risk
    day0 = at_risk[(at_risk["time_days"] == 0) & (at_risk["contrast"] == "tacrolimus_vs_conventional")]
    assert sorted(day0["n_risk"].unique()) == [30, 90]
    # the weighted number at risk on day 0 is the arm's sum of weights
    conventional = weights["tacrolimus_vs_conventional"].query("treated == 0")["weight"].sum()
    assert day0.query("group == 'conventional' and endpoint == 'death'")["n_risk_weighted"].item() == pytest.approx(
        conventional
    )


def test_prospective_comparison_adjusted_when_weighted():
    """``propensity.prospective``: the prospective contrast gets its own propensity model and weights,
    IPTW and unadjusted Cox models for the prospective endpoints, and weighted curves."""
    data = analysis_set()
    contrasts = ["tacrolimus_vs_conventional", "tacrolimus+pirfenidone_vs_tacrolimus"]
    weights, balance, diagnostics = weigh_contrasts(data, contrasts, OPTIONS)
    assert set(balance["contrast"]) == set(contrasts)
    prospective = weights["tacrolimus+pirfenidone_vs_tacrolimus"]
    assert len(prospective) == 60 and set(prospective["treated"]) == {0, 1}
    results = survival_tables(data, {"retrospective": ["death"], "prospective": ["respiratory_relapse"]}, weights)
    rows = results.models[results.models["contrast"] == "tacrolimus+pirfenidone_vs_tacrolimus"]
    cox = rows[rows["model"].str.startswith("cox")]
    assert list(cox[["endpoint", "model"]].itertuples(index=False, name=None)) == [
        ("respiratory_relapse", "cox_iptw"),
        ("respiratory_relapse", "cox_unadjusted"),
    ]
    km = results.km[results.km["contrast"] == "tacrolimus+pirfenidone_vs_tacrolimus"]
    assert set(km["weighted"]) == {True, False}
    expected = propensity_weights(
        contrast_patients(data, "tacrolimus+pirfenidone_vs_tacrolimus"), "treated", list(COVARIATES)
    )["weight"].to_numpy()
    np.testing.assert_allclose(prospective["weight"], expected, rtol=1e-12)
