"""Bootstrap: chunking cannot change results, failures are counted, the interval covers the truth."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from myoild.bootstrap import (
    CHUNK_COLUMNS,
    Resampler,
    _distinct_rows,
    bootstrap_chunk,
    bootstrap_summary,
    replicate_counts,
    with_bootstrap_rows,
)
from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.design import PAPER
from myoild.stats import (
    GroupedRmst,
    TwoGroupCox,
    balancing_weights,
    design_matrix,
    fit_cox,
    logistic_regression,
    restricted_mean,
)
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder
from myoild.weighting import WeightingOptions

OPTIONS = WeightingOptions(
    covariates=("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
)
MAIN = ["tacrolimus_vs_conventional"]


@pytest.fixture(scope="module")
def built_in(tmp_path_factory):
    folder = tmp_path_factory.mktemp("built_in")
    write_cohort(generate_cohort(), folder)
    analysis_set = derive_cohort(validate_folder(folder).tables).analysis_set
    parameters = json.loads((folder / "truth" / "parameters.json").read_text())
    return analysis_set, parameters


def run(analysis_set, replicates, **kwargs):
    return bootstrap_chunk(analysis_set, MAIN, ["death", "relapse"], OPTIONS, replicates=replicates, seed=11, **kwargs)


@pytest.mark.parametrize("chunk_size", [1, 7, 2000])
def test_chunk_size_does_not_change_a_replicate(built_in, chunk_size):
    analysis_set, _ = built_in
    total = 14
    whole = run(analysis_set, range(total))
    pieces = pd.concat(
        [run(analysis_set, range(first, min(first + chunk_size, total))) for first in range(0, total, chunk_size)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(pieces, whole)
    reversed_order = pd.concat([run(analysis_set, range(i, i + 1)) for i in reversed(range(total))])
    pd.testing.assert_frame_equal(reversed_order.sort_values(["replicate", "endpoint"]).reset_index(drop=True), whole)


def test_stratified_resample_keeps_group_sizes_and_differs_between_replicates():
    treated = np.array([1] * 5 + [0] * 9)
    first = replicate_counts(treated, 3, 0, 0, "treatment")
    assert first[treated == 1].sum() == 5 and first[treated == 0].sum() == 9
    assert not np.array_equal(first, replicate_counts(treated, 3, 0, 1, "treatment"))
    assert np.array_equal(first, replicate_counts(treated, 3, 0, 0, "treatment"))
    pooled = replicate_counts(treated, 3, 0, 0, "none")
    assert pooled.sum() == 14


def test_a_replicate_is_the_procedure_refitted_on_resampled_rows(built_in):
    """Replicate 0 equals an independent refit on the explicitly resampled patients."""
    analysis_set, _ = built_in
    estimate = run(analysis_set, range(1)).set_index("endpoint")["log_hr"]
    patients = analysis_set[analysis_set["included"] & (analysis_set["cohort"] == "retrospective")]
    patients = patients.sort_values("patient_id").reset_index(drop=True)
    treated = (patients["group"] == "tacrolimus").to_numpy().astype(int)
    counts = replicate_counts(treated, 11, 0, 0, "treatment")
    sample = patients.loc[np.repeat(np.arange(len(patients)), counts)]
    design = pd.get_dummies(sample[["sex", "diagnosis"]], drop_first=True, dtype=float)
    x = np.column_stack(
        [
            sample[["age_years", "initial_pred_mg_day"]].to_numpy(float),
            design.to_numpy(),
            sample[["plasma_exchange", "ivig"]].to_numpy(float),
        ]
    )
    ps = logistic_regression(x, treated[np.repeat(np.arange(len(patients)), counts)]).fitted
    y = (sample["group"] == "tacrolimus").to_numpy().astype(int)
    weight = balancing_weights(ps, y)
    for endpoint in ("death", "relapse"):
        cox = fit_cox(
            sample[f"{endpoint}_time_days"].to_numpy(float),
            sample[f"{endpoint}_event"].to_numpy(float),
            y.astype(float),
            weight,
            robust=False,
        )
        assert estimate[endpoint] == pytest.approx(cox.coef[0], rel=1e-10)


def test_replicates_with_every_weighting_option_are_refits_on_resampled_rows(built_in):
    """Stabilised, truncated weights on an unstratified resample: the counts-based replicate
    equals the procedure on the duplicated rows (the group shares and percentiles included)."""
    analysis_set, _ = built_in
    options = WeightingOptions(covariates=OPTIONS.covariates, stabilized=True, truncate_percentiles=(2.0, 97.0))
    chunk = bootstrap_chunk(
        analysis_set, MAIN, ["relapse"], options, replicates=range(3, 5), seed=5, stratify="none", ties="breslow"
    )
    patients = contrast_patients(analysis_set, MAIN[0])
    design = design_matrix(patients, list(OPTIONS.covariates)).values
    treated = patients["treated"].to_numpy()
    for replicate, estimate in zip(chunk["replicate"], chunk["log_hr"]):
        rows = np.repeat(np.arange(len(patients)), replicate_counts(treated, 5, 0, replicate, "none"))
        ps = logistic_regression(design[rows], treated[rows]).fitted
        weight = balancing_weights(ps, treated[rows], stabilized=True, truncate=(2.0, 97.0))
        cox = fit_cox(
            patients["relapse_time_days"].to_numpy(float)[rows],
            patients["relapse_event"].to_numpy(float)[rows],
            treated[rows],
            weight,
            ties="breslow",
            robust=False,
        )
        assert estimate == pytest.approx(cox.coef[0], rel=1e-10)


def test_failed_replicates_are_counted_and_reported(built_in):
    analysis_set, _ = built_in
    data = analysis_set.copy()
    # Only one tacrolimus patient dies: many resamples of the tacrolimus group hold no death.
    tacrolimus = (data["group"] == "tacrolimus") & (data["cohort"] == "retrospective")
    deaths = data.index[tacrolimus & (data["death_event"] == 1)]
    data.loc[deaths[1:], "death_event"] = 0
    chunk = run(data, range(40))
    death = chunk[chunk["endpoint"] == "death"]
    failed = (death["status"] == "no_event_in_a_group").sum()
    assert 0 < failed < 40
    assert death.loc[death["status"] != "ok", "log_hr"].isna().all()
    models = pd.DataFrame(
        {"contrast": MAIN * 2, "endpoint": ["death", "relapse"], "model": ["cox_iptw"] * 2, "hr": [0.5, 0.6]}
    )
    summary = bootstrap_summary(chunk, models, seed=11, max_failed_fraction=1.0).set_index("endpoint")
    assert summary.at["death", "replicates"] == 40
    assert summary.at["death", "replicates_failed"] == failed
    assert summary.at["death", "failure_reasons"] == f"no_event_in_a_group={failed}"
    ok = np.exp(death.loc[death["status"] == "ok", "log_hr"])
    assert summary.at["death", "ci_low"] == pytest.approx(np.quantile(ok, 0.025))
    assert summary.at["death", "note"] == ""


def test_interval_left_empty_when_too_many_replicates_fail(built_in):
    """More than max_failed_fraction failed: the survivors are a biased subset, so no interval,
    and a note with the counts by reason; under the threshold the interval stays."""
    analysis_set, _ = built_in
    data = analysis_set.copy()
    tacrolimus = (data["group"] == "tacrolimus") & (data["cohort"] == "retrospective")
    deaths = data.index[tacrolimus & (data["death_event"] == 1)]
    data.loc[deaths[1:], "death_event"] = 0
    chunk = run(data, range(40))
    failed = ((chunk["endpoint"] == "death") & (chunk["status"] != "ok")).sum()
    models = pd.DataFrame(
        {"contrast": MAIN * 2, "endpoint": ["death", "relapse"], "model": ["cox_iptw"] * 2, "hr": [0.5, 0.6]}
    )
    summary = bootstrap_summary(chunk, models, seed=11, max_failed_fraction=0.05).set_index("endpoint")
    assert np.isnan(summary.at["death", "ci_low"]) and np.isnan(summary.at["death", "ci_high"])
    assert summary.at["death", "note"] == (
        f"not estimable: {failed} of 40 replicates failed (no_event_in_a_group={failed}), more than 0.05; "
        "the replicates that succeeded are a biased subset"
    )
    assert summary.at["relapse", "ci_low"] < summary.at["relapse", "ci_high"]
    assert summary.at["relapse", "note"] == ""
    just_under = bootstrap_summary(chunk, models, seed=11, max_failed_fraction=failed / 40).set_index("endpoint")
    assert np.isfinite(just_under.at["death", "ci_low"])


def test_percentile_interval_covers_the_generating_hazard_ratio(built_in):
    analysis_set, parameters = built_in
    chunk = run(analysis_set, range(300))
    models = pd.DataFrame(
        {"contrast": MAIN * 2, "endpoint": ["death", "relapse"], "model": ["cox_iptw"] * 2, "hr": [np.nan] * 2}
    )
    summary = bootstrap_summary(chunk, models, seed=11).set_index("endpoint")
    for endpoint in ("death", "relapse"):
        true_hr = np.exp(parameters["retrospective"][endpoint]["log_hr_treatment"])
        assert summary.at[endpoint, "ci_low"] < true_hr < summary.at[endpoint, "ci_high"], endpoint


def test_bootstrap_rows_follow_their_iptw_rows():
    models = pd.DataFrame(
        {
            "contrast": MAIN * 2,
            "endpoint": ["death", "death"],
            "model": ["cox_iptw", "cox_unadjusted"],
            "hr": [0.3, 0.4],
            "ci_low": [0.1, 0.2],
            "ci_high": [0.7, 0.8],
            "se_log_hr": [0.4, 0.4],
            "p_value": [0.01, 0.02],
            "ci_method": ["robust", "model"],
            "logrank_p": [0.01, 0.02],
            "note": ["", ""],
        }
    )
    summary = pd.DataFrame({"contrast": MAIN, "endpoint": ["death"], "ci_low": [0.09], "ci_high": [0.62], "note": [""]})
    out = with_bootstrap_rows(models, summary)
    assert list(out["ci_method"]) == ["robust", "bootstrap_percentile", "model"]
    assert out.loc[1, "hr"] == 0.3 and out.loc[1, "ci_low"] == 0.09 and np.isnan(out.loc[1, "p_value"])


def test_a_contrasts_resampling_stream_is_fixed_by_its_name(built_in):
    """The paper's four contrasts keep their streams 0-3 whatever the comparators configured, so
    dropping or reordering one leaves the others' replicates as they were."""
    from myoild.bootstrap import contrast_stream

    assert [contrast_stream(c) for c in PAPER.retrospective_contrasts] == [0, 1, 2, 3]
    assert contrast_stream("tacrolimus_vs_azathioprine") == 3
    assert contrast_stream("mycophenolate_vs_conventional") == 0
    streams = [contrast_stream(f"ciclosporin_vs_{drug}") for drug in ("tacrolimus", "mycophenolate", "tripterygium")]
    assert len(set(streams)) == 3 and min(streams) > 3
    analysis_set, _ = built_in
    last = ["tacrolimus_vs_azathioprine"]
    alone = bootstrap_chunk(analysis_set, last, ["death"], OPTIONS, replicates=range(2), seed=3)
    together = bootstrap_chunk(analysis_set, list(PAPER.retrospective_contrasts), ["death"], OPTIONS, replicates=range(2), seed=3)
    pd.testing.assert_frame_equal(
        alone.reset_index(drop=True),
        together[together["contrast"] == "tacrolimus_vs_azathioprine"].reset_index(drop=True),
    )


