"""One propensity model serves every estimand and truncation of its patients (issue 13, section 6).

The sensitivity grid fits the contrast's propensity model once on all its patients and once on
the trimmed ones (it fitted one model per cell before: 13 fits of a million patients), and codes the
covariates for balance once per model. Each piece gives what the whole computation it replaces gives.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from myoild import weighting
from myoild.contrasts import contrast_patients
from myoild.derive import derive_cohort
from myoild.design import PAPER
from myoild.sensitivity import sensitivity_grid
from myoild.stats import balance_table, propensity_weights
from myoild.stats.balance import CovariateBalance
from myoild.stats.propensity import ESTIMANDS, propensity_scores, score_weights
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder
from myoild.weighting import WeightingOptions, contrast_weights, fitted_weights, propensity_fit

OPTIONS = WeightingOptions(covariates=PAPER.covariates)


@pytest.fixture(scope="module")
def analysis_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    write_cohort(generate_cohort(), folder, "parquet")
    return derive_cohort(validate_folder(folder).tables).analysis_set


@pytest.mark.parametrize("estimand", ESTIMANDS)
@pytest.mark.parametrize("truncate", [None, (5.0, 95.0)])
def test_weights_of_fitted_scores_equal_propensity_weights(analysis_set, estimand, truncate):
    patients = contrast_patients(analysis_set, "tacrolimus_vs_azathioprine").dropna(subset=list(PAPER.covariates))
    covariates = list(PAPER.covariates)
    with warnings.catch_warnings(record=True) as expected_warnings:
        warnings.simplefilter("always")
        expected = propensity_weights(patients, "treated", covariates, estimand, truncate=truncate)
    ps = propensity_scores(patients, "treated", covariates)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        weight = score_weights(ps, patients["treated"].to_numpy(), estimand, truncate=truncate)
    np.testing.assert_array_equal(ps, expected["ps"].to_numpy())
    np.testing.assert_array_equal(weight, expected["weight"].to_numpy())
    assert [str(item.message) for item in caught] == [str(item.message) for item in expected_warnings]
    assert caught  # 17 scores of this contrast lie outside [0.01, 0.99]


def test_balance_of_coded_covariates_equals_balance_table(analysis_set):
    patients = contrast_patients(analysis_set, "tacrolimus_vs_conventional").dropna(subset=list(PAPER.covariates))
    weight = np.linspace(0.5, 3.0, len(patients))
    balance = CovariateBalance(patients, "treated", list(PAPER.covariates))
    for sd in ("weighted", "unweighted"):
        expected = balance_table(patients.assign(w=weight), "treated", list(PAPER.covariates), "w", sd_denominator=sd)
        pd.testing.assert_frame_equal(balance.table(weight, sd_denominator=sd), expected)
    pd.testing.assert_frame_equal(balance.table(), balance_table(patients, "treated", list(PAPER.covariates)))


def test_one_fit_serves_every_estimand(analysis_set):
    fit = propensity_fit(analysis_set, "tacrolimus_vs_methotrexate", PAPER.covariates)
    for estimand in ESTIMANDS:
        options = WeightingOptions(covariates=PAPER.covariates, estimand=estimand, truncate_percentiles=(1.0, 99.0))
        shared, alone = fitted_weights(fit, "tacrolimus_vs_methotrexate", options), contrast_weights(
            analysis_set, "tacrolimus_vs_methotrexate", options
        )
        pd.testing.assert_frame_equal(shared.weights, alone.weights)
        pd.testing.assert_frame_equal(shared.balance, alone.balance)
        assert shared.diagnostics == alone.diagnostics


def test_the_grid_fits_two_propensity_models(analysis_set, monkeypatch):
    """All patients' model (which also chooses the trimmed patients) and the trimmed patients'."""
    fits = []
    fit_once = weighting.propensity_scores

    def counted(df, treatment, covariates):
        fits.append(len(df))
        return fit_once(df, treatment, covariates)

    monkeypatch.setattr(weighting, "propensity_scores", counted)
    grid = sensitivity_grid(analysis_set, PAPER.main_contrast, ["death"], OPTIONS)
    assert len(fits) == 2 and fits[1] <= fits[0]
    assert grid["hr"].notna().sum() == len(grid) == 24
