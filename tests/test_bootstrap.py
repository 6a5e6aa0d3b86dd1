"""Bootstrap: chunking cannot change results, failures are counted, the interval covers the truth."""

import json

import numpy as np
import pandas as pd
import pytest

from myoild.bootstrap import (
    bootstrap_chunk,
    bootstrap_summary,
    replicate_counts,
    with_bootstrap_rows,
)
from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.design import PAPER
from myoild.stats import balancing_weights, design_matrix, fit_cox, logistic_regression
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