# --- what the fast replicate must keep: the stream, the values, the fits on duplicated rows ---------


@pytest.mark.parametrize("stratify", ["treatment", "none"])
def test_resampling_stream_is_one_multinomial_draw_per_group_in_patient_order(stratify):
    """The resample of replicate i of stream c: numpy's multinomial from SeedSequence(seed,
    spawn_key=(c, i)), treated patients first, then controls (or all at once), each draw given
    to the group's patients in their order; written out here without the package."""
    treated = np.random.default_rng(1).integers(0, 2, 40)
    rng = np.random.default_rng(np.random.SeedSequence(9, spawn_key=(2, 5)))
    groups = [treated == 1, treated == 0] if stratify == "treatment" else [np.ones(40, bool)]
    expected = np.zeros(40, dtype=np.int64)
    for rows in groups:
        expected[rows] = rng.multinomial(rows.sum(), np.full(rows.sum(), 1.0 / rows.sum()))
    drawn = Resampler(treated, stratify).counts(9, 2, 5)
    assert drawn.dtype == float and np.array_equal(drawn, expected)
    assert np.array_equal(replicate_counts(treated, 9, 2, 5, stratify), expected)


def test_distinct_rows_number_equal_rows_alike_in_order_of_first_appearance():
    rows = np.random.default_rng(2).integers(0, 3, (300, 4)).astype(float)
    rows[:, 1] /= 7.0  # not whole numbers
    codes, first = _distinct_rows(rows)
    distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
    assert codes.max() + 1 == len(distinct) == len(first)
    same = inverse.ravel()[:, None] == inverse.ravel()[None, :]
    assert np.array_equal(codes[:, None] == codes[None, :], same)  # equal rows, equal codes
    assert np.array_equal(codes[first], np.arange(len(first)))  # first rows numbered 0, 1, ...
    assert all(codes[: first[k]].max(initial=-1) < k for k in range(len(first)))  # ...at first sight
    assert np.array_equal(rows[first][codes], rows)


