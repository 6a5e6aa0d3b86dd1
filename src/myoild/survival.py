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

from myoild.absolute_effects import COLUMNS as ABSOLUTE_COLUMNS
from myoild.absolute_effects import absolute_effect_rows, outcome_incidence
from myoild.competing_risks import CIF_COLUMNS, competing_status, fine_gray_fields, incidence_at, incidence_rows, relapse_endpoint
from myoild.design import PAPER, StudyDesign
from myoild.contrasts import contrast_cohort, contrast_groups, contrast_patients
from myoild.cox_rows import endpoint_fields
from myoild.ph_tests import COLUMNS as PH_COLUMNS
from myoild.ph_tests import ph_test_row
from myoild.stats import evalue_hr, outcome_is_rare, weighted_km

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
    "e_value",
    "e_value_ci",
    "outcome_rare",
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


AT_RISK_COLUMNS = ["cohort", "contrast", "endpoint", "group", "time_days", "n_risk", "n_risk_weighted"]


@dataclass(frozen=True)
class SurvivalResults:
    """Rows of ``tables/survival_models.tsv``, ``tables/km.tsv``, ``tables/km_at_risk.tsv`` and
    ``tables/absolute_effects.tsv`` (before the bootstrap's RMST intervals), ``tables/ph_tests.tsv``
    and ``tables/competing_risks.tsv``."""

    models: pd.DataFrame
    km: pd.DataFrame
    at_risk: pd.DataFrame
    absolute: pd.DataFrame
    ph_tests: pd.DataFrame
    competing: pd.DataFrame


def analysis_data(analysis_set: pd.DataFrame, contrast: str, weights: pd.DataFrame | None) -> pd.DataFrame:
    """The contrast's patients, with their ``weight`` when the contrast is weighted (only the
    patients the propensity model weighted)."""
    patients = contrast_patients(analysis_set, contrast)
    if weights is None:
        return patients
    # Checked here rather than by merge(validate="one_to_one"), which costs most of the merge's time.
    if not weights["patient_id"].is_unique:
        raise ValueError(f"weights of {contrast}: a patient_id appears more than once")
    return patients.merge(weights[["patient_id", "weight"]], on="patient_id", how="inner")


def e_values(fields: dict, incidence: pd.Series | None) -> dict:
    """``e_value``, ``e_value_ci`` and ``outcome_rare`` of a model row (VanderWeele & Ding 2017, as
    R ``EValue::evalues.HR``): the outcome counts as rare when its cumulative incidence at the
    horizon (1 - KM, weighted as the model is) is under 15% in both arms; empty when the HR is
    not estimable or an arm has no curve."""
    rare = None if incidence is None else outcome_is_rare(incidence.to_numpy())
    if rare is None or pd.isna(fields["hr"]):
        return {"e_value": np.nan, "e_value_ci": np.nan, "outcome_rare": rare}
    evalue = evalue_hr(fields["hr"], fields["ci_low"], fields["ci_high"], rare)
    return {"e_value": evalue.point, "e_value_ci": evalue.ci, "outcome_rare": rare}


def _incidence(data: pd.DataFrame, contrast: str, endpoint: str, weighted: bool, horizon_days: int) -> pd.Series | None:
    """Each arm's cumulative incidence at the end of the window (None when an arm has no patients)."""
    if not all((data["arm"] == arm).any() for arm in contrast_groups(contrast)):
        return None
    return outcome_incidence(data, endpoint, weighted, horizon_days)


def model_row(
    data: pd.DataFrame,
    contrast: str,
    endpoint: str,
    model: str,
    ties: str,
    weights: str | None,
    warnings: str,
    horizon_days: int = PAPER.followup_days,
    strata: tuple[str, ...] = (),
) -> dict:
    """A Cox model row of ``survival_models.tsv`` (``myoild.cox_rows``), stratified by the columns
    ``strata`` as R ``coxph(... + strata(site))``, with its E-values."""
    fields = endpoint_fields(data, contrast, endpoint, weights, ties, strata)
    fields |= e_values(fields, _incidence(data, contrast, endpoint, weights is not None, horizon_days))
    return fields | _row_keys(contrast, endpoint, model, ties, warnings)


