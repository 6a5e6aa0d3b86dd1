"""myoild.stats survival routines (Cox, Kaplan-Meier, log-rank, timefix) against R and by hand.

Reference values: R 4.2 + survival 3.5-3, made by tests/reference/make_reference.R on the data
saved beside it (gbsg: survival's data set, treatment hormon; ties: whole-day times 1..10, with a
copy of the times moved by up to 4e-9 days and a cluster column). The issue asks for agreement to
1e-4 (Cox and tests) and 1e-6 (Kaplan-Meier); the code agrees to about 1e-13, and the tests hold
it to 1e-8 so that a real change in method cannot hide.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myoild.stats import (
    ConvergenceWarning,
    TwoGroupCox,
    aeq_times,
    fit_cox,
    logrank_test,
    weighted_cox,
    weighted_km,
)

REFERENCE = Path(__file__).parent / "reference"
RTOL = 1e-8


def load(name: str) -> tuple[pd.DataFrame, dict]:
    ref = json.loads((REFERENCE / f"{name}.json").read_text())
    data = pd.read_csv(REFERENCE / f"{name}.csv", keep_default_na=False, na_values=[""])
    data["w"] = ref["weights"]["ATE"]  # R's glm weights: these tests check survival alone
    return data, ref


# Every <name>.json/.csv pair made by make_reference.R (gbsg, ties, and any the pipeline adds);
# ties also has its times moved by up to 4e-9 days, which R's timefix merges back.
DATA = {
    path.stem: load(path.stem)
    for path in sorted(REFERENCE.glob("*.json"))
    if {"meta", "glm", "cox", "km"} <= json.loads(path.read_text()).keys()
}
GBSG, TIES = DATA["gbsg"], DATA["ties"]
# name: (data, reference, duration column, Cox reference, KM reference)
CASES = {
    name: (data, ref, ref["meta"]["duration"], ref["cox"], ref["km"])
    for name, (data, ref) in DATA.items()
}
CASES["ties_near_times"] = (
    *TIES,
    "time_near",
    TIES[1]["near_times"]["cox"],
    TIES[1]["near_times"]["km"],
)
FITS = {
    "weighted": lambda meta: {"weights": "w"},
    "unweighted": lambda meta: {},
    "cluster": lambda meta: {"weights": "w", "cluster": meta["cluster"]},
}


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(
        np.asarray(actual, float), np.asarray(expected, float), rtol=rtol, atol=0
    )


COX_CASES = [
    (case, ties, fit)
    for case, (*_, cox, _) in CASES.items()
    for ties in ("efron", "breslow")
    for fit in FITS
    if f"{ties}_{fit}" in cox
]


@pytest.mark.parametrize(("case", "ties", "fit"), COX_CASES)
def test_weighted_cox_matches_r(case, ties, fit):
    data, ref, duration, cox, _ = CASES[case]
    expected = cox[f"{ties}_{fit}"]
    meta = ref["meta"]
    result = weighted_cox(
        data, duration, meta["event"], meta["treatment"], ties=ties, **FITS[fit](meta)
    )
    close(result.hr, expected["hr"])
    close([result.ci_low, result.ci_high], [expected["ci_low"], expected["ci_high"]])
    close(result.se_log_hr, expected["se"])  # robust for weighted fits, model-based otherwise
    close(result.naive_se_log_hr, expected["naive_se"])
    close(result.p_value, expected["p"])
    close(result.score_chisq, expected["sctest"])
    if fit == "unweighted":
        assert result.variance == "model" and result.logrank_method == "log-rank"
        close(result.logrank_p, ref["survdiff"]["p"])  # near times merge into the same ties
    else:
        assert result.variance == "robust" and result.logrank_method == "robust_score"
        close(result.logrank_chisq, expected["robscore"])
        close(result.logrank_p, expected["robscore_p"])
    assert (result.n, result.events) == (expected["n"], expected["nevent"])
    assert result.converged


@pytest.mark.parametrize(
    "name", [name for name, (_, ref) in DATA.items() if "efron_two_covariates" in ref["cox"]]
)
def test_fit_cox_with_two_covariates_matches_r(name):
    data, ref = DATA[name]
    expected = ref["cox"]["efron_two_covariates"]
    meta = ref["meta"]
    x = data[[meta["treatment"], expected["second"]]].to_numpy(float)
    fit = fit_cox(data[meta["duration"]], data[meta["event"]], x, data["w"].to_numpy())
    close(fit.coef, expected["coef"])
    close(fit.var, expected["var"])
    close(np.sqrt(np.diag(fit.naive_var)), expected["naive_se"])
    close(fit.loglik, expected["loglik"])
    close(fit.score_test, expected["sctest"])
    close(fit.robust_score_test, expected["robscore"])
    assert fit.iterations == expected["iter"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("curve", ["weighted", "unweighted", "weighted_pooled"])
def test_weighted_km_matches_r_survfit(case, curve):
    data, ref, duration, _, km = CASES[case]
    expected = km[curve]
    meta = ref["meta"]
    kwargs = {
        "weights": None if curve == "unweighted" else "w",
        "group": None if curve == "weighted_pooled" else meta["treatment"],
    }
    table = weighted_km(data, duration, meta["event"], **kwargs)
    close(table["time_days"], expected["time"], rtol=1e-15)
    close(table["n_risk_weighted"], expected["n_risk"])
    close(table["n_event_weighted"], expected["n_event"])
    close(table["survival"], expected["surv"])
    close(table["std_err"], expected["std_err"])
    close(table["ci_low"], expected["lower"])
    close(table["ci_high"], expected["upper"])
    if kwargs["group"]:
        assert [f".t={g}" for g in table[meta["treatment"]]] == expected["strata"]
    if curve == "unweighted":
        close(table["n_risk"], expected["n_risk"], rtol=0)


@pytest.mark.parametrize("name", DATA)
def test_logrank_matches_r_survdiff(name):
    data, ref = DATA[name]
    meta = ref["meta"]
    result = logrank_test(data, meta["duration"], meta["event"], meta["treatment"])
    close(result.chisq, ref["survdiff"]["chisq"])
    close(result.p_value, ref["survdiff"]["p"])
    close(result.observed, ref["survdiff"]["observed"], rtol=0)
    close(result.expected, ref["survdiff"]["expected"])
    assert result.df == 1


def test_aeq_times_matches_r_aeqsurv():
    for probe in TIES[1]["aeq"]:
        close(aeq_times(np.array(probe["input"])), probe["output"], rtol=0)


def test_timefix_is_what_makes_near_equal_times_agree_with_r():
    data, ref = TIES
    expected = ref["near_times"]["cox"]["efron_weighted"]
    untied = weighted_cox(data, "time_near", "event", "treated", weights="w", timefix=False)
    assert abs(untied.log_hr / expected["coef"] - 1) > 1e-4
    tied = weighted_cox(data, "time_near", "event", "treated", weights="w")
    close(tied.log_hr, expected["coef"])


def test_timefix_keeps_whole_days_and_maps_to_the_first_of_a_run():
    days = np.array([3.0, 1.0, 2.0, 365.0, 2.0])
    assert aeq_times(days) is days or np.array_equal(aeq_times(days), days)
    # 2 + 1e-9 joins 2; 5e-8 apart is not a tie at this scale (mean |time| = 2.5).
    close(
        aeq_times(np.array([2.0 + 1e-9, 2.0, 3.0, 3.0 + 5e-8])), [2.0, 2.0, 3.0, 3.0 + 5e-8], rtol=0
    )


# --- by hand ------------------------------------------------------------------------------------


def test_cox_by_hand_without_ties():
    # Times 1, 2, 3, all deaths, x = 1, 0, 1. log L(b) = b - log(2e^b + 1) - log(e^b + 1) + 0.
    # At b = 0: log L = -log 6, U = 1 - 2/3 - 1/2 = -1/6, I = (2/3)(1/3) + (1/2)(1/2) = 17/36,
    # score test U^2 / I = 1/17. U(b) = 0 at e^b = 1/sqrt(2): b = -log(2) / 2; the information
    # there is 2u/(2u+1)^2 + u/(1+u)^2 with u = 1/sqrt(2).
    fit = fit_cox([1, 2, 3], [1, 1, 1], [1.0, 0.0, 1.0])
    assert fit.loglik[0] == pytest.approx(-math.log(6), rel=1e-14)
    assert fit.score_test == pytest.approx(1 / 17, rel=1e-12)
    assert fit.coef[0] == pytest.approx(-math.log(2) / 2, rel=1e-9)
    u = 1 / math.sqrt(2)
    information = 2 * u / (2 * u + 1) ** 2 + u / (1 + u) ** 2
    assert fit.var[0, 0] == pytest.approx(1 / information, rel=1e-8)


@pytest.mark.parametrize(
    ("ties", "loglik0", "beta"),
    [
        # Two deaths at t = 1 (x = 1 and 0) with three at risk (x = 1, 0, 0), one at t = 2.
        # Efron: log L = b - log(e^b + 2) - log((e^b + 3) / 2): at 0, -log 6; U = 0 at e^b = sqrt 6.
        ("efron", -math.log(6), math.log(6) / 2),
        # Breslow: log L = b - 2 log(e^b + 2): at 0, -2 log 3; U = 0 at e^b = 2.
        ("breslow", -2 * math.log(3), math.log(2)),
    ],
)
def test_cox_ties_by_hand(ties, loglik0, beta):
    fit = fit_cox([1, 1, 2], [1, 1, 1], [1.0, 0.0, 0.0], ties=ties)
    assert fit.loglik[0] == pytest.approx(loglik0, rel=1e-14)
    assert fit.coef[0] == pytest.approx(beta, rel=1e-9)


def test_case_weight_two_equals_a_duplicated_row_clustered():
    # Under Breslow ties a weight of 2 is two identical rows: same estimate and model variance,
    # and the sandwich of the weighted fit (one cluster per row) equals that of the duplicated
    # data clustered by row. (Not under Efron: R counts tied deaths as rows, not weights.)
    data = TIES[0].iloc[:80]
    doubled = np.where(np.arange(80) % 3 == 0, 2.0, 1.0)
    repeated = data.loc[data.index.repeat(doubled.astype(int))]
    weighted = fit_cox(data["time"], data["event"], data["treated"], doubled, ties="breslow")
    duplicated = fit_cox(
        repeated["time"],
        repeated["event"],
        repeated["treated"],
        ties="breslow",
        cluster=repeated.index.to_numpy(),
    )
    close(weighted.coef, duplicated.coef, rtol=1e-10)
    close(weighted.naive_var, duplicated.naive_var, rtol=1e-10)
    close(weighted.var, duplicated.var, rtol=1e-10)
    close(weighted.robust_score_test, duplicated.robust_score_test, rtol=1e-10)


def test_unweighted_cox_agrees_with_statsmodels_phreg():
    sm_phreg = pytest.importorskip("statsmodels.duration.hazard_regression").PHReg
    data = GBSG[0]
    for ties in ("efron", "breslow"):
        ours = weighted_cox(data, "rfstime", "status", "hormon", ties=ties)
        theirs = sm_phreg(data["rfstime"], data[["hormon"]], status=data["status"], ties=ties).fit()
        close(ours.log_hr, theirs.params[0], rtol=1e-6)
        close(ours.se_log_hr, theirs.bse[0], rtol=1e-6)


def test_km_by_hand_greenwood():
    # Times 1, 2, 2, 3, 4 with events 1, 1, 0, 1, 0: S = 4/5, 4/5 * 3/4, 0.6 * 1/2 = 0.8, 0.6, 0.3.
    # Greenwood var(log S) at 3: 1/(5*4) + 1/(4*3) + 1/(2*1) = 0.6333..; se(S) = 0.3 sqrt(that).
    data = pd.DataFrame({"t": [1, 2, 2, 3, 4], "e": [1, 1, 0, 1, 0]})
    table = weighted_km(data, "t", "e")
    close(table["time_days"], [1, 2, 3], rtol=0)
    close(table["n_risk"], [5, 4, 2], rtol=0)
    close(table["survival"], [0.8, 0.6, 0.3], rtol=1e-15)
    close(table["std_err"].iloc[-1], 0.3 * math.sqrt(1 / 20 + 1 / 12 + 1 / 2), rtol=1e-14)
    se_log = math.sqrt(1 / 20)
    close(
        [table["ci_low"].iloc[0], table["ci_high"].iloc[0]],
        [0.8 * math.exp(-1.959963984540054 * se_log), 1.0],
    )
    everything = weighted_km(data, "t", "e", censored=True)
    close(everything["time_days"], [1, 2, 3, 4], rtol=0)
    close(everything["n_censor"], [0, 1, 0, 1], rtol=0)


def test_km_infinitesimal_jackknife_by_hand():
    # Two rows, weights 0.5 and 1.5, both die: at t = 1 (w 0.5) S = 1 - 0.5/2 = 0.75. The IJ
    # influence of row k on S(1) is S w_k C_k: C = d/(n(n-d)) - delta/(n-d) = 0.5/(2*1.5) - 1/1.5
    # for the death, 0.5/(2*1.5) for the other; var = 0.75^2 (0.5^2 (1/6 - 2/3)^2 + 1.5^2 / 36).
    data = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 1], "w": [0.5, 1.5]})
    table = weighted_km(data, "t", "e", "w")
    expected = 0.75 * math.sqrt(0.5**2 * (1 / 6 - 2 / 3) ** 2 + 1.5**2 / 36)
    close(table["std_err"].iloc[0], expected, rtol=1e-14)
    assert table["survival"].iloc[-1] == 0 and np.isnan(table["ci_low"].iloc[-1])
    # Whole-number weights keep Greenwood (R's rule), as frequency weights should.
    greenwood = weighted_km(data.assign(w=[1.0, 3.0]), "t", "e", "w")
    close(greenwood["std_err"].iloc[0], 0.75 * math.sqrt(1 / (4 * 3)), rtol=1e-14)


# --- the two-group engine and frequency counts ---------------------------------------------------

# Resample-like counts for the ties data: 0 to 3 copies of each row (seeded).
COUNTS = np.random.default_rng(20220912).multinomial(300, np.full(300, 1 / 300)).astype(float)


def duplicated(values, counts=COUNTS):
    """Rows repeated ``counts`` times: what frequency counts stand for."""
    return np.repeat(np.asarray(values), counts.astype(int), axis=0)


def assert_same_fit(fit, other, rtol=1e-10):
    close(fit.coef, other.coef, rtol)
    close(fit.var, other.var, rtol)
    close(fit.naive_var, other.naive_var, rtol)
    close(fit.loglik, other.loglik, rtol)
    close(fit.score_test, other.score_test, rtol)
    if fit.robust:
        close(fit.robust_score_test, other.robust_score_test, rtol)
    assert (fit.iterations, fit.n, fit.events) == (other.iterations, other.n, other.events)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("cluster", [False, True])
def test_two_group_engine_equals_the_general_engine(ties, cluster):
    # x = 2 * treated is not 0/1, so fit_cox takes the general (row) engine: its coefficient is
    # half the two-group one, its variances a quarter, everything else equal.
    data, _ = TIES
    w = data["w"].to_numpy()
    labels = data["cluster"].to_numpy() if cluster else None
    treated = data["treated"].to_numpy(float)
    two_group = fit_cox(data["time"], data["event"], treated, w, ties=ties, cluster=labels)
    general = fit_cox(data["time"], data["event"], 2 * treated, w, ties=ties, cluster=labels)
    close(two_group.coef, 2 * general.coef, rtol=1e-10)
    close(two_group.var, 4 * general.var, rtol=1e-10)
    close(two_group.naive_var, 4 * general.naive_var, rtol=1e-10)
    close(two_group.loglik, general.loglik, rtol=1e-12)
    close(
        [two_group.score_test, two_group.robust_score_test],
        [general.score_test, general.robust_score_test],
        rtol=1e-10,
    )
    assert two_group.iterations == general.iterations


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("columns", [["treated"], ["treated", "age"]])
def test_counts_are_duplicated_rows(ties, columns):
    # Counts are frequency counts: the fit (robust variance with every duplicate its own
    # cluster, robust score test, n and events counting duplicates) equals the fit on the
    # duplicated rows, for the two-group and the general engine; rows counted 0 drop out.
    data, _ = TIES
    x = data[columns].to_numpy(float)
    counted = fit_cox(data["time"], data["event"], x, data["w"], counts=COUNTS, ties=ties)
    repeated = fit_cox(
        duplicated(data["time"]),
        duplicated(data["event"]),
        duplicated(x),
        duplicated(data["w"]),
        ties=ties,
    )
    assert_same_fit(counted, repeated)
    assert counted.n == COUNTS.sum() and counted.robust
    # With clusters, duplicates share their row's cluster, as duplicating the column would.
    labels = data["cluster"].to_numpy()
    counted = fit_cox(
        data["time"], data["event"], x, data["w"], counts=COUNTS, ties=ties, cluster=labels
    )
    repeated = fit_cox(
        duplicated(data["time"]),
        duplicated(data["event"]),
        duplicated(x),
        duplicated(data["w"]),
        ties=ties,
        cluster=duplicated(labels),
    )
    assert_same_fit(counted, repeated)


def test_efron_counts_are_not_case_weights():
    # Two deaths at t = 1 (x = 1, 0), one at t = 2 (x = 0), the x = 1 row counted twice. As rows
    # (counts): three deaths at t = 1, Efron's steps 0, 1/3, 2/3. As a case weight of 2: two
    # deaths at t = 1 with mean weight 3/2, steps 0, 1/2. Breslow has no steps: both agree.
    time, event, x = [1.0, 1.0, 2.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0]
    twice = np.array([2.0, 1.0, 1.0])
    for ties, same in (("efron", False), ("breslow", True)):
        counted = fit_cox(time, event, x, counts=twice, ties=ties)
        weighted = fit_cox(time, event, x, twice, ties=ties, robust=False)
        rows = fit_cox([1.0, 1.0, 1.0, 2.0], [1.0] * 4, [1.0, 1.0, 0.0, 0.0], ties=ties)
        close(counted.coef, rows.coef, rtol=1e-12)
        assert bool(np.isclose(counted.coef[0], weighted.coef[0], rtol=1e-6)) is same


def test_two_group_cox_refits_with_new_weights_and_counts():
    # Sorted once, fitted many times: each fit is the fit_cox of the same arrays.
    data, _ = TIES
    model = TwoGroupCox(data["time"], data["event"], data["treated"])
    for weights, counts in ((data["w"], None), (None, COUNTS), (data["w"] ** 2, COUNTS)):
        expected = fit_cox(data["time"], data["event"], data["treated"], weights, counts=counts)
        assert_same_fit(model.fit(weights, counts), expected, rtol=1e-13)


def test_weights_as_an_array_equal_weights_as_a_column():
    data, ref = GBSG
    by_name = weighted_cox(data, "rfstime", "status", "hormon", weights="w")
    by_array = weighted_cox(data, "rfstime", "status", "hormon", weights=data["w"].to_numpy())
    assert by_array == by_name


def test_counts_are_checked():
    data = pd.DataFrame({"t": [1.0, 2, 3], "e": [1, 0, 1], "x": [0, 1, 1]})
    with pytest.raises(ValueError, match="whole numbers"):
        fit_cox(data["t"], data["e"], data["x"], counts=[1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="whole numbers"):
        fit_cox(data["t"], data["e"], data["x"], counts=[1, -1, 1])
    with pytest.raises(ValueError, match="no events"):
        fit_cox(data["t"], data["e"], data["x"], counts=[0, 1, 0])


# --- errors and warnings ------------------------------------------------------------------------


def test_inputs_are_checked():
    data = pd.DataFrame({"t": [1.0, 2, 3], "e": [1, 0, 1], "x": [0, 1, 2], "w": [1.0, 0.0, 1.0]})
    with pytest.raises(ValueError, match="0/1"):
        weighted_cox(data, "t", "e", "x")
    with pytest.raises(ValueError, match="> 0"):
        weighted_cox(data.assign(x=[0, 1, 1]), "t", "e", "x", weights="w")
    with pytest.raises(ValueError, match="no events"):
        weighted_cox(data.assign(x=[0, 1, 1], e=0), "t", "e", "x")
    with pytest.raises(ValueError, match="missing"):
        weighted_km(data.assign(t=[1.0, np.nan, 3.0]), "t", "e")
    with pytest.raises(ValueError, match="cluster"):
        weighted_cox(data.assign(x=[0, 1, 1], c=["a", None, "b"]), "t", "e", "x", cluster="c")
    with pytest.raises(ValueError, match="ties"):
        weighted_cox(data.assign(x=[0, 1, 1]), "t", "e", "x", ties="exact")


def test_no_events_in_one_group_warns_as_r_does():
    # R 4.2 / survival 3.5-3 on these data: "Ran out of iterations and did not converge",
    # coef -21.37 after 20 iterations, loglik -4.094345 at 0 and -1.791759 (= -log 6) at the end.
    data = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 0, 0, 1, 0], "x": [0, 0, 1, 1, 0, 1]})
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        result = weighted_cox(data, "t", "e", "x")
    assert result.log_hr == pytest.approx(-21.36982, rel=1e-5)
    assert result.ci_high == math.inf or result.ci_high > 1e300
    assert not result.converged


def test_no_warnings_on_ordinary_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weighted_cox(GBSG[0], "rfstime", "status", "hormon", weights="w")
        weighted_km(GBSG[0], "rfstime", "status", "w", group="hormon")