@pytest.mark.parametrize("strata", [None, "site"])
def test_cox_and_rmst_of_shared_tables_equal_their_own_fits(strata):
    """A replicate tabulates the counts and weights x counts once per endpoint; the Cox model
    and each arm's RMST from those tables are ``fit(weights, counts)`` and ``rmst(weights,
    counts)`` (the unweighted RMST exactly: sums of whole numbers)."""
    rng = np.random.default_rng(4)
    n = 300
    time = rng.integers(1, 60, n).astype(float)
    event = (rng.random(n) < 0.4).astype(float)
    treated = rng.integers(0, 2, n)
    labels = rng.integers(0, 3, n) if strata else None
    weight, counts = rng.uniform(0.5, 4, n), rng.poisson(1.0, n).astype(float)
    cox = TwoGroupCox(time, event, treated, strata=labels)
    rmst = GroupedRmst(time, event, 45, treated)
    rows, totals = cox.tabulate(counts), cox.tabulate(weight * counts)
    shared = cox.fit_tables(totals, rows, ties="efron")
    own = cox.fit(weight, counts, ties="efron", robust=False)
    assert shared.coef[0] == own.coef[0] and shared.var[0, 0] == own.var[0, 0] and shared.loglik == own.loglik
    np.testing.assert_allclose(rmst.rmst_of_table(cox.by_time(totals)), rmst.rmst(weight, counts), rtol=1e-14)
    assert np.array_equal(rmst.rmst_of_table(cox.by_time(rows)), rmst.rmst(None, counts))


