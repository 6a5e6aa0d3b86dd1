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
from myoild.contrasts import contrast_cohort, contrast_groups, contrast_patients
from myoild.cox_rows import cox_fields
from myoild.stats import weighted_km

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
    "note",
    "warnings",
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
AT_RISK_COLUMNS = ["cohort", "contrast", "endpoint", "group", "time_days", "n_risk", "n_risk_weighted"]


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


def _model_row(
    data: pd.DataFrame, contrast: str, endpoint: str, model: str, ties: str, weights: str | None, warnings: str
) -> dict:
    fields = cox_fields(
        data, f"{endpoint}_time_days", f"{endpoint}_event", contrast_groups(contrast), weights, ties
    )
    return fields | {
        "cohort": contrast_cohort(contrast),
        "contrast": contrast,
        "endpoint": endpoint,
        "model": model,
        "ties": ties,
        "warnings": warnings,
    }


def _start_row(arm: str, data: pd.DataFrame, weights: str | None) -> dict:
    """The curve's origin: survival 1 at day 0 with the whole arm at risk (so that an arm without
    events still has a curve)."""
    at_risk = float(data[weights].sum()) if weights else float(len(data))
    return {
        "group": arm,
        "time_days": 0.0,
        "n_risk": len(data),
        "n_event": 0,
        "n_censor": 0,
        "n_risk_weighted": at_risk,
        "n_event_weighted": 0.0,
        "survival": 1.0,
        "std_err": 0.0,
        "ci_low": 1.0,
        "ci_high": 1.0,
    }


def _km_rows(data: pd.DataFrame, contrast: str, endpoint: str, weights: str | None) -> pd.DataFrame:
    """Each arm's curve (arms without patients have none), from its day-0 row."""
    parts = []
    for arm in contrast_groups(contrast):
        in_arm = data[data["arm"] == arm]
        if in_arm.empty:
            continue
        curve = weighted_km(in_arm, f"{endpoint}_time_days", f"{endpoint}_event", weights)
        curve.insert(0, "group", arm)
        parts += [pd.DataFrame([_start_row(arm, in_arm, weights)]), curve]
    curve = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["group", *KM_COLUMNS[5:]])
    curve.insert(0, "cohort", contrast_cohort(contrast))
    curve.insert(1, "contrast", contrast)
    curve.insert(2, "endpoint", endpoint)
    curve.insert(4, "weighted", weights is not None)
    return curve[KM_COLUMNS + [name for name in curve.columns if name not in KM_COLUMNS]]


def _at_risk_rows(data: pd.DataFrame, contrast: str, endpoint: str) -> pd.DataFrame:
    """Patients still at risk (time >= t) at each of ``AT_RISK_DAYS`` per arm with patients: the
    whole count and, for a weighted contrast, the sum of their weights."""
    rows = []
    for arm in contrast_groups(contrast):
        in_arm = data[data["arm"] == arm]
        arm_time = in_arm[f"{endpoint}_time_days"].to_numpy()
        arm_weight = in_arm["weight"].to_numpy() if "weight" in data else None
        for day in AT_RISK_DAYS if len(in_arm) else ():
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
    return pd.DataFrame(rows, columns=AT_RISK_COLUMNS)


def _not_weighted(patients: pd.DataFrame, contrast: str, endpoints: list[str], ties: str, note: str) -> SurvivalResults:
    """The model rows of a contrast that could not be weighted: counts and ``note`` only."""
    rows = [
        {
            "cohort": contrast_cohort(contrast),
            "contrast": contrast,
            "endpoint": endpoint,
            "model": model,
            "ties": ties,
            "ci_method": "robust" if model == "cox_iptw" else "model",
            "n": len(patients),
            "events": int(patients[f"{endpoint}_event"].sum()),
            "note": note,
            "warnings": "",
        }
        for endpoint in endpoints
        for model in ("cox_iptw", "cox_unadjusted")
    ]
    return SurvivalResults(
        models=pd.DataFrame(rows, columns=MODEL_COLUMNS),
        km=pd.DataFrame(columns=KM_COLUMNS),
        at_risk=pd.DataFrame(columns=AT_RISK_COLUMNS),
    )


def contrast_survival(
    analysis_set: pd.DataFrame,
    contrast: str,
    endpoints: list[str],
    weights: pd.DataFrame | None,
    ties: str = "efron",
    warnings: str = "",
    not_estimable: str = "",
) -> SurvivalResults:
    """Cox models and Kaplan-Meier curves of one contrast for each endpoint; ``warnings`` (the
    diagnostics its weights failed) goes into every model row. A weighted contrast that could not be
    weighted (empty ``weights``; ``not_estimable`` says why, e.g. a group without patients: see
    myoild.weighting) has its model rows with that note and no curves."""
    data = analysis_data(analysis_set, contrast, weights)
    if weights is not None and weights.empty:
        return _not_weighted(contrast_patients(analysis_set, contrast), contrast, endpoints, ties, not_estimable)
    models, curves, at_risk = [], [], []
    for endpoint in endpoints:
        at_risk.append(_at_risk_rows(data, contrast, endpoint))
        if weights is not None:
            models.append(_model_row(data, contrast, endpoint, "cox_iptw", ties, "weight", warnings))
            curves.append(_km_rows(data, contrast, endpoint, "weight"))
        models.append(_model_row(data, contrast, endpoint, "cox_unadjusted", ties, None, warnings))
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
    diagnostics: pd.DataFrame | None = None,
) -> SurvivalResults:
    """Every retrospective contrast that has ``weights`` and the prospective contrast, each for the
    endpoints of its cohort (``endpoints[cohort]``). The weighting stage's ``diagnostics``
    (``tables/weight_diagnostics.tsv``) give each contrast's ``failed_diagnostics`` (the
    ``warnings`` of its rows) and, for one that could not be weighted, ``not_estimable``."""
    results = [
        contrast_survival(
            analysis_set,
            contrast,
            endpoints["retrospective"],
            contrast_weights,
            ties,
            *_weighting_notes(diagnostics, contrast),
        )
        for contrast, contrast_weights in weights.items()
    ]
    results.append(contrast_survival(analysis_set, PROSP_CONTRAST, endpoints["prospective"], None, ties))
    return SurvivalResults(*(_stacked([getattr(item, part) for item in results]) for part in ("models", "km", "at_risk")))


def _weighting_notes(diagnostics: pd.DataFrame | None, contrast: str) -> tuple[str, str]:
    """The contrast's ``failed_diagnostics`` and ``not_estimable`` (empty cells of a TSV read back
    as NaN count as empty)."""
    if diagnostics is None:
        return "", ""
    row = diagnostics[diagnostics["contrast"] == contrast]
    values = [row[name].iloc[0] if len(row) else "" for name in ("failed_diagnostics", "not_estimable")]
    return tuple(value if isinstance(value, str) else "" for value in values)


def _stacked(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The tables one under the other (empty ones add no rows, only their columns)."""
    filled = [table for table in tables if len(table)]
    return pd.concat(filled, ignore_index=True) if filled else tables[0]
