"""Cox models and log-rank tests stratified by centre (R ``strata()``) against R and by hand.

Reference values: R 4.2 + survival 3.5-3, made by tests/reference/strata/make_reference.R on the
built-in cohort's main contrast (tests/reference/builtin_death.csv, endpoints death and relapse)
and on the tied data set tests/reference/ties.csv, each with a made-up site of three (one small:
in the built-in cohort it has no tacrolimus patient with an event, so one stratum has no events
in one arm). The weights are R's glm ATE weights, stored with the reference values, so these
tests check the survival routines alone, to 1e-8 as tests/test_stats_survival.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myoild.stats import TwoGroupCox, fit_cox, logrank_test, survdiff, weighted_cox
from myoild.stats.strata import Blocks

REFERENCE = Path(__file__).parent / "reference"
STRATA = json.loads((REFERENCE / "strata" / "reference.json").read_text())
RTOL = 1e-8
TIES = ("efron", "breslow")


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(np.ravel(np.asarray(actual, float)), np.ravel(np.asarray(expected, float)), rtol=rtol)


def made_up_site(ids: pd.Series) -> pd.Series:
    """The R script's rule: "east" for a multiple of 10, else "north" when odd, else "south"."""
    number = ids.str.replace(r"\D", "", regex=True).astype(int)
    return pd.Series(np.where(number % 10 == 0, "east", np.where(number % 2 == 1, "north", "south")), index=ids.index)


def builtin() -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "builtin_death.csv")
    return data.assign(site=made_up_site(data["patient_id"]), w=STRATA["builtin"]["w"])


def ties_data() -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "ties.csv", keep_default_na=False, na_values=[""])
    # Row i (from 1) counted i % 3 times, as the R script's copies().
    counts = np.arange(1, len(data) + 1) % 3
    return data.assign(site=made_up_site(data["id"]), w=STRATA["ties"]["w"], counts=counts)


BUILTIN, TIED = builtin(), ties_data()
# name: (data, duration, event, R's models)
CASES = {
    "builtin_death": (BUILTIN, "death_time_days", "death_event", STRATA["builtin"]["death"]),
    "builtin_relapse": (BUILTIN, "relapse_time_days", "relapse_event", STRATA["builtin"]["relapse"]),
    "ties": (TIED, "time", "event", STRATA["ties"]["models"]),
}
# weighted_cox keywords of each R model: weighted robust, unweighted, clustered, two stratum
# columns, near-equal times (merged by timefix before the strata are formed).
FITS = {
    "weighted": {"weights": "w", "strata": "site"},
    "unweighted": {"strata": ["site"]},
    "cluster": {"weights": "w", "strata": "site", "cluster": "cluster"},
    "two_strata": {"weights": "w", "strata": ["site", "sex"]},
    "near_times": {"weights": "w", "strata": "site", "duration": "time_near"},
}


def test_r_saw_these_sites():
    assert BUILTIN["site"].tolist() == STRATA["builtin"]["site"]
    assert TIED["site"].tolist() == STRATA["ties"]["site"]
    assert BUILTIN["site"].value_counts().to_dict() == {"north": 126, "south": 98, "east": 26}


