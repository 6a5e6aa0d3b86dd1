"""Sensitivity of the IPTW Cox analysis to the estimand, to extreme weights and to the ties method.

For one contrast and each endpoint, a grid of cells estimand x weights x ties:

- estimand: ``ATE``, ``ATT``, ``overlap`` (weights as in ``myoild.stats.propensity``). The ATE
  weights are stabilised when the options say so; ``options.stabilized`` is ignored for ATT and
  overlap (stabilised weights are defined for the ATE only), and ``options.truncate_percentiles``
  is ignored throughout (the weights axis sets the truncation);
- weights: ``none``, the estimand's weights as they are; ``truncate_1_99`` and ``truncate_5_95``,
  the weights clipped at their 1st and 99th (5th and 95th) percentiles over all the contrast's
  patients, R's ``quantile`` type 7 (``balancing_weights(truncate=...)``); ``trim_0.1_0.9``, the
  patients whose propensity score (the contrast's model fitted on all its patients) lies outside
  [0.1, 0.9] dropped, the propensity model refitted on the rest and the estimand's weights taken
  from the refit (Crump, Hotz, Imbens & Mitnik 2009, Biometrika 96:187);
- ties: ``efron``, ``breslow``.

Each cell is R's ``coxph(Surv(t, e) ~ treated, weights = w, robust = TRUE, ties = ties)``
(``weighted_cox``, through ``myoild.cox_rows.cox_fields`` as the pipeline's rows), with Kish's effective sample size per group and the largest absolute
standardised mean difference after weighting (``balance_table``, Austin & Stuart 2015) of the
weights used. Patients missing a covariate are left out, as ``contrast_weights`` does.

A cell that is not estimable has no hazard ratio, CI, SE or p-value (NaN) and a ``note`` saying
why (``myoild.cox_rows``' wording); ``n`` stays the number of patients in the cell:

- ``not estimable: no patients in <arm>`` (e.g. after trimming; ``contrast_weights``): no weights,
  so no ESS or SMD either;
- ``not estimable: the propensity model separates the groups``, some fitted score numerically 0
  or 1 (R ``glm.fit``'s warning rule, within ``10 * .Machine$double.eps``): its weights mean
  nothing, so no ESS or SMD either;
- the Cox model's reasons (``cox_fields``): no events in an arm, no finite maximum, no convergence,
  a degenerate variance; ESS and SMD of the (sound) weights stay.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from myoild.contrasts import contrast_cohort
from myoild.cox_rows import ESTIMATE_FIELDS, endpoint_fields
from myoild.stats.cox import TIES
from myoild.stats.propensity import ESTIMANDS
from myoild.weighting import ContrastWeights, PropensityFit, WeightingOptions, fitted_weights, propensity_fit

#: The weights axis: percentiles of the truncations (None: the weights as they are), then trimming.
TRUNCATIONS = {"none": None, "truncate_1_99": (1.0, 99.0), "truncate_5_95": (5.0, 95.0)}
TRIM = "trim_0.1_0.9"
TRIM_BOUNDS = (0.1, 0.9)
WEIGHTINGS = (*TRUNCATIONS, TRIM)
#: R glm.fit: "fitted probabilities numerically 0 or 1 occurred" below this or above 1 minus it.
SEPARATION_EPS = 10 * np.finfo(float).eps

GRID_COLUMNS = [
    "cohort",
    "contrast",
    "endpoint",
    "estimand",
    "weights",
    "ties",
    "n",
    "hr",
    "ci_low",
    "ci_high",
    "se_log_hr",
    "p_value",
    "ess_treated",
    "ess_control",
    "max_abs_smd_after",
    "note",
]
WEIGHT_FIGURES = ("ess_treated", "ess_control", "max_abs_smd_after")
SEPARATED = "not estimable: the propensity model separates the groups (fitted scores numerically 0 or 1)"


def cell_weights(analysis_set: pd.DataFrame, contrast: str, options: WeightingOptions) -> tuple[ContrastWeights, str]:
    """``contrast_weights`` of the contrast's patients in ``analysis_set`` (all of them, or a
    subset: trimmed, or at a landmark) and a note (``fitted_cell_weights``)."""
    return fitted_cell_weights(propensity_fit(analysis_set, contrast, options.covariates), contrast, options)


def fitted_cell_weights(fit: PropensityFit, contrast: str, options: WeightingOptions) -> tuple[ContrastWeights, str]:
    """``fitted_weights`` of a contrast's propensity ``fit`` and a note, empty unless its weights
    mean nothing: an arm without patients (the weights are then empty), or a propensity model
    that separates."""
    fitted = fitted_weights(fit, contrast, options)
    if fitted.diagnostics["not_estimable"]:
        return fitted, fitted.diagnostics["not_estimable"]
    ps = fitted.weights["ps"].to_numpy()
    if ps.min() < SEPARATION_EPS or ps.max() > 1 - SEPARATION_EPS:
        return fitted, SEPARATED
    return fitted, ""


def modelled_count(fitted: ContrastWeights) -> int:
    """The patients ``contrast_weights`` modelled (those with every covariate), weighted or not."""
    return fitted.diagnostics["n_treated"] + fitted.diagnostics["n_control"]


def _estimand_options(options: WeightingOptions, estimand: str, truncate) -> WeightingOptions:
    """``options`` for one cell: its estimand and truncation, stabilised for the ATE only."""
    stabilized = options.stabilized and estimand == "ATE"
    return replace(options, estimand=estimand, stabilized=stabilized, truncate_percentiles=truncate)


def _trimmed_set(analysis_set: pd.DataFrame, fit: PropensityFit) -> pd.DataFrame:
    """The rows of ``analysis_set`` whose propensity score, from the contrast's model on all its
    patients with every covariate (``fit``), lies within ``TRIM_BOUNDS``."""
    if fit.ps is None:
        return analysis_set.iloc[:0]
    low, high = TRIM_BOUNDS
    # The analysis set's rows of the patients kept (the contrast's own columns left behind), as
    # the landmark set is taken: no lookup of their ids in the whole analysis set.
    return fit.modelled.loc[(fit.ps >= low) & (fit.ps <= high), list(analysis_set.columns)]


def _weighted_cells(analysis_set: pd.DataFrame, contrast: str, options: WeightingOptions) -> dict:
    """(estimand, weights) -> (the propensity fit of the cell's patients, its ``cell_weights``); the
    model fitted once on all the contrast's patients and once on the trimmed."""
    whole = propensity_fit(analysis_set, contrast, options.covariates)
    fits = {False: whole, True: propensity_fit(_trimmed_set(analysis_set, whole), contrast, options.covariates)}
    cells = {}
    for estimand in ESTIMANDS:
        for weighting in WEIGHTINGS:
            fit = fits[weighting == TRIM]
            cell_options = _estimand_options(options, estimand, TRUNCATIONS.get(weighting))
            cells[estimand, weighting] = (fit, *fitted_cell_weights(fit, contrast, cell_options))
    return cells


def _weighted_patients(fit: PropensityFit, fitted: ContrastWeights, weights_note: str) -> pd.DataFrame | None:
    """A cell's weighted patients (``myoild.survival.analysis_data``'s rows: the patients the
    model weighted, in order, with their weights), or None when its weights cannot be used."""
    return None if weights_note else fit.modelled.assign(weight=fitted.weights["weight"].to_numpy())


def _cell_numbers(data, contrast, endpoint, ties, fitted: ContrastWeights, weights_note: str, strata=()) -> dict:
    """A cell's numbers and note (module docstring), from its weighted patients ``data``."""
    if weights_note:
        numbers = dict.fromkeys((*ESTIMATE_FIELDS, *WEIGHT_FIGURES), math.nan)
        return numbers | {"n": modelled_count(fitted), "note": weights_note}
    fields = endpoint_fields(data, contrast, endpoint, "weight", ties, strata)
    return (
        {name: fields[name] for name in ESTIMATE_FIELDS}
        | {name: fitted.diagnostics[name] for name in WEIGHT_FIGURES}
        | {"n": modelled_count(fitted), "note": fields["note"]}
    )


def sensitivity_grid(
    analysis_set: pd.DataFrame,
    contrast: str,
    endpoints: list[str],
    options: WeightingOptions,
    strata: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The sensitivity grid of ``contrast`` (module docstring): one row per endpoint x estimand x
    weights x ties, in that order, with the columns ``GRID_COLUMNS``; Cox models stratified by
    ``strata`` as the main analysis."""
    cells = _weighted_cells(analysis_set, contrast, options)
    numbers = {}
    # One cell's weighted patients at a time (a copy of the contrast's patients each: at a million
    # patients, twelve of them held together took gigabytes), used for every endpoint and ties.
    for cell, (fit, fitted, weights_note) in cells.items():
        data = _weighted_patients(fit, fitted, weights_note)
        for endpoint in endpoints:
            for ties in TIES:
                numbers[endpoint, cell, ties] = _cell_numbers(
                    data, contrast, endpoint, ties, fitted, weights_note, strata
                )
        del data
    rows = [
        {
            "cohort": contrast_cohort(contrast),
            "contrast": contrast,
            "endpoint": endpoint,
            "estimand": estimand,
            "weights": weighting,
            "ties": ties,
            **numbers[endpoint, (estimand, weighting), ties],
        }
        for endpoint in endpoints
        for estimand, weighting in cells
        for ties in TIES
    ]
    return pd.DataFrame(rows, columns=GRID_COLUMNS)
