"""Landmark analysis of the IPTW Cox model, against immortal time bias.

A patient must survive event-free long enough to be classified by treatment; a landmark analysis
(Anderson, Cain & Gelber 1983, J Clin Oncol 1:710; Dafni 2011, Circ Cardiovasc Qual Outcomes
4:363) starts the clock for everyone at a fixed day instead:

- the contrast's patients still at risk at the landmark, endpoint time > ``landmark_days`` (an
  event or a censoring on or before it leaves the patient out), with every covariate
  (``contrast_weights`` leaves the others out);
- time counted from the landmark, ``time - landmark_days``;
- the propensity model refitted on them (``options.covariates``) and the weights of the options'
  estimand (stabilisation and truncation as the options say);
- R's ``coxph(Surv(time - L, event) ~ treated, weights = w, robust = TRUE, ties = ties)``.

``note`` starts with the landmark and the patients it left out; when the model is not estimable
(an arm without patients or events at the landmark, a propensity model that separates, a Cox fit
without a finite maximum: ``myoild.sensitivity.cell_weights``, ``myoild.cox_rows.cox_fields``) the
hazard ratio, CI, SE, p-values and E-values are NaN and the note goes on with why; ``n`` and
``events`` still count the patients kept. Otherwise the row is built as the pipeline's
``cox_iptw`` rows are (``myoild.survival``), E-values included; ``warnings``: the diagnostics the
landmark weights fail (``failed_diagnostics`` of ``myoild.weighting``).
"""

from __future__ import annotations

import math

import pandas as pd

from myoild.contrasts import contrast_cohort, contrast_patients
from myoild.design import PAPER
from myoild.sensitivity import cell_weights
from myoild.stats.columns import column
from myoild.survival import MODEL_COLUMNS, analysis_data, model_row
from myoild.weighting import WeightingOptions

MODEL = "cox_iptw_landmark"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def landmark_model_row(
    analysis_set: pd.DataFrame,
    contrast: str,
    endpoint: str,
    options: WeightingOptions,
    landmark_days: float = 30,
    ties: str = "efron",
    strata: tuple[str, ...] = (),
    followup_days: int = PAPER.followup_days,
) -> dict:
    """The landmark IPTW Cox model of ``contrast`` and ``endpoint`` (module docstring): a row with
    the keys of ``myoild.survival.MODEL_COLUMNS``; its E-value's outcome rarity is judged at the end
    of follow-up on the landmark clock, ``followup_days - landmark_days``."""
    time, event = f"{endpoint}_time_days", f"{endpoint}_event"
    patients = contrast_patients(analysis_set, contrast)
    at_risk = column(patients, time) > landmark_days
    # The analysis set's rows of the patients at risk (the contrast's own columns left behind).
    landmark_set = patients.loc[at_risk, list(analysis_set.columns)]
    landmark_set[time] = column(landmark_set, time) - landmark_days
    fitted, weights_note = cell_weights(landmark_set, contrast, options)
    notes = [
        f"landmark at day {landmark_days:g}: {_plural(int((~at_risk).sum()), 'patient')} "
        f"with an event or censoring by day {landmark_days:g} left out"
    ]
    missing = fitted.diagnostics["n_missing_covariates"]
    if missing:
        notes.append(f"{_plural(missing, 'patient')} at risk missing a covariate left out")
    warnings = fitted.diagnostics["failed_diagnostics"]
    # A contrast that cannot be weighted counts all its patients, as in myoild.survival.
    data = analysis_data(landmark_set, contrast, None if fitted.weights.empty else fitted.weights)
    if weights_note:
        row = dict.fromkeys(MODEL_COLUMNS, math.nan) | {
            "cohort": contrast_cohort(contrast),
            "contrast": contrast,
            "endpoint": endpoint,
            "model": MODEL,
            "ties": ties,
            "ci_method": "robust",
            "n": len(data),
            "events": int(data[event].sum()),
            "note": weights_note,
            "warnings": warnings,
        }
    else:
        horizon = followup_days - landmark_days
        row = model_row(data, contrast, endpoint, MODEL, ties, "weight", warnings, horizon, strata)
    row["note"] = "; ".join(notes + [row["note"]] if row["note"] else notes)
    return {name: row[name] for name in MODEL_COLUMNS}
