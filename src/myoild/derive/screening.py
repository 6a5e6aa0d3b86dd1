"""Screening exclusions and their reason vocabulary (DATA_CONTRACT.md, "Derived from it").

Screening runs in this order and each excluded patient is counted under its first reason:

1. diagnosis IBM, overlap or cancer_associated (a ``malignancy`` comorbidity alone does not exclude);
2. prospective only: an exclusion flag that is true (flags in contract order), then age under 18;
3. the treatment rules (``groups.py``): ``<treatment>_with_other_immunosuppressant`` (the
   contract's ``tacrolimus_with_other_immunosuppressant`` for the paper's study), then
   ``no_immunosuppressant_within_30_days`` (the name keeps the contract's 30 for any window);
4. prospective only: a withdrawal, counted by its reason.

A missing exclusion flag counts as not true: the flag is a criterion a patient must be known to
meet to be excluded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.contract import PROSPECTIVE_EXCLUSION_FLAGS, SCREENED_OUT_DIAGNOSES, WITHDRAWAL_REASONS
from myoild.derive.keys import as_bool, optional_column
from myoild.design import PAPER, StudyDesign

#: Adults only (the paper's prospective exclusion criteria: "patients under 18 years old").
MINIMUM_AGE_YEARS = 18.0

DIAGNOSIS_REASONS = tuple(f"diagnosis_{diagnosis}" for diagnosis in SCREENED_OUT_DIAGNOSES)
CRITERION_REASONS = tuple(f"exclusion_criterion_{flag}" for flag in PROSPECTIVE_EXCLUSION_FLAGS)
AGE_REASON = "age_under_18"
NO_IMMUNOSUPPRESSANT = "no_immunosuppressant_within_30_days"
WITHDRAWAL_EXCLUSIONS = tuple(f"withdrawn_{reason}" for reason in WITHDRAWAL_REASONS)


def treatment_with_other(treatment: str) -> str:
    """The exclusion of a retrospective patient who started the treatment with another
    immunosuppressant in the treatment window."""
    return f"{treatment}_with_other_immunosuppressant"


def exclusion_reasons(design: StudyDesign = PAPER) -> dict[str, tuple[str, ...]]:
    """Every exclusion reason a cohort can have, in screening order (the order of flow.tsv)."""
    treatment_reasons = (treatment_with_other(design.treatment), NO_IMMUNOSUPPRESSANT)
    return {
        "retrospective": DIAGNOSIS_REASONS + treatment_reasons,
        "prospective": DIAGNOSIS_REASONS + CRITERION_REASONS + (AGE_REASON,) + WITHDRAWAL_EXCLUSIONS,
    }


def first_reason(*candidates: np.ndarray) -> np.ndarray:
    """Elementwise the first non-null reason among ``candidates`` (object arrays, None = none)."""
    reason = np.full(len(candidates[0]), None, dtype=object)
    for candidate in candidates:
        open_ = pd.isna(reason)
        reason[open_] = candidate[open_]
    return reason


def eligibility_exclusions(patients: pd.DataFrame) -> np.ndarray:
    """Reasons of screening steps 1-2 (diagnosis; prospective flags and age), None when eligible."""
    prospective = (patients["cohort"] == "prospective").to_numpy()
    diagnosis = patients["diagnosis"].to_numpy(dtype=object)
    screened_out = patients["diagnosis"].isin(SCREENED_OUT_DIAGNOSES).to_numpy()
    by_diagnosis = _prefixed("diagnosis_", diagnosis, screened_out)
    by_flag = [
        np.where(prospective & as_bool(optional_column(patients, flag, "boolean")), reason, None)
        for flag, reason in zip(PROSPECTIVE_EXCLUSION_FLAGS, CRITERION_REASONS)
    ]
    by_age = np.where(prospective & (patients["age_years"].to_numpy(dtype=float) < MINIMUM_AGE_YEARS), AGE_REASON, None)
    return first_reason(by_diagnosis, *by_flag, by_age)


def withdrawal_exclusions(patients: pd.DataFrame) -> np.ndarray:
    """Reason of screening step 4: ``withdrawn_<withdrawal_reason>`` for withdrawn prospective patients.

    A withdrawal is a set ``withdrawal_date``; its reason is required by the data contract and a
    withdrawal without one is an error rather than a guess.
    """
    withdrawal_date = optional_column(patients, "withdrawal_date", "datetime64[ns]")
    withdrawn = (patients["cohort"] == "prospective").to_numpy() & withdrawal_date.notna().to_numpy()
    reason = optional_column(patients, "withdrawal_reason", "object").to_numpy(dtype=object)
    unexplained = withdrawn & ~pd.Series(reason).isin(WITHDRAWAL_REASONS).to_numpy()
    if unexplained.any():
        examples = patients.loc[unexplained, "patient_id"].head(5).tolist()
        raise ValueError(f"patients: withdrawal_date without a valid withdrawal_reason, e.g. {examples}")
    return _prefixed("withdrawn_", reason, withdrawn)


def _prefixed(prefix: str, values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``prefix + value`` where ``where`` holds, None elsewhere (an object array): only the marked
    values are turned into text, not a million of them."""
    out = np.full(len(values), None, dtype=object)
    out[where] = [prefix + str(value) for value in values[where]]
    return out