def _row_keys(contrast: str, endpoint: str, model: str, ties: str, warnings: str) -> dict:
    """What identifies a model row, and the contrast's failed weighting diagnostics."""
    return {
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
    """Each arm's curve (arms without patients have none), from its day-0 row, with a row at every
    event or censoring time (R ``summary(survfit(...), censored = TRUE)``), so that figures can mark
    the censoring times."""
    parts = []
    for arm in contrast_groups(contrast):
        in_arm = data[data["arm"] == arm]
        if in_arm.empty:
            continue
        curve = weighted_km(in_arm, f"{endpoint}_time_days", f"{endpoint}_event", weights, censored=True)
        curve.insert(0, "group", arm)
        parts += [pd.DataFrame([_start_row(arm, in_arm, weights)]), curve]
    curve = _stacked(parts, ["group", *KM_COLUMNS[5:]])
    curve.insert(0, "cohort", contrast_cohort(contrast))
    curve.insert(1, "contrast", contrast)
    curve.insert(2, "endpoint", endpoint)
    curve.insert(4, "weighted", weights is not None)
    return curve[KM_COLUMNS + [name for name in curve.columns if name not in KM_COLUMNS]]


def _at_risk_rows(data: pd.DataFrame, contrast: str, endpoint: str, days: tuple[int, ...]) -> pd.DataFrame:
    """Patients still at risk (time >= t) on each of ``days`` per arm with patients: the
    whole count and, for a weighted contrast, the sum of their weights."""
    rows = []
    for arm in contrast_groups(contrast):
        in_arm = data[data["arm"] == arm]
        arm_time = in_arm[f"{endpoint}_time_days"].to_numpy()
        arm_weight = in_arm["weight"].to_numpy() if "weight" in data else None
        for day in days if len(in_arm) else ():
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
        absolute=pd.DataFrame(columns=ABSOLUTE_COLUMNS),
        ph_tests=pd.DataFrame(columns=PH_COLUMNS),
        competing=pd.DataFrame(columns=CIF_COLUMNS),
    )


def contrast_survival(
    analysis_set: pd.DataFrame,
    contrast: str,
    endpoints: list[str],
    weights: pd.DataFrame | None,
    ties: str = "efron",
    warnings: str = "",
    not_estimable: str = "",
    design: StudyDesign = PAPER,
    strata: tuple[str, ...] = (),
) -> SurvivalResults:
    """Cox models and Kaplan-Meier curves of one contrast for each endpoint; ``warnings`` (the
    diagnostics its weights failed) goes into every model row. A weighted contrast that could not be
    weighted (empty ``weights``; ``not_estimable`` says why, e.g. a group without patients: see
    myoild.weighting) has its model rows with that note and no curves."""
    data = analysis_data(analysis_set, contrast, weights)
    if weights is not None and weights.empty:
        return _not_weighted(contrast_patients(analysis_set, contrast), contrast, endpoints, ties, not_estimable)
    horizon = design.followup_days
    models, curves, at_risk, absolute, ph_tests = [], [], [], [], []
    for endpoint in endpoints:
        at_risk.append(_at_risk_rows(data, contrast, endpoint, design.at_risk_days))
        for weighted in (True, False) if weights is not None else (False,):
            if _incidence(data, contrast, endpoint, weighted, horizon) is not None:
                absolute.append(
                    absolute_effect_rows(data, contrast_cohort(contrast), contrast, endpoint, weighted, horizon)
                )
        if weights is not None:
            models.append(model_row(data, contrast, endpoint, "cox_iptw", ties, "weight", warnings, horizon, strata))
            ph_tests.append(ph_test_row(data, contrast, endpoint, "cox_iptw", ties, "weight", strata))
            curves.append(_km_rows(data, contrast, endpoint, "weight"))
        models.append(model_row(data, contrast, endpoint, "cox_unadjusted", ties, None, warnings, horizon, strata))
        ph_tests.append(ph_test_row(data, contrast, endpoint, "cox_unadjusted", ties, None, strata))
        curves.append(_km_rows(data, contrast, endpoint, None))
    relapse = relapse_endpoint(endpoints)
    competing = []
    if relapse is not None:
        events = competing_status(data, relapse)
        for weighted in (True, False) if weights is not None else (False,):
            competing.append(incidence_rows(events, contrast, relapse, weighted))
            fields = fine_gray_fields(events, contrast, weighted, ties, strata)
            incidence = incidence_at(competing[-1], contrast, weighted, horizon)
            model = "fine_gray_iptw" if weighted else "fine_gray_unadjusted"
            models.append(fields | e_values(fields, incidence) | _row_keys(contrast, relapse, model, ties, warnings))
    return SurvivalResults(
        models=pd.DataFrame(models, columns=MODEL_COLUMNS),
        km=_stacked(curves, KM_COLUMNS),
        at_risk=_stacked(at_risk, AT_RISK_COLUMNS),
        absolute=_stacked(absolute, ABSOLUTE_COLUMNS),
        ph_tests=pd.DataFrame(ph_tests, columns=PH_COLUMNS),
        competing=_stacked(competing, CIF_COLUMNS),
    )


