"""Baseline covariates of the propensity model (DATA_CONTRACT.md, "Derived from it"; paper, Statistical analysis).

- ``initial_pred_mg_day``: prednisolone-equivalent dose in mg/day on the index date, the sum over
  prednisolone and methylprednisolone episodes with start_date <= index_date <= end_date (empty
  end = ongoing). mg/kg/day is multiplied by weight_kg; methylprednisolone by 5/4 (5 mg
  prednisolone = 4 mg methylprednisolone). No such episode gives 0 mg/day.
  Where the contract is silent (each counted in ``initial_pred_issue``, one value per patient,
  first applicable in this order):

  * ``dose_missing``: an active episode without a dose -> the covariate is missing (NaN); an
    unknown component makes the sum unknown, and 0 would be a guess;
  * ``unit_not_convertible``: an active episode in g/kg, mg/m2 or sessions (no daily mass without
    body surface area or a schedule) -> missing (NaN);
  * ``converted_from_mg_week``: mg/week is an exact unit conversion, mg/week / 7 = mean mg/day;
  * ``no_glucocorticoid_on_index_date``: the empty sum, 0 mg/day.

- ``ivig``, ``plasma_exchange``: 1 when an episode of that drug overlaps days 0-30
  (start <= index + 30 and end, or last contact when ongoing, >= index), else 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.contract import GLUCOCORTICOIDS, METHYLPREDNISOLONE_TO_PREDNISOLONE
from myoild.design import PAPER
from myoild.derive.keys import PatientAxis, optional_column

RESCUE_WINDOW_DAYS = PAPER.treatment_window_days
RESCUE_THERAPIES = ("ivig", "plasma_exchange")
#: Issues of the dose covariate in the order that picks a patient's ``initial_pred_issue``.
DOSE_ISSUES = ("dose_missing", "unit_not_convertible", "converted_from_mg_week", "no_glucocorticoid_on_index_date")
_DAYS_PER_WEEK = 7.0


def initial_prednisolone_dose(patients: pd.DataFrame | PatientAxis, medications: pd.DataFrame) -> pd.DataFrame:
    """``initial_pred_mg_day`` (float) and ``initial_pred_issue`` (str or None), indexed by patient_id."""
    axis = PatientAxis.of(patients)
    positions = axis.positions(medications, "medications")
    start_day = axis.days_since_index(medications["start_date"], positions)
    end_day = axis.days_since_index(optional_column(medications, "end_date", "datetime64[ns]"), positions)
    drug = medications["drug"].to_numpy(dtype=object)
    active = np.isin(drug, GLUCOCORTICOIDS) & (start_day <= 0) & ~(end_day < 0)

    positions, drug = positions[active], drug[active]
    dose = optional_column(medications, "dose", "float64").to_numpy(dtype=float)[active]
    unit = optional_column(medications, "dose_unit", "object").to_numpy(dtype=object)[active]
    weight = axis.patients["weight_kg"].to_numpy(dtype=float)[positions]
    mg_day = np.select(
        [unit == "mg/day", unit == "mg/kg/day", unit == "mg/week"],
        [dose, dose * weight, dose / _DAYS_PER_WEEK],
        np.nan,
    )
    mg_day = mg_day * np.where(drug == "methylprednisolone", METHYLPREDNISOLONE_TO_PREDNISOLONE, 1.0)

    episode_issue = {
        "dose_missing": np.isnan(dose),
        "unit_not_convertible": ~np.isnan(dose) & np.isnan(mg_day),
        "converted_from_mg_week": unit == "mg/week",
    }
    has_issue = {
        name: np.bincount(positions, weights=flag, minlength=len(axis)) > 0 for name, flag in episode_issue.items()
    }
    has_issue["no_glucocorticoid_on_index_date"] = np.bincount(positions, minlength=len(axis)) == 0

    total = np.bincount(positions, weights=np.nan_to_num(mg_day), minlength=len(axis)).astype(float)
    total[has_issue["dose_missing"] | has_issue["unit_not_convertible"]] = np.nan
    issue = np.select([has_issue[name] for name in DOSE_ISSUES], DOSE_ISSUES, "").astype(object)
    issue[issue == ""] = None
    return pd.DataFrame({"initial_pred_mg_day": total, "initial_pred_issue": issue}, index=axis.ids)


def rescue_therapies(
    patients: pd.DataFrame | PatientAxis, medications: pd.DataFrame, window_days: int = RESCUE_WINDOW_DAYS
) -> pd.DataFrame:
    """``ivig`` and ``plasma_exchange`` as Int64 0/1, indexed by patient_id (an episode overlapping
    days 0 to ``window_days``: the design's treatment window)."""
    axis = PatientAxis.of(patients)
    positions = axis.positions(medications, "medications")
    start_day = axis.days_since_index(medications["start_date"], positions)
    end_day = axis.days_since_index(optional_column(medications, "end_date", "datetime64[ns]"), positions)
    last_contact_day = axis.patient_days("last_contact_date")
    # An ongoing episode lasts until last contact.
    end_day = np.where(np.isnan(end_day), last_contact_day[positions], end_day)
    overlaps = (start_day <= window_days) & (end_day >= 0)
    drug = medications["drug"].to_numpy(dtype=object)
    columns = {}
    for therapy in RESCUE_THERAPIES:
        given = np.zeros(len(axis), dtype="int64")
        given[positions[overlaps & (drug == therapy)]] = 1
        columns[therapy] = pd.array(given, dtype="Int64")
    return pd.DataFrame(columns, index=axis.ids)
