"""Competing risks in myoild.stats (Aalen-Johansen cumulative incidence, Fine-Gray with case
weights, the counting-process Cox model under it) against R, and the cumulative incidence figure.

Reference values: R 4.2 + survival 3.5-3, made by tests/reference/competing/make_reference.R
on the data saved beside it (builtin: the built-in cohort with ATE weights; ties: whole-day times
1..10; no_relapse: no relapse among the treated, events and censoring at day 0). The code agrees
with R to about 1e-13; the tests hold 1e-8.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myoild.figures.competing import plot_cumulative_incidence
from myoild.stats import (
    cumulative_incidence,
    fine_gray,
    fine_gray_data,
    fit_cox,
    fit_cox_counting,
)
from myoild.stats.fine_gray_rows import expand, finegray_rows, fit_fine_gray_rows

REFERENCE = Path(__file__).parent / "reference" / "competing"
R = json.loads((REFERENCE / "reference.json").read_text())
CAUSES = R["meta"]["causes"]  # status codes 1, 2
DATA = {name: pd.read_csv(REFERENCE / f"{name}.csv") for name in ("builtin", "ties", "no_relapse")}
RTOL = 1e-8


def close(actual, expected, rtol=RTOL):
    """Equal to ``rtol`` relative, missing (R's NA) in the same places."""
    expected = np.array([np.nan if value is None else value for value in np.ravel(expected)], float)
    np.testing.assert_allclose(np.ravel(np.asarray(actual, float)), expected, rtol=rtol, atol=0)


CIF_FITS = {  # R fit: (weights, group)
    "weighted": ("weight", "treated"),
    "unweighted": (None, "treated"),
    "weighted_pooled": ("weight", None),
}


@pytest.mark.parametrize("name", DATA)
@pytest.mark.parametrize("fit", CIF_FITS)
def test_cumulative_incidence_matches_r_survfit(name, fit):
    weights, group = CIF_FITS[fit]
    ours = cumulative_incidence(DATA[name], "time_days", "status", weights, group=group, causes=CAUSES)
    r = R[name]["cif"][fit]
    assert r["conf_type"] == "log"
    for level in [0, 1] if group else [None]:
        curve = ours if level is None else ours[ours[group] == level]
        rows = np.array(r["strata"]) == f"treated={level}" if group else np.ones(len(r["time"]), bool)
        times = np.array(r["time"])[rows]
        if times[0] != 0:  # our start row, not in R's summary: nothing has happened yet
            start = curve.iloc[0]
            patients = len(DATA[name]) if level is None else (DATA[name]["treated"] == level).sum()
            assert start["time_days"] == 0 and start["n_risk"] == patients
            for cause in CAUSES:
                assert start[f"cif_{cause}"] == 0 and start[f"cif_{cause}_se"] == 0
                assert np.isnan(start[f"cif_{cause}_low"]) and np.isnan(start[f"cif_{cause}_high"])
            curve = curve.iloc[1:]
        np.testing.assert_array_equal(curve["time_days"], times)
        np.testing.assert_array_equal(curve["n_risk"], np.array(r["n_risk"])[rows])
        for cause in CAUSES:
            for suffix, key in (("", "cif"), ("_se", "se"), ("_low", "lower"), ("_high", "upper")):
                close(curve[f"cif_{cause}{suffix}"], np.array(r[key][cause], dtype=object)[rows])


def test_cumulative_incidence_rows_and_columns():
    data = DATA["no_relapse"]
    table = cumulative_incidence(data, "time_days", "status", "weight", group="treated", causes=CAUSES)
    assert list(table.columns[:3]) == ["treated", "time_days", "n_risk"]
    assert list(table.columns[3:7]) == ["cif_relapse", "cif_relapse_se", "cif_relapse_low", "cif_relapse_high"]
    # Treated: a start row at day 0 (a censoring there is no event), then only deaths, so the
    # relapse curve stays 0 and the death curve is one minus the Kaplan-Meier of death.
    treated = table[table["treated"] == 1]
    assert treated["time_days"].iloc[0] == 0 and treated["n_risk"].iloc[0] == (data["treated"] == 1).sum()
    assert (treated["cif_relapse"] == 0).all() and treated["cif_relapse_low"].isna().all()
    # Control: the death at day 0 makes R's own row the first.
    control = table[table["treated"] == 0]
    assert control["time_days"].iloc[0] == 0 and control["cif_death"].iloc[0] > 0
    # Codes default to cause names "1", "2".
    unnamed = cumulative_incidence(data, "time_days", "status")
    assert list(unnamed.columns[2:4]) == ["cif_1", "cif_1_se"]


FG_FITS = [(name, cause, key) for name in DATA for cause, fits in R[name]["fine_gray"].items() for key in fits]


@pytest.mark.parametrize(("name", "cause", "key"), FG_FITS)
def test_fine_gray_matches_r_finegray_coxph(name, cause, key):
    """Also stratified (``<weighting>_<ties>_stratified``: R ``... ~ treated + strata(stratum)``)."""
    weighted, ties, *stratified = key.split("_")
    ours = fine_gray(
        DATA[name],
        "time_days",
        "status",
        "treated",
        CAUSES.index(cause) + 1,
        "weight" if weighted == "weighted" else None,
        ties=ties,
        strata="stratum" if stratified else None,
    )
    r = R[name]["fine_gray"][cause][key]
    for field, r_key in (
        ("log_hr", "coef"),
        ("se_log_hr", "se"),
        ("naive_se_log_hr", "naive_se"),
        ("hr", "hr"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("p_value", "p"),
        ("logrank_chisq", "robscore"),
        ("logrank_p", "robscore_p"),
        ("score_chisq", "sctest"),
    ):
        assert getattr(ours, field) == pytest.approx(r[r_key], rel=RTOL), field
    assert ours.events == r["nevent"] and ours.n == len(DATA[name])
    assert ours.iterations == r["iter"] and ours.converged
    assert ours.variance == "robust" and ours.logrank_method == "robust_score"


@pytest.mark.parametrize("cause", CAUSES)
def test_fine_gray_data_matches_r_finegray_rows(cause):
    data = DATA["ties"]
    ours = fine_gray_data(data, "time_days", "status", CAUSES.index(cause) + 1, "weight")
    r = R["ties"]["finegray_rows"][cause]
    np.testing.assert_array_equal(data["patient_id"].to_numpy()[ours["row"]], r["patient_id"])
    np.testing.assert_array_equal(ours["fg_start"], r["fgstart"])
    np.testing.assert_array_equal(ours["fg_stop"], r["fgstop"])
    np.testing.assert_array_equal(ours["fg_status"], r["fgstatus"])
    close(ours["fg_weight"], r["fgwt"], rtol=1e-12)


def test_fine_gray_without_events_of_the_cause_in_a_group_is_not_estimable():
    with pytest.raises(ValueError, match=r"no event of cause 1 .* treated == 1: .* not estimable"):
        fine_gray(DATA["no_relapse"], "time_days", "status", "treated", 1, "weight")
    # The cumulative incidence is still there (tested against R above), and so is the other cause.
    assert fine_gray(DATA["no_relapse"], "time_days", "status", "treated", 2, "weight").hr > 0


def test_inputs_are_checked():
    data = DATA["ties"].copy()
    with pytest.raises(ValueError, match="cause must be a cause code"):
        fine_gray(data, "time_days", "status", "treated", 3)
    for bad in (3, -1, 1.5):
        broken = data.assign(status=data["status"].where(data.index != 0, bad))
        with pytest.raises(ValueError, match="must hold 0 \\(censored\\) or a cause code"):
            cumulative_incidence(broken, "time_days", "status", causes=CAUSES)
    with pytest.raises(ValueError, match="Cox weights must be > 0"):
        fine_gray(data.assign(weight=0.0), "time_days", "status", "treated", 1, "weight")
    with pytest.raises(ValueError, match="start < stop"):
        fit_cox_counting(np.array([0.0, 2.0]), np.array([1.0, 2.0]), np.array([1, 0]), np.array([0, 1]))


# ---- the counting-process engine against the right-censored one (itself checked against R) ----
def _ties_arrays():
    data = DATA["ties"]
    time = data["time_days"].to_numpy(float)
    return time, (data["status"] == 1).to_numpy(float), data["treated"].to_numpy(float), data["weight"].to_numpy()


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_counting_process_from_zero_is_the_right_censored_model(ties):
    time, event, x, w = _ties_arrays()
    ours = fit_cox_counting(np.zeros_like(time), time, event, x, w, ties=ties)
    theirs = fit_cox(time, event, x, w, ties=ties)
    close(ours.coef, theirs.coef, rtol=1e-12)
    close(ours.var, theirs.var, rtol=1e-12)
    close(ours.naive_var, theirs.naive_var, rtol=1e-12)
    assert ours.robust_score_test == pytest.approx(theirs.robust_score_test, rel=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_rows_split_in_time_and_clustered_are_the_patient(ties):
    # Every patient's (0, time] split at day 4 (and at an event time) into two rows of one
    # cluster: the risk sets, the fit and the clustered sandwich are those of the whole rows.
    time, event, x, w = _ties_arrays()
    split = time > 4
    start = np.concatenate([np.zeros_like(time), np.full(split.sum(), 4.0)])
    stop = np.concatenate([np.where(split, 4.0, time), time[split]])
    status = np.concatenate([np.where(split, 0.0, event), event[split]])
    patient = np.concatenate([np.arange(time.size), np.flatnonzero(split)])
    ours = fit_cox_counting(start, stop, status, x[patient], w[patient], ties=ties, cluster=patient)
    theirs = fit_cox(time, event, x, w, ties=ties)
    close(ours.coef, theirs.coef, rtol=1e-12)
    close(ours.var, theirs.var, rtol=1e-12)
    assert ours.robust_score_test == pytest.approx(theirs.robust_score_test, rel=1e-12)


# ---- Fine-Gray from finegray's rows described per patient, against the built rows -------------
def _competing_data(scenario: str, seed: int = 11) -> dict:
    """Random patients with many tied times, both groups, case weights and five strata."""
    rng = np.random.default_rng(seed)
    n = 240
    time = rng.integers(1, 31, n).astype(float)
    if scenario == "time_zero":  # finegray then starts every row at -1
        time[rng.choice(n, 12, replace=False)] = 0.0
    if scenario == "near_ties":  # merged by timefix into ties (R's aeqSurv)
        time += rng.choice([0.0, 1e-10], n)
    status = rng.choice(3, n, p=[0.4, 0.35, 0.25])
    stratum = rng.integers(0, 5, n)
    if scenario == "no_competing":
        status[status == 2] = 0
    if scenario == "strata":  # a stratum without competing events, one without relapses
        status[(stratum == 4) & (status == 2)] = 0
        status[(stratum == 3) & (status == 1)] = 2
    return {
        "time": time,
        "status": status,
        "x": rng.integers(0, 2, n).astype(float),
        "weight": rng.uniform(0.3, 3.0, n),
        "strata": stratum * 7 if scenario in ("strata", "time_zero") else None,  # codes with gaps
    }


SCENARIOS = [(scenario, cause) for scenario in ("ties", "strata", "time_zero", "near_ties") for cause in (1, 2)]


@pytest.mark.parametrize(("scenario", "cause"), [*SCENARIOS, ("no_competing", 1)])
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_fine_gray_fit_without_the_rows_equals_cox_counting_on_the_rows(scenario, cause, ties):
    """The totals and per-patient residual sums formed from the description give
    ``fit_cox_counting`` on the built rows, clustered on the patient (R's coxph on finegray)."""
    data = _competing_data(scenario)
    rows = finegray_rows(data["time"], data["status"], cause)
    ours = fit_fine_gray_rows(rows, data["x"], data["weight"], data["strata"], ties=ties)
    row, start, stop, status, weight = expand(rows)
    strata = None if data["strata"] is None else data["strata"][row]
    built = fit_cox_counting(
        start, stop, status, data["x"][row], weight * data["weight"][row], ties=ties, cluster=row, strata=strata
    )
    for field in ("coef", "var", "naive_var", "loglik", "score_test", "robust_score_test", "wald_test"):
        close(getattr(ours, field), getattr(built, field), rtol=1e-10)
    assert (ours.iterations, ours.converged, ours.robust) == (built.iterations, built.converged, True)
    assert (ours.n, ours.events) == (built.n, built.events) == (row.size, (data["status"] == cause).sum())


def test_fine_gray_strata_of_two_columns_equal_cox_counting_on_fine_gray_data():
    data = _competing_data("time_zero")
    df = pd.DataFrame({name: data[name] for name in ("time", "status", "x", "weight")}).assign(
        site=np.where(data["strata"] < 14, "b", "a"), sex=np.where(data["weight"] > 1, "f", "m")
    )
    ours = fine_gray(df, "time", "status", "x", 1, "weight", strata=["site", "sex"])
    rows = fine_gray_data(df, "time", "status", 1, "weight")
    row = rows["row"].to_numpy()
    labels = (df["site"] + df["sex"]).to_numpy()[row]
    built = fit_cox_counting(
        rows["fg_start"],
        rows["fg_stop"],
        rows["fg_status"],
        data["x"][row],
        rows["fg_weight"],
        cluster=row,
        strata=labels,
    )
    close(ours.log_hr, built.coef[0], rtol=1e-10)
    close(ours.se_log_hr**2, built.var[0, 0], rtol=1e-10)
    close(ours.logrank_chisq, built.robust_score_test, rtol=1e-10)
    assert ours.iterations == built.iterations


def test_fine_gray_never_holds_a_float_per_finegray_row():
    # 10,000 patients, 1,000 distinct days: finegray makes 1.7 million rows. Building them took
    # 214 MB (fit_cox_counting on the rows: every array a float or more per row); the fit from
    # the per-patient description holds about 2 MB, less than one float per row.
    rng = np.random.default_rng(7)
    n = 10_000
    df = pd.DataFrame(
        {
            "time": rng.integers(1, 1001, n).astype(float),
            "status": rng.choice(3, n, p=[0.3, 0.35, 0.35]),
            "treated": rng.integers(0, 2, n),
            "weight": rng.uniform(0.5, 2.0, n),
        }
    )
    n_rows = finegray_rows(df["time"].to_numpy(), df["status"].to_numpy(), 1).n_rows
    assert n_rows > 1_500_000
    tracemalloc.start()
    try:
        fine_gray(df, "time", "status", "treated", 1, "weight")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * n_rows


# ---- the figure ------------------------------------------------------------------------------
def test_cumulative_incidence_figure_writes_png_and_pdf(tmp_path):
    data = DATA["builtin"].assign(group=np.where(DATA["builtin"]["treated"] == 1, "tacrolimus", "conventional"))
    curves = cumulative_incidence(data, "time_days", "status", "weight", group="group", causes=CAUSES)
    paths = plot_cumulative_incidence(curves, tmp_path / "cif", "Relapse and death before relapse")
    assert [path.name for path in paths] == ["cif.png", "cif.pdf"]
    assert all(path.stat().st_size > 1000 for path in paths)
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[1].read_bytes()[:5] == b"%PDF-"