@pytest.mark.parametrize(
    ("case", "ties", "fit"),
    [
        (case, ties, fit)
        for case, (*_, models) in CASES.items()
        for ties in TIES
        for fit in FITS
        if f"{ties}_{fit}" in models
    ],
)
def test_stratified_weighted_cox_matches_r(case, ties, fit):
    data, duration, event, models = CASES[case]
    expected = models[f"{ties}_{fit}"]
    keywords = dict(FITS[fit])
    duration = keywords.pop("duration", duration)
    result = weighted_cox(data, duration, event, "treated", ties=ties, **keywords)
    close(result.log_hr, expected["coef"])
    close([result.hr, result.ci_low, result.ci_high], [expected["hr"], expected["ci_low"], expected["ci_high"]])
    close(result.se_log_hr**2, expected["var"])  # robust when weighted, model-based otherwise
    close(result.naive_se_log_hr**2, expected["naive_var"])
    close(result.p_value, expected["p"])
    close(result.score_chisq, expected["sctest"])
    if fit == "unweighted":
        assert result.variance == "model" and result.logrank_method == "log-rank"
        close(result.logrank_chisq, models["survdiff"]["chisq"])  # the stratified log-rank test
        close(result.logrank_p, models["survdiff"]["p"])
    else:
        assert result.variance == "robust" and result.logrank_method == "robust_score"
        close(result.logrank_chisq, expected["robscore"])
        close(result.logrank_p, expected["robscore_p"])
    assert (result.n, result.events, result.iterations) == (expected["n"], expected["nevent"], expected["iter"])


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize(
    ("case", "model", "covariates", "counted"),
    [
        ("builtin_death", "two_covariates", ["treated", "age_years"], False),
        ("builtin_relapse", "two_covariates", ["treated", "age_years"], False),
        ("ties", "two_covariates", ["treated", "age"], False),
        ("ties", "counts", ["treated"], True),
        ("ties", "counts_two_covariates", ["treated", "age"], True),
    ],
)
def test_stratified_fit_cox_matches_r(case, model, covariates, counted, ties):
    """Both engines (one 0/1 covariate, any covariates), with frequency counts too."""
    data, duration, event, models = CASES[case]
    expected = models[f"{ties}_{model}"]
    fit = fit_cox(
        data[duration],
        data[event],
        data[covariates].to_numpy(float),
        data["w"].to_numpy(),
        counts=data["counts"].to_numpy() if counted else None,
        ties=ties,
        strata=data["site"].to_numpy(),
    )
    close(fit.coef, expected["coef"])
    close(fit.var, expected["var"])
    close(fit.naive_var, expected["naive_var"])
    close(fit.loglik, expected["loglik"])
    close(fit.score_test, expected["sctest"])
    close(fit.robust_score_test, expected["robscore"])
    close(fit.wald_test, expected["wald"])
    assert (fit.n, fit.events, fit.iterations) == (expected["n"], expected["nevent"], expected["iter"])


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("weighted", [True, False])
def test_two_group_cox_with_strata_refits_counts_as_r(ties, weighted):
    """The bootstrap's path: strata tabulated once, each replicate's counts refitted."""
    expected = STRATA["ties"]["models"][f"{ties}_counts" if weighted else f"{ties}_counts_unweighted"]
    model = TwoGroupCox(TIED["time"], TIED["event"], TIED["treated"], TIED["site"].to_numpy())
    fit = model.fit(TIED["w"].to_numpy() if weighted else None, TIED["counts"].to_numpy(), ties=ties)
    close(fit.coef, expected["coef"])
    close(fit.var, expected["var"])
    close(fit.loglik, expected["loglik"])
    assert fit.robust == weighted


@pytest.mark.parametrize("case", CASES)
def test_stratified_logrank_matches_r_survdiff(case):
    data, duration, event, models = CASES[case]
    expected = models["survdiff"]
    result = logrank_test(data, duration, event, "treated", strata="site")
    close(result.chisq, expected["chisq"])
    close(result.p_value, expected["p"])
    close(result.observed, expected["observed"], rtol=0)  # summed over the strata, as R's rowSums
    close(result.expected, expected["expected"])
    assert result.df == 1


# --- by hand ------------------------------------------------------------------------------------