def test_replicate_rmsts_and_hazard_ratio_are_those_of_the_duplicated_rows(built_in):
    """The whole replicate (propensity model on the distinct rows, stabilised truncated weights,
    Cox model stratified by sex, RMSTs from the Cox model's tables) against the procedure run on
    the duplicated patients with the plain functions."""
    analysis_set, _ = built_in
    options = WeightingOptions(covariates=OPTIONS.covariates, stabilized=True, truncate_percentiles=(1.0, 99.0))
    chunk = bootstrap_chunk(
        analysis_set, MAIN, ["death", "relapse"], options, replicates=range(2, 3), seed=7, strata=("sex",)
    ).set_index("endpoint")
    patients = contrast_patients(analysis_set, MAIN[0])
    treated = patients["treated"].to_numpy()
    rows = np.repeat(np.arange(len(patients)), replicate_counts(treated, 7, 0, 2, "treatment"))
    sample = patients.take(rows).reset_index(drop=True)
    ps = logistic_regression(design_matrix(patients, list(OPTIONS.covariates)).values[rows], treated[rows]).fitted
    sample["w"] = balancing_weights(ps, treated[rows], stabilized=True, truncate=(1.0, 99.0))
    for endpoint in ("death", "relapse"):
        time, event = f"{endpoint}_time_days", f"{endpoint}_event"
        cox = fit_cox(
            sample[time].to_numpy(float),
            sample[event].to_numpy(float),
            sample["treated"],
            sample["w"],
            robust=False,
            strata=sample["sex"].to_numpy(),
        )
        assert chunk.at[endpoint, "log_hr"] == pytest.approx(cox.coef[0], rel=1e-10)
        for weights, kind in (("w", "weighted"), (None, "unweighted")):
            reference = restricted_mean(sample, time, event, weights, group="treated", horizon=PAPER.followup_days)
            reference = reference.set_index("treated")["rmst"]
            for arm, level in (("treated", 1), ("control", 0)):
                assert chunk.at[endpoint, f"rmst_{arm}_{kind}"] == pytest.approx(reference[level], rel=1e-12)


