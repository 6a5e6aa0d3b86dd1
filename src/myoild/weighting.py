"""Inverse-probability-of-treatment weights for each retrospective contrast (paper, Statistical
analysis: propensity score by logistic regression on age, sex, diagnosis, initial prednisolone
dose, plasma exchange and IVIg; weights 1/ps and 1/(1-ps)).

Each contrast refits its own propensity model on its own patients. A patient with a missing
covariate cannot be weighted: they are left out of that contrast's weighted and unweighted
models alike, and counted (``n_missing_covariates`` and their ids) in the diagnostics.

A contrast's weights fail a diagnostic (``failed_diagnostics``, carried into every model row of the
contrast as a warning) when a propensity score lies outside ``[extreme_ps, 1 - extreme_ps]``
(positivity in doubt), when a group's Kish effective sample size falls under
``min_ess_fraction`` of its size (a few patients carry the estimate), or when the largest absolute
standardised mean difference after weighting exceeds ``max_smd_after`` (Austin 2009: 0.1), and
when the propensity model itself did not converge or separates the groups. A contrast with no
patient in one of its groups (after leaving out missing covariates) cannot be weighted: its weights
are empty and ``not_estimable`` says why.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from myoild.contrasts import contrast_groups, contrast_patients
from myoild.design import StudyDesign
from myoild.stats import ConvergenceWarning, kish_ess
from myoild.stats.balance import BALANCE_COLUMNS, CovariateBalance
from myoild.stats.propensity import propensity_scores, score_weights

WEIGHT_COLUMNS = ["patient_id", "treated", "ps", "weight"]
BALANCE_HEADER = ["contrast", *BALANCE_COLUMNS]
#: Numeric diagnostics of a weighted contrast (empty when it cannot be weighted).
DIAGNOSTIC_FIGURES = ("ess_treated", "ess_control", "ps_min", "ps_max", "weight_max", "max_abs_smd_after")


@dataclass(frozen=True)
class WeightingOptions:
    """The propensity model and weighting choices (config key ``propensity``; the covariates are the
    study design's)."""

    covariates: tuple[str, ...]
    estimand: str = "ATE"
    stabilized: bool = False
    truncate_percentiles: tuple[float, float] | None = None
    extreme_ps: float = 0.01
    min_ess_fraction: float = 0.5
    max_smd_after: float = 0.1

    @classmethod
    def from_config(cls, section: dict, design: StudyDesign) -> WeightingOptions:
        """The choices of config ``propensity`` for the covariates of ``design``."""
        truncate = section.get("truncate_percentiles") or None
        return cls(
            covariates=design.covariates,
            estimand=section["estimand"],
            stabilized=bool(section["stabilized"]),
            truncate_percentiles=tuple(truncate) if truncate else None,
            extreme_ps=float(section["extreme_ps"]),
            min_ess_fraction=float(section["min_ess_fraction"]),
            max_smd_after=float(section.get("max_smd_after", 0.1)),
        )


@dataclass(frozen=True)
class ContrastWeights:
    """A contrast's weights (``weights/<contrast>.parquet``), balance rows and diagnostics."""

    weights: pd.DataFrame
    balance: pd.DataFrame
    diagnostics: dict


def failed_diagnostics(weights: pd.DataFrame, max_abs_smd: float, options: WeightingOptions) -> list[str]:
    """The diagnostics a contrast's weights fail (see the module docstring), each as a short
    phrase with its figures, e.g. ``max |SMD| after weighting 0.61 > 0.1``."""
    ps = weights["ps"].to_numpy()
    treated = weights["treated"].to_numpy() == 1
    failed = []
    extreme = int(((ps < options.extreme_ps) | (ps > 1 - options.extreme_ps)).sum())
    if extreme:
        failed.append(f"{extreme} propensity score(s) outside [{options.extreme_ps:g}, {1 - options.extreme_ps:g}]")
    w = weights["weight"].to_numpy()
    for label, rows in (("treated", treated), ("control", ~treated)):
        ess = kish_ess(w[rows])
        if ess < options.min_ess_fraction * rows.sum():
            failed.append(
                f"effective sample size of the {label} group {ess:.1f} of {rows.sum()} "
                f"(under {options.min_ess_fraction:.0%})"
            )
    if max_abs_smd > options.max_smd_after:
        failed.append(f"max |SMD| after weighting {max_abs_smd:.2f} > {options.max_smd_after:g}")
    return failed


def _empty_arm(patients: pd.DataFrame, contrast: str) -> str | None:
    """Why a contrast cannot be weighted for want of patients, or None."""
    if patients.empty:
        return "not estimable: no patients in this contrast"
    for arm in contrast_groups(contrast):
        if not (patients["arm"] == arm).any():
            return f"not estimable: no patients in {arm}"
    return None


@dataclass(frozen=True)
class PropensityFit:
    """A contrast's propensity model: its patients with every covariate (``modelled``), their
    counts (the first diagnostics), why the contrast cannot be weighted (``not_estimable``; then
    no scores), the fitted scores ``ps``, the warnings the fit raised and the groups' covariates
    coded for balance. One fit serves every estimand and truncation of its patients
    (``fitted_weights``)."""

    modelled: pd.DataFrame
    counts: dict
    not_estimable: str
    ps: np.ndarray | None = None
    fit_warnings: tuple[warnings.WarningMessage, ...] = ()
    balance: CovariateBalance | None = None


def propensity_fit(analysis_set: pd.DataFrame, contrast: str, covariates: tuple[str, ...]) -> PropensityFit:
    """Fit the contrast's propensity model on its patients in ``analysis_set`` with every one of
    ``covariates`` (R ``glm(treated ~ covariates, family = binomial)``)."""
    patients = contrast_patients(analysis_set, contrast)
    covariates = list(covariates)
    missing = patients[covariates].isna().any(axis=1)
    modelled = patients[~missing].reset_index(drop=True)
    counts = {
        "contrast": contrast,
        "n_treated": int(modelled["treated"].sum()),
        "n_control": int((modelled["treated"] == 0).sum()),
        "n_missing_covariates": int(missing.sum()),
        "patients_missing_covariates": " ".join(patients.loc[missing, "patient_id"]),
        "missing_by_covariate": " ".join(
            f"{name}={count}" for name, count in patients[covariates].isna().sum().items() if count
        ),
    }
    not_estimable = _empty_arm(modelled, contrast)
    if not_estimable:
        return PropensityFit(modelled, counts, not_estimable)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ps = propensity_scores(modelled, "treated", covariates)
    return PropensityFit(modelled, counts, "", ps, tuple(caught), CovariateBalance(modelled, "treated", covariates))


def fitted_weights(fit: PropensityFit, contrast: str, options: WeightingOptions) -> ContrastWeights:
    """The weights of the ``options``' estimand and truncation from a contrast's propensity
    ``fit``, their balance and diagnostics."""
    diagnostics = dict(fit.counts)
    if fit.not_estimable:
        empty = pd.DataFrame({name: pd.Series(dtype=float) for name in WEIGHT_COLUMNS})
        empty["patient_id"] = empty["patient_id"].astype(object)
        empty["treated"] = empty["treated"].astype("int64")
        diagnostics |= {name: np.nan for name in DIAGNOSTIC_FIGURES} | {
            "warnings": "",
            "failed_diagnostics": "",
            "not_estimable": fit.not_estimable,
        }
        return ContrastWeights(weights=empty, balance=pd.DataFrame(columns=BALANCE_HEADER), diagnostics=diagnostics)
    modelled = fit.modelled
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w = score_weights(
            fit.ps,
            modelled["treated"].to_numpy(),
            options.estimand,
            options.stabilized,
            truncate=options.truncate_percentiles,
            extreme_ps=options.extreme_ps,
            min_ess_fraction=options.min_ess_fraction,
        )
    caught = [*fit.fit_warnings, *caught]
    weights = modelled[["patient_id", "treated"]].assign(ps=fit.ps, weight=w)
    balance = fit.balance.table(w)
    balance.insert(0, "contrast", contrast)
    treated = weights["treated"].to_numpy() == 1
    smd = np.abs(balance["smd_weighted"].to_numpy())
    max_abs_smd = float(smd[~np.isnan(smd)].max(initial=0.0))
    model_problems = sorted({str(item.message) for item in caught if issubclass(item.category, ConvergenceWarning)})
    diagnostics |= {
        "ess_treated": kish_ess(w[treated]),
        "ess_control": kish_ess(w[~treated]),
        "ps_min": float(np.min(fit.ps)),
        "ps_max": float(np.max(fit.ps)),
        "weight_max": float(np.max(w)),
        "max_abs_smd_after": max_abs_smd,
        "warnings": " | ".join(sorted({str(item.message) for item in caught})),
        "failed_diagnostics": "; ".join(model_problems + failed_diagnostics(weights, max_abs_smd, options)),
        "not_estimable": "",
    }
    return ContrastWeights(weights=weights, balance=balance, diagnostics=diagnostics)


def contrast_weights(analysis_set: pd.DataFrame, contrast: str, options: WeightingOptions) -> ContrastWeights:
    """Fit the contrast's propensity model and weights; report balance and diagnostics."""
    return fitted_weights(propensity_fit(analysis_set, contrast, options.covariates), contrast, options)


def weigh_contrasts(
    analysis_set: pd.DataFrame, contrasts: list[str], options: WeightingOptions
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Weights of each contrast, and the stacked balance and diagnostics tables."""
    fitted = {contrast: contrast_weights(analysis_set, contrast, options) for contrast in contrasts}
    balances = [item.balance for item in fitted.values() if len(item.balance)]
    balance = pd.concat(balances, ignore_index=True) if balances else pd.DataFrame(columns=BALANCE_HEADER)
    diagnostics = pd.DataFrame([item.diagnostics for item in fitted.values()])
    return {contrast: item.weights for contrast, item in fitted.items()}, balance, diagnostics
