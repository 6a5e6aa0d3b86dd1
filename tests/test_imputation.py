"""Multiple imputation of missing covariates (myoild.imputation).

The categorical imputation model against R mice 3.15 (tests/reference/imputation/reference.json,
made by make_reference.R beside it: mice's augment, logreg's glm fit, polyreg's multinom fit); the
Nelson-Aalen predictor against a hand count; the completed data sets (imputed values only where
values were missing, of the column's type and observed values or levels, the same for a seed);
pooled rows against the complete-case fit when nothing is missing and against Rubin's rules worked
by hand; not-estimable contrasts; and, on the built-in cohort with a fifth of two covariates
missing at random, a pooled log HR near the full-data one (a sanity check, not a reference)."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.imputation import (
    MODEL,
    PER_IMPUTATION_COLUMNS,
    _augmented,
    _multinomial_logit,
    impute_covariates,
    mi_estimates,
    nelson_aalen_at_own_time,
)
from myoild.survival import MODEL_COLUMNS, analysis_data, model_row
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder
from myoild.weighting import WeightingOptions, contrast_weights
from test_contrasts_weighting import analysis_set as hand_made_set

REFERENCE = json.loads((Path(__file__).parent / "reference" / "imputation" / "reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cases"]}
COVARIATES = ("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
OPTIONS = WeightingOptions(covariates=COVARIATES)
ENDPOINTS = ["death", "relapse"]


def _with_missing(data: pd.DataFrame, fraction: dict[str, float], seed: int) -> pd.DataFrame:
    """``data`` with each named column missing at random in about ``fraction`` of its rows."""
    rng = np.random.default_rng(seed)
    data = data.copy()
    for name, share in fraction.items():
        hit = rng.random(len(data)) < share
        column = data[name].astype(object)
        column[hit] = None
        data[name] = column.astype(data[name].dtype) if data[name].dtype != bool else column
    return data


# ---- the categorical imputation model vs R mice ---------------------------------------------


def _case_data(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictors, outcome codes (NaN where missing) and which are observed."""
    y = np.array([np.nan if value is None else value for value in case["y"]])
    return np.array(case["x"]), y, np.array(case["observed"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_augmentation_equals_mice(name):
    case = CASES[name]
    x, y, observed = _case_data(case)
    levels = len(np.unique(y[observed]))
    ours_y, ours_x, ours_w = _augmented(y[observed].astype(int), x[observed], x, levels)
    fitted = np.concatenate((observed, np.ones(len(case["augmented_y"]) - len(y), dtype=bool)))
    np.testing.assert_allclose(ours_x, np.array(case["augmented_x"])[fitted], rtol=1e-14)
    np.testing.assert_array_equal(ours_y, np.array(case["augmented_y"])[fitted])
    np.testing.assert_allclose(ours_w, np.array(case["augmented_weights"])[fitted], rtol=1e-14)


@pytest.mark.parametrize("name", ["binary", "three_levels"])
def test_weighted_logit_fit_equals_r(name):
    """Two levels: glm.fit and summary.glm's cov.unscaled; three: nnet::multinom polished to a
    score under 1e-10, and nnet's vcov there (see make_reference.R)."""
    case = CASES[name]
    x, y, observed = _case_data(case)
    levels = len(np.unique(y[observed]))
    y_fit, x_fit, weights = _augmented(y[observed].astype(int), x[observed], x, levels)
    coef, covariance = _multinomial_logit(y_fit, np.column_stack((np.ones(len(x_fit)), x_fit)), weights, levels)
    np.testing.assert_allclose(coef.T.ravel(), np.ravel(case["coefficients"]), rtol=1e-8)
    np.testing.assert_allclose(covariance, np.array(case["covariance"]), rtol=1e-8)


def test_nelson_aalen_at_own_time_by_hand():
    # Event times 1 (5 at risk, 1 event), 2 (4 at risk, 1 event; a tie with a censoring), 3 (2, 1).
    time = np.array([3, 1, 2, 2, 5])
    event = np.array([1, 1, 0, 1, 0])
    expected = [1 / 5 + 1 / 4 + 1 / 2, 1 / 5, 1 / 5 + 1 / 4, 1 / 5 + 1 / 4, 1 / 5 + 1 / 4 + 1 / 2]
    np.testing.assert_allclose(nelson_aalen_at_own_time(time, event), expected, rtol=1e-15)


# ---- the completed data sets ------------------------------------------------------------------


@pytest.fixture(scope="module")
def incomplete_patients():
    """A hand-made contrast's patients with numbers, text, booleans, a 0/1 integer column and a
    pandas category each missing in about a quarter of the rows."""
    patients = contrast_patients(hand_made_set(), "tacrolimus_vs_conventional")
    patients["ivig"] = patients["ivig"].astype("Int64")
    patients["hrct_pattern"] = pd.Categorical(
        np.random.default_rng(3).choice(["NSIP", "OP", "UIP"], len(patients)), categories=["UIP", "NSIP", "OP"]
    )
    share = 0.25
    return _with_missing(
        patients,
        {
            "age_years": share,
            "sex": share,
            "diagnosis": share,
            "plasma_exchange": share,
            "ivig": share,
            "hrct_pattern": share,
        },
        seed=11,
    )


IMPUTED = ("age_years", "sex", "diagnosis", "plasma_exchange", "ivig", "hrct_pattern")


def test_imputed_values_only_where_missing_and_of_the_right_kind(incomplete_patients):
    completed = impute_covariates(incomplete_patients, IMPUTED, ENDPOINTS, 2, seed=5)
    assert len(completed) == 2
    before = incomplete_patients
    for data in completed:
        assert list(data.columns) == list(before.columns)
        assert data[list(IMPUTED)].notna().all().all()
        for name in before.columns:
            observed = before[name].notna().to_numpy()
            pd.testing.assert_series_equal(data[name][observed], before[name][observed], obj=name)
            assert data[name].dtype == before[name].dtype, name
        for name in IMPUTED:
            filled = data[name][before[name].isna().to_numpy()]
            assert len(filled) > 0
            # PMM takes observed values; a category draw gives an observed level.
            assert set(filled.tolist()) <= set(before[name].dropna().tolist()), name
    assert set(completed[0]["plasma_exchange"].map(type)) == {bool}
    assert list(completed[0]["hrct_pattern"].cat.categories) == ["UIP", "NSIP", "OP"]
    assert not completed[0].equals(completed[1])  # the imputations differ


def test_the_same_seed_gives_the_same_imputations(incomplete_patients):
    first = impute_covariates(incomplete_patients, IMPUTED, ENDPOINTS, 2, seed=5)
    again = impute_covariates(incomplete_patients, IMPUTED, ENDPOINTS, 3, seed=5)
    other = impute_covariates(incomplete_patients, IMPUTED, ENDPOINTS, 1, seed=6)
    for one, two in zip(first, again):  # each imputation is its own chain: m does not change it
        pd.testing.assert_frame_equal(one, two)
    assert not first[0].equals(other[0])


def test_a_covariate_never_observed_cannot_be_imputed(incomplete_patients):
    patients = incomplete_patients.assign(age_years=np.nan)
    with pytest.raises(ValueError, match="'age_years' has no observed value"):
        impute_covariates(patients, IMPUTED, ENDPOINTS, 2, seed=1)


# ---- pooled rows --------------------------------------------------------------------------------


def test_nothing_missing_gives_the_complete_case_fit():
    data = hand_made_set()
    contrast = "tacrolimus_vs_methotrexate"
    per_imputation, pooled = mi_estimates(data, contrast, ENDPOINTS, OPTIONS, imputations=4, seed=1)
    assert list(pooled.columns) == MODEL_COLUMNS and list(per_imputation.columns) == PER_IMPUTATION_COLUMNS
    weighted = analysis_data(data, contrast, contrast_weights(data, contrast, OPTIONS).weights)
    for endpoint in ENDPOINTS:
        complete = model_row(weighted, contrast, endpoint, "cox_iptw", "efron", "weight", "")
        row = pooled.set_index("endpoint").loc[endpoint]
        assert row["model"] == MODEL and row["ci_method"] == "rubin"
        assert row["hr"] == pytest.approx(complete["hr"], rel=1e-12)
        assert row["se_log_hr"] == pytest.approx(complete["se_log_hr"], rel=1e-12)
        assert (row["n"], row["events"]) == (complete["n"], complete["events"])
        assert row["note"] == "multiple imputation: m = 4, 0 patient(s) with imputed covariates"
        # B = 0: Barnard-Rubin df with lambda at mice's floor 1e-4 and dfcom = events - 1.
        dfcom, lam, m = complete["events"] - 1, 1e-4, 4
        df_old, df_obs = (m - 1) / lam**2, (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
        df = df_old * df_obs / (df_old + df_obs)
        half = stats.t.ppf(0.975, df) * complete["se_log_hr"]
        assert row["ci_low"] == pytest.approx(complete["hr"] * math.exp(-half), rel=1e-10)
        assert row["ci_high"] == pytest.approx(complete["hr"] * math.exp(half), rel=1e-10)
        z = math.log(complete["hr"]) / complete["se_log_hr"]
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(z), df), rel=1e-10)
        rows = per_imputation[per_imputation["endpoint"] == endpoint]
        assert list(rows["imputation"]) == [1, 2, 3, 4]
        np.testing.assert_allclose(rows["log_hr"], math.log(complete["hr"]), rtol=1e-12)


def test_pooled_row_is_rubins_rules_on_the_imputations(incomplete_patients):
    data = _with_missing(hand_made_set(), {"initial_pred_mg_day": 0.2, "diagnosis": 0.2}, seed=2)
    contrast = "tacrolimus_vs_conventional"
    per_imputation, pooled = mi_estimates(data, contrast, ["death"], OPTIONS, imputations=5, seed=3)
    q, u = per_imputation["log_hr"].to_numpy(), per_imputation["se_log_hr"].to_numpy() ** 2
    total = u.mean() + (1 + 1 / 5) * q.var(ddof=1)
    row = pooled.iloc[0]
    assert row["hr"] == pytest.approx(math.exp(q.mean()), rel=1e-12)
    assert row["se_log_hr"] == pytest.approx(math.sqrt(total), rel=1e-12)
    assert q.var() > 0
    missing = contrast_patients(data, contrast)[list(COVARIATES)].isna().any(axis=1).sum()
    assert row["note"] == f"multiple imputation: m = 5, {missing} patient(s) with imputed covariates"


@pytest.mark.parametrize(
    ("change", "note"),
    [
        ("no_methotrexate_deaths", "not estimable: no events in methotrexate"),
        ("no_methotrexate_patients", "not estimable: no patients in methotrexate"),
    ],
)
def test_not_estimable_contrasts_use_the_cox_rows_wording(change, note):
    data = _with_missing(hand_made_set(), {"initial_pred_mg_day": 0.2}, seed=4)
    methotrexate = data["main_agent"] == "methotrexate"
    if change == "no_methotrexate_deaths":
        data.loc[methotrexate, "death_event"] = 0
    else:
        data = data[~methotrexate]
    per_imputation, pooled = mi_estimates(data, "tacrolimus_vs_methotrexate", ["death"], OPTIONS, 3, seed=1)
    row = pooled.iloc[0]
    assert row["note"].startswith(f"{note}; multiple imputation: m = 3, ")
    assert row[["hr", "ci_low", "ci_high", "se_log_hr", "p_value"]].isna().all()
    assert per_imputation[["log_hr", "se_log_hr"]].isna().all().all()


def test_rubins_rules_need_two_imputations():
    with pytest.raises(ValueError, match="at least 2"):
        mi_estimates(hand_made_set(), "tacrolimus_vs_methotrexate", ["death"], OPTIONS, 1, seed=1)


# ---- the built-in cohort -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("builtin")
    write_cohort(generate_cohort(), folder)
    return derive_cohort(validate_folder(folder).tables).analysis_set


def test_pooled_estimate_near_the_full_data_one_on_the_builtin_cohort(builtin):
    """A fifth of the initial prednisolone doses and diagnoses missing at random: the pooled log HR
    lies within one SE of the full-data log HR (a sanity check, not a reference)."""
    contrast = "tacrolimus_vs_conventional"
    incomplete = _with_missing(builtin, {"initial_pred_mg_day": 0.2, "diagnosis": 0.2}, seed=7)
    per_imputation, pooled = mi_estimates(incomplete, contrast, ENDPOINTS, OPTIONS, imputations=20, seed=2022)
    assert len(per_imputation) == 2 * 20
    full = analysis_data(builtin, contrast, contrast_weights(builtin, contrast, OPTIONS).weights)
    missing = contrast_patients(incomplete, contrast)[list(COVARIATES)].isna().any(axis=1).sum()
    assert 0.3 * len(full) < missing < 0.45 * len(full)
    for endpoint in ENDPOINTS:
        complete = model_row(full, contrast, endpoint, "cox_iptw", "efron", "weight", "")
        row = pooled.set_index("endpoint").loc[endpoint]
        assert abs(math.log(row["hr"]) - math.log(complete["hr"])) < complete["se_log_hr"]
        assert row["n"] == len(full)  # every patient kept, none dropped for a missing covariate
        assert row["note"] == f"multiple imputation: m = 20, {missing} patient(s) with imputed covariates"