#: Chunk rows of the code before the replicate was computed from distinct rows and shared tables
#: (commit 26fcf43): built-in cohort, seed 11, stabilised weights truncated at 1/99 %, Cox
#: stratified by sex; contrasts tacrolimus_vs_<second column>.
BEFORE = """\
0,conventional,death,-1.0843620355386905,ok,354.0965488448972,324.14911001180553,354.40095628964843,325.8754634470958
0,conventional,relapse,-0.3574211120751229,ok,260.94841386434945,224.33137939933513,258.9123225329878,230.11991083376859
1,conventional,death,-1.532704578357665,ok,355.75308467822316,328.40321716894584,351.6234087257447,332.309008066251
1,conventional,relapse,-0.7199040949547235,ok,297.0440154130243,226.28473602976,298.32168809887503,228.55189964956463
0,azathioprine,death,,no_event_in_a_group,340.2276563408053,365.0,341.22764544863367,365.0
0,azathioprine,relapse,-1.2172407395973406,ok,291.1027508313607,203.11308158367927,285.00165945200985,201.46666666666664
1,azathioprine,death,-0.22974621838316467,ok,350.894275094902,362.0374228335337,350.08394015622923,361.8666666666667
1,azathioprine,relapse,-0.6504166989714497,ok,267.1905767295385,227.37396692690652,264.6038861091406,222.33333333333337
"""


def test_chunk_keeps_the_values_of_the_code_before_it_was_sped_up(built_in):
    """Same resamples, statuses and unweighted RMSTs (sums of whole numbers); log HRs and weighted
    RMSTs to 1e-12 (the propensity model sums over distinct rows, in another order)."""
    analysis_set, _ = built_in
    options = WeightingOptions(covariates=OPTIONS.covariates, stabilized=True, truncate_percentiles=(1.0, 99.0))
    contrasts = ["tacrolimus_vs_conventional", "tacrolimus_vs_azathioprine"]
    chunk = bootstrap_chunk(
        analysis_set, contrasts, ["death", "relapse"], options, replicates=range(2), seed=11, strata=("sex",)
    )
    before = pd.read_csv(io.StringIO(BEFORE), names=CHUNK_COLUMNS, float_precision="round_trip")
    before["contrast"] = "tacrolimus_vs_" + before["contrast"]
    exact = ["replicate", "contrast", "endpoint", "status", "rmst_treated_unweighted", "rmst_control_unweighted"]
    pd.testing.assert_frame_equal(chunk[exact], before[exact], check_exact=True)
    close = ["log_hr", "rmst_treated_weighted", "rmst_control_weighted"]
    pd.testing.assert_frame_equal(chunk[close], before[close], check_exact=False, rtol=1e-12, atol=0)