def survival_tables(
    analysis_set: pd.DataFrame,
    endpoints: dict[str, list[str]],
    weights: dict[str, pd.DataFrame],
    ties: str = "efron",
    diagnostics: pd.DataFrame | None = None,
    design: StudyDesign = PAPER,
    strata: tuple[str, ...] = (),
) -> SurvivalResults:
    """Every contrast that has ``weights`` (IPTW and unadjusted models) and the ``design``'s
    prospective contrast when it has none (unadjusted models only), each for the endpoints of its cohort
    (``endpoints[cohort]``). The weighting stage's ``diagnostics``
    (``tables/weight_diagnostics.tsv``) give each contrast's ``failed_diagnostics`` (the
    ``warnings`` of its rows) and, for one that could not be weighted, ``not_estimable``."""
    results = [
        contrast_survival(
            analysis_set,
            contrast,
            endpoints[contrast_cohort(contrast)],
            contrast_weights,
            ties,
            *_weighting_notes(diagnostics, contrast),
            design,
            strata,
        )
        for contrast, contrast_weights in weights.items()
    ]
    if design.prospective_contrast not in weights:
        results.append(
            contrast_survival(
                analysis_set, design.prospective_contrast, endpoints["prospective"], None, ties, design=design, strata=strata
            )
        )
    parts = {
        "models": MODEL_COLUMNS,
        "km": KM_COLUMNS,
        "at_risk": AT_RISK_COLUMNS,
        "absolute": ABSOLUTE_COLUMNS,
        "ph_tests": PH_COLUMNS,
        "competing": CIF_COLUMNS,
    }
    return SurvivalResults(
        *(_stacked([getattr(item, part) for item in results], columns) for part, columns in parts.items())
    )


def _weighting_notes(diagnostics: pd.DataFrame | None, contrast: str) -> tuple[str, str]:
    """The contrast's ``failed_diagnostics`` and ``not_estimable`` (empty cells of a TSV read back
    as NaN count as empty)."""
    if diagnostics is None:
        return "", ""
    row = diagnostics[diagnostics["contrast"] == contrast]
    values = [row[name].iloc[0] if len(row) else "" for name in ("failed_diagnostics", "not_estimable")]
    return tuple(value if isinstance(value, str) else "" for value in values)


def _stacked(tables: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The tables one under the other (empty ones add nothing; none at all: just the header)."""
    filled = [table for table in tables if len(table)]
    return pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(columns=columns)
