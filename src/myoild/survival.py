"""Survival analyses per contrast and endpoint: Cox models and Kaplan-Meier curves.

For each contrast and endpoint (times in days, 365-day window):

- ``cox_iptw`` (retrospective contrasts): Cox model of the treatment weighted by the contrast's
  IPTW weights, robust sandwich variance clustered on patient, as R's
  ``coxph(Surv(t, e) ~ treated, weights = w, robust = TRUE)``; ``logrank_p`` is its robust score
  test (R ``summary(fit)$robscore``);
- ``cox_unadjusted`` (every contrast): the unweighted Cox model with model-based variance;
  ``logrank_p`` is the ordinary log-rank test (R ``survdiff``).

Kaplan-Meier curves per arm, weighted (IPTW, infinitesimal-jackknife SE as R ``survfit`` for
non-integer weights) and unweighted (Greenwood SE), both with log-transformed 95% limits.
A retrospective contrast uses the patients its propensity model weighted (see myoild.weighting).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from myoild.contract import PROSP_CONTRAST
from myoild.contrasts import contrast_cohort, contrast_patients
from myoild.stats import weighted_cox, weighted_km

MODEL_COLUMNS = [
    "cohort",
    "contrast",
    "endpoint",
    "model",
    "ties",
    "hr",
    "ci_low",
    "ci_high",
    "se_log_hr",
    "p_value",
    "ci_method",
    "n",
    "events",
    "logrank_p",
]
KM_COLUMNS = [
    "cohort",
    "contrast",
    "endpoint",
    "group",
    "weighted",
    "time_days",
    "n_risk",
    "n_event",
    "survival",
    "ci_low",
    "ci_high",
]


AT_RISK_DAYS = (0, 90, 180, 270, 365)


@dataclass(frozen=True)
class SurvivalResults:
    """Rows of ``tables/survival_models.tsv``, ``tables/km.tsv`` and ``tables/km_at_risk.tsv``."""

    models: pd.DataFrame
    km: pd.DataFrame
    at_risk: pd.DataFrame


def analysis_data(analysis_set: pd.DataFrame, contrast: str, weights: pd.DataFrame | None) -> pd.DataFrame:
    """The contrast's patients, with their ``weight`` when the contrast is weighted (only the
    patients the propensity model weighted)."""
    patients = contrast_patients(analysis_set, contrast)
    if weights is None:
        return patients
    return patients.merge(weights[["patient_id", "weight"]], on="patient_id", how="inner", validate="one_to_one")


def _model_row(data: pd.DataFrame, contrast: str, endpoint: str, model: str, ties: str, weights: str | None) -> dict:
    fit = weighted_cox(data, f"{endpoint}_time_days", f"{endpoint}_event", "treated", weights=weights, ties=ties)
    return {
        "cohort": contrast_cohort(contrast),
        "contrast": contrast,
        "endpoint": endpoint,
        "model": model,
        "ties": ties,
        "hr": fit.hr,
        "ci_low": fit.ci_low,
        "ci_high": fit.ci_high,
        "se_log_hr": fit.se_log_hr,
        "p_value": fit.p_value,
        "ci_method": "robust" if fit.variance == "robust" else "model",
        "n": fit.n,
        "events": fit.events,
        "logrank_p": fit.logrank_p,
    }


def _km_rows(data: pd.DataFrame, contrast: str, endpoint: str, weights: str | None) -> pd.DataFrame:
    curve = weighted_km(data, f"{endpoint}_time_days", f"{endpoint}_event", weights, group="arm")
    curve = curve.rename(columns={"arm": "group"})
    curve.insert(0, "cohort", contrast_cohort(contrast))
    curve.insert(1, "contrast", contrast)
    curve.insert(2, "endpoint", endpoint)
    curve.insert(4, "weighted", weights is not None)
    return curve[KM_COLUMNS + [name for name in curve.columns if name not in KM_COLUMNS]]


def _at_risk_rows(data: pd.DataFrame, contrast: str, endpoint: str) -> pd.DataFrame:
    """Patients still at risk (time >= t) at each of ``AT_RISK_DAYS`` per arm: the whole count
    and, for a weighted contrast, the sum of their weights."""
    time = data[f"{endpoint}_time_days"].to_numpy()
    rows = []
    for arm, in_arm in data.groupby("arm", sort=True).groups.items():
        arm_time = time[data.index.get_indexer(in_arm)]
        arm_weight = data.loc[in_arm, "weight"].to_numpy() if "weight" in data else None
        for day in AT_RISK_DAYS:
            at_risk = arm_time >= day
            rows.append(
                {
                    "cohort": contrast_cohort(contrast),
                    "contrast": contrast,
                    "endpoint": endpoint,
                    "group": arm,
                    "time_days": day,
                    "n_risk": int(at_risk.sum()),
                    "n_risk_weighted": float(arm_weight[at_risk].sum()) if arm_weight is not None else np.nan,
                }
            )
    return pd.DataFrame(rows)


def contrast_survival(
    analysis_set: pd.DataFrame,
    contrast: str,
    endpoints: list[str],
    weights: pd.DataFrame | None,
    ties: str = "efron",
) -> SurvivalResults:
    """Cox models and Kaplan-Meier curves of one contrast for each endpoint."""
    data = analysis_data(analysis_set, contrast, weights)
    models, curves, at_risk = [], [], []
    for endpoint in endpoints:
        at_risk.append(_at_risk_rows(data, contrast, endpoint))
        if weights is not None:
            models.append(_model_row(data, contrast, endpoint, "cox_iptw", ties, "weight"))
            curves.append(_km_rows(data, contrast, endpoint, "weight"))
        models.append(_model_row(data, contrast, endpoint, "cox_unadjusted", ties, None))
        curves.append(_km_rows(data, contrast, endpoint, None))
    return SurvivalResults(
        models=pd.DataFrame(models, columns=MODEL_COLUMNS),
        km=pd.concat(curves, ignore_index=True),
        at_risk=pd.concat(at_risk, ignore_index=True),
    )


def survival_tables(
    analysis_set: pd.DataFrame,
    endpoints: dict[str, list[str]],
    weights: dict[str, pd.DataFrame],
    ties: str = "efron",
) -> SurvivalResults:
    """Every retrospective contrast that has ``weights`` and the prospective contrast, each for the
    endpoints of its cohort (``endpoints[cohort]``)."""
    results = [
        contrast_survival(analysis_set, contrast, endpoints["retrospective"], contrast_weights, ties)
        for contrast, contrast_weights in weights.items()
    ]
    results.append(contrast_survival(analysis_set, PROSP_CONTRAST, endpoints["prospective"], None, ties))
    return SurvivalResults(
        *(pd.concat([getattr(item, part) for item in results], ignore_index=True) for part in ("models", "km", "at_risk"))
    )
