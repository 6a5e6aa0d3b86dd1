"""Derivation stage: screening, treatment groups, covariates, endpoints and patient flow.

Entry point ``derive_cohort(tables)``, on the normalised tables of the validation stage (dtype
convention in ``myoild.contract``). Rules: DATA_CONTRACT.md, "Derived from it" and "Derived
endpoints"; outputs: RESULTS_CONTRACT.md, ``cohort/analysis_set.parquet`` and ``cohort/flow.tsv``.

Every patient of ``patients`` is one row of the analysis set. Group, main agent, covariates and
endpoints are computed for every patient where the rules define them; ``group`` and
``main_agent`` are set for patients who passed the treatment step (so a withdrawn prospective
patient keeps the group they were in). Analyses select ``included``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from myoild.contract import BASELINE_LABS, COHORTS, ENDPOINTS, PATIENT_COVARIATES
from myoild.design import PAPER, StudyDesign
from myoild.derive.covariates import DOSE_ISSUES, initial_prednisolone_dose, rescue_therapies
from myoild.derive.endpoints import VISIT_COLUMNS, endpoints
from myoild.derive.flow import FlowError, check_flow, patient_flow, site_flow
from myoild.derive.groups import prospective_treatment_notes, treatment_groups
from myoild.derive.keys import PatientAxis, optional_column
from myoild.derive.screening import eligibility_exclusions, first_reason, withdrawal_exclusions

__all__ = [
    "ANALYSIS_SET_COLUMNS",
    "EXTRA_COLUMNS",
    "Derivation",
    "FlowError",
    "INPUT_COLUMNS",
    "check_flow",
    "derive_cohort",
    "patient_flow",
    "site_flow",
]

#: RESULTS_CONTRACT.md, ``cohort/analysis_set.parquet``, in this order.
ANALYSIS_SET_COLUMNS = (
    "patient_id",
    "cohort",
    "included",
    "exclusion_reason",
    "group",
    "main_agent",
    "age_years",
    "sex",
    "diagnosis",
    "initial_pred_mg_day",
    "ivig",
    "plasma_exchange",
    *(f"{endpoint}_{part}" for endpoint in ENDPOINTS for part in ("time_days", "event")),
    "relapse_criterion",
    "relapse_visit_date",
)
#: Added after the contract's columns, for tracing and for later stages.
EXTRA_COLUMNS = (
    "index_date",
    "baseline_visit_date",
    "followup_days",
    "death_date",
    "respiratory_relapse_visit_date",
    "withdrawal_date",
    "withdrawal_reason",
    "initial_pred_issue",
    "treatment_note",
    "pred_baseline_mg_day",
    "pred_last_mg_day",
    "pred_last_visit_date",
)
#: Further patient characteristics and baseline laboratory values a propensity model may use
#: (``myoild.contract.COVARIATES``), after the extra columns.
COVARIATE_COLUMNS = tuple(name for name in (*PATIENT_COVARIATES, *BASELINE_LABS) if name not in ANALYSIS_SET_COLUMNS)
#: What ``derive_cohort`` reads of the normalised tables: table -> its columns (None: all). The
#: derive job reads no more (on a million patients, most of ``visits`` is assessment scales).
INPUT_COLUMNS: dict[str, tuple[str, ...] | None] = {"patients": None, "medications": None, "visits": VISIT_COLUMNS}
_INTEGER_COLUMNS = ("followup_days",) + tuple(
    f"{endpoint}_{part}" for endpoint in ENDPOINTS for part in ("time_days", "event")
)


@dataclass(frozen=True)
class Derivation:
    """The analysis set (one row per patient), the patient flow and the counted data notes.

    ``notes`` has columns ``cohort, note, n, n_included``: patients per value of
    ``initial_pred_issue`` and ``treatment_note`` (every possible note, zeros included).
    """

    analysis_set: pd.DataFrame
    flow: pd.DataFrame
    notes: pd.DataFrame


def _notes(analysis_set: pd.DataFrame, treatment: str) -> pd.DataFrame:
    rows = []
    for cohort in COHORTS:
        part = analysis_set[analysis_set["cohort"] == cohort]
        possible = [("initial_pred_issue", DOSE_ISSUES)]
        if cohort == "prospective":
            possible.append(("treatment_note", prospective_treatment_notes(treatment)))
        for column, notes in possible:
            for note in notes:
                flagged = (part[column] == note).to_numpy()
                rows.append((cohort, note, int(flagged.sum()), int((flagged & part["included"].to_numpy()).sum())))
    return pd.DataFrame(rows, columns=["cohort", "note", "n", "n_included"])


def derive_cohort(tables: dict[str, pd.DataFrame], design: StudyDesign = PAPER, workers: int = 1) -> Derivation:
    """Screen, group and follow every patient under the study ``design`` (windows and thresholds);
    raise ``FlowError`` if a patient would be lost.

    Reads ``tables["patients"]``, ``tables["medications"]`` and ``tables["visits"]``, their
    ``INPUT_COLUMNS``. With ``workers`` > 1 the endpoints (from the visits) are derived in a second
    thread while this one derives the groups and covariates (from the medications): numpy releases
    the GIL for most of both, and at a million patients the pair takes 3.7-4.5 s instead of
    5.5-6.2 s. The result, and the error raised first when both fail, are the same.
    """
    axis = PatientAxis.of(tables["patients"])
    patients, medications, visits = axis.patients, tables["medications"], tables["visits"]
    unknown = sorted(set(patients["cohort"]) - set(COHORTS))
    if unknown:
        raise ValueError(f"patients: unknown cohort values {unknown}")

    with ThreadPoolExecutor(max_workers=1) as pool:
        followed = pool.submit(endpoints, axis, visits, design) if workers > 1 else None
        groups = treatment_groups(axis, medications, design)
        eligibility = eligibility_exclusions(patients)
        treatment = groups["treatment_exclusion"].to_numpy(dtype=object)
        reason = first_reason(eligibility, treatment, withdrawal_exclusions(patients))
        dose = initial_prednisolone_dose(axis, medications)
        rescue = rescue_therapies(axis, medications, design.treatment_window_days)
        follow_up = endpoints(axis, visits, design) if followed is None else followed.result()
    grouped = pd.isna(eligibility) & pd.isna(treatment)

    for column in ("group", "main_agent"):
        groups[column] = np.where(grouped, groups[column].to_numpy(dtype=object), None)
    derived = pd.concat(
        [
            groups[["group", "main_agent", "treatment_note"]],
            dose,
            rescue,
            follow_up,
        ],
        axis=1,
    ).reset_index(drop=True)
    source = patients[["patient_id", "cohort", "age_years", "sex", "diagnosis", "index_date"]].assign(
        included=pd.isna(reason),
        exclusion_reason=reason,
        death_date=optional_column(patients, "death_date", "datetime64[ns]").to_numpy(),
        withdrawal_date=optional_column(patients, "withdrawal_date", "datetime64[ns]").to_numpy(),
        withdrawal_reason=optional_column(patients, "withdrawal_reason", "object").to_numpy(dtype=object),
        **{
            name: optional_column(patients, name, dtype).astype(dtype).to_numpy()
            for name, dtype in PATIENT_COVARIATES.items()
            if name in COVARIATE_COLUMNS
        },
    )
    analysis_set = pd.concat([source.reset_index(drop=True), derived], axis=1)
    for column in _INTEGER_COLUMNS:
        analysis_set[column] = pd.array(np.round(analysis_set[column].to_numpy(dtype=float)), dtype="Int64")
    analysis_set["included"] = analysis_set["included"].astype(bool)
    for name, dtype in PATIENT_COVARIATES.items():
        if name in COVARIATE_COLUMNS and dtype == "boolean":
            analysis_set[name] = analysis_set[name].astype("boolean")
    analysis_set = analysis_set[list(ANALYSIS_SET_COLUMNS + EXTRA_COLUMNS + COVARIATE_COLUMNS)]

    if len(analysis_set) != len(tables["patients"]) or not np.array_equal(analysis_set["patient_id"], axis.ids):
        raise FlowError("analysis set does not hold every patient of `patients` exactly once")
    flow = patient_flow(analysis_set, design)
    check_flow(analysis_set, flow, design)
    return Derivation(analysis_set=analysis_set, flow=flow, notes=_notes(analysis_set, design.treatment))