def test_two_identical_strata_double_the_likelihood():
    # One stratum: times 1, 2, 3, all deaths, x = 1, 0, 1 (tests/test_stats_survival.py): log L(0)
    # = -log 6, U(0) = -1/6, I(0) = 17/36, beta = -log(2)/2. Two identical strata add their log
    # likelihoods: log L(0) = -2 log 6, the score test (2U)^2 / (2I) = 2/17, the same beta and half
    # the variance. Unstratified, the six rows would give another fit (risk sets of 6, 4 and 2).
    x = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    fit = fit_cox([1, 2, 3, 1, 2, 3], [1] * 6, x, strata=["a", "a", "a", "b", "b", "b"])
    assert fit.loglik[0] == pytest.approx(-2 * math.log(6), rel=1e-14)
    assert fit.score_test == pytest.approx(2 / 17, rel=1e-12)
    assert fit.coef[0] == pytest.approx(-math.log(2) / 2, rel=1e-9)
    u = 1 / math.sqrt(2)
    information = 2 * u / (2 * u + 1) ** 2 + u / (1 + u) ** 2
    assert fit.var[0, 0] == pytest.approx(1 / (2 * information), rel=1e-8)
    unstratified = fit_cox([1, 2, 3, 1, 2, 3], [1] * 6, x)
    assert unstratified.loglik[0] != pytest.approx(fit.loglik[0], rel=1e-3)


def test_stratified_logrank_by_hand():
    # Stratum a: deaths at 1 (x = 1) and 2 (x = 0). At t = 1 two are at risk, one dies:
    # E_1 = 1/2, V = d (n - d) / (n - 1) * n_1/n * (1 - n_1/n) = 1/4; at t = 2 only x = 0 is at
    # risk (E_1 = 0, V = 0). Stratum b: deaths at 3 (x = 0) and 4 (x = 1): E_1 = 1/2 + 1, V = 1/4.
    # Summed: O_1 = 2 = E_1, chi-square 0. Unstratified, E_1 = 1/2 + 1/3 + 1/2 + 1 = 7/3.
    time, event, group = [1, 2, 3, 4], [1, 1, 1, 1], [1, 0, 0, 1]
    result = survdiff(time, event, group, strata=["a", "a", "b", "b"])
    assert result.observed.tolist() == [2, 2]
    close(result.expected, [2.0, 2.0], rtol=1e-15)
    assert result.chisq == pytest.approx(0.0, abs=1e-15)
    close(survdiff(time, event, group).expected, [5 / 3, 7 / 3], rtol=1e-15)


def test_blocks_sum_within_each_stratum():
    blocks = Blocks(np.array([0, 2]), 5)
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert blocks.cumsum(values).tolist() == [1, 3, 3, 7, 12]
    assert blocks.reverse_cumsum(values).tolist() == [3, 2, 12, 9, 5]
    assert blocks.reversed().cumsum(values).tolist() == [1, 3, 6, 4, 9]  # blocks [0, 3), [3, 5)
    table = np.vstack([values, 10 * values])
    assert blocks.reverse_cumsum(table, axis=1).tolist() == [[3, 2, 12, 9, 5], [30, 20, 120, 90, 50]]


def test_strata_must_be_complete():
    data = TIED.assign(site=TIED["site"].where(TIED.index != 5))
    with pytest.raises(ValueError, match="'site' has missing values"):
        weighted_cox(data, "time", "event", "treated", weights="w", strata="site")
    with pytest.raises(KeyError, match="'centre'"):
        weighted_cox(TIED, "time", "event", "treated", strata=["centre"])
    with pytest.raises(ValueError, match="one label per observation"):
        fit_cox([1, 2, 3], [1, 1, 1], [1.0, 0.0, 1.0], strata=["a", "b"])
    with pytest.raises(ValueError, match="must not be missing"):
        fit_cox([1, 2, 3], [1, 1, 1], [1.0, 0.0, 1.0], strata=["a", None, "b"])


def test_no_strata_is_the_unstratified_model():
    unstratified = json.loads((REFERENCE / "ties.json").read_text())["cox"]["efron_weighted"]  # R, no strata
    plain = weighted_cox(TIED, "time", "event", "treated", weights="w", strata=[])
    close(plain.log_hr, unstratified["coef"])
    close(plain.se_log_hr, unstratified["se"])
    assert plain.log_hr != pytest.approx(STRATA["ties"]["models"]["efron_weighted"]["coef"], rel=1e-4)
