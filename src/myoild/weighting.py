"""Inverse-probability-of-treatment weights for each retrospective contrast (paper, Statistical
analysis: propensity score by logistic regression on age, sex, diagnosis, initial prednisolone
dose, plasma exchange and IVIg; weights 1/ps and 1/(1-ps)).

Each contrast refits its own propensity model on its own patients. A patient with a missing
covariate cannot be weighted: they are left out of that contrast's weighted and unweighted
models alike, and counted (``n_missing_covariates`` and their ids) in the diagnostics.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from myoild.contrasts import contrast_patients
from myoild.stats import balance_table, kish_ess, propensity_weights

WEIGHT_COLUMNS = ["patient_id", "treated", "ps", "weight"]


@dataclass(frozen=True)
class WeightingOptions:
    """The propensity model and weighting choices (config key ``propensity``)."""

    covariates: tuple[str, ...]
    estimand: str = "ATE"
    stabilized: bool = False
    truncate_percentiles: tuple[float, float] | None = None
    extreme_ps: float = 0.01
    min_ess_fraction: float = 0.5

    @classmethod
    def from_config(cls, section: dict) -> WeightingOptions:
        truncate = section.get("truncate_percentiles") or None
        return cls(
            covariates=tuple(section["covariates"]),
            estimand=section["estimand"],
            stabilized=bool(section["stabilized"]),
            truncate_percentiles=tuple(truncate) if truncate else None,
            extreme_ps=float(section["extreme_ps"]),
            min_ess_fraction=float(section["min_ess_fraction"]),
        )


@dataclass(frozen=True)
class ContrastWeights:
    """A contrast's weights (``weights/<contrast>.parquet``), balance rows and diagnostics."""

    weights: pd.DataFrame
    balance: pd.DataFrame
    diagnostics: dict


def contrast_weights(analysis_set: pd.DataFrame, contrast: str, options: WeightingOptions) -> ContrastWeights:
    """Fit the contrast's propensity model and weights; report balance and diagnostics."""
    patients = contrast_patients(analysis_set, contrast)
    covariates = list(options.covariates)
    missing = patients[covariates].isna().any(axis=1)
    modelled = patients[~missing].reset_index(drop=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = propensity_weights(
            modelled,
            "treated",
            covariates,
            estimand=options.estimand,
            stabilized=options.stabilized,
            truncate=options.truncate_percentiles,
            extreme_ps=options.extreme_ps,
            min_ess_fraction=options.min_ess_fraction,
        )
    weights = pd.concat([modelled[["patient_id", "treated"]], fitted], axis=1)[WEIGHT_COLUMNS]
    balance = balance_table(pd.concat([modelled, fitted[["weight"]]], axis=1), "treated", covariates, "weight")
    balance.insert(0, "contrast", contrast)
    treated = weights["treated"].to_numpy() == 1
    w = weights["weight"].to_numpy()
    diagnostics = {
        "contrast": contrast,
        "n_treated": int(treated.sum()),
        "n_control": int((~treated).sum()),
        "n_missing_covariates": int(missing.sum()),
        "patients_missing_covariates": " ".join(patients.loc[missing, "patient_id"]),
        "ess_treated": kish_ess(w[treated]),
        "ess_control": kish_ess(w[~treated]),
        "ps_min": float(np.min(weights["ps"])),
        "ps_max": float(np.max(weights["ps"])),
        "weight_max": float(np.max(w)),
        "warnings": " | ".join(sorted({str(item.message) for item in caught})),
    }
    return ContrastWeights(weights=weights, balance=balance, diagnostics=diagnostics)


def weigh_contrasts(
    analysis_set: pd.DataFrame, contrasts: list[str], options: WeightingOptions
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Weights of each contrast, and the stacked balance and diagnostics tables."""
    fitted = {contrast: contrast_weights(analysis_set, contrast, options) for contrast in contrasts}
    balance = pd.concat([item.balance for item in fitted.values()], ignore_index=True)
    diagnostics = pd.DataFrame([item.diagnostics for item in fitted.values()])
    return {contrast: item.weights for contrast, item in fitted.items()}, balance, diagnostics
