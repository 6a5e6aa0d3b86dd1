"""pandera models of the five raw tables: the executable form of DATA_CONTRACT.md.

One ``DataFrameModel`` per table, one ``Field`` per contract column: its dtype (the dtype of the
normalised tables, contract.py), whether it is required (``required: yes`` = the column must be
present and every cell filled; ``required: no`` = ``Optional``, empty cells allowed), ranges,
allowed values and uniqueness. The models validate *parsed* tables (parse.py turns raw cells into
these dtypes by the reading rules), so they never coerce. Rules between columns and tables
(date order, conditional requirements, foreign keys, the baseline visit, the HRCT grid) are plain
functions in crosstable.py; their text stands in the field descriptions so that the exported
YAML (schemas/raw/) shows them.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.dtypes import immutable
from pandera.engines import pandas_engine
from pandera.typing import Series

from myoild.contract import (
    AE_CATEGORIES,
    COHORTS,
    DIAGNOSES,
    DOSE_UNITS,
    DRUGS,
    HRCT_FEATURES,
    HRCT_PATTERNS,
    HRCT_TIMEPOINTS,
    LOBES,
    SEXES,
    VISITS,
    WITHDRAWAL_REASONS,
)


@pandas_engine.Engine.register_dtype(equivalents=["text"])
@immutable
class TextDtype(pandas_engine.NpString):
    """Text: an ``object`` column holding only ``str`` or missing values (contract.py).

    pandera's own ``str`` check calls a Python function per cell; ``infer_dtype`` checks the
    same in C, which matters at millions of rows.
    """

    def check(self, pandera_dtype, data_container=None):
        if data_container is None:
            return super().check(pandera_dtype)
        return data_container.dtype == object and pd.api.types.infer_dtype(data_container, skipna=True) in (
            "string",
            "empty",
        )

    def __str__(self) -> str:
        return "text"


Text = Series[TextDtype]
Date = Series[pd.Timestamp]
Number = Series[float]
Integer = Series[pd.Int64Dtype]
Boolean = Series[pd.BooleanDtype]

FOREIGN_KEY = "must be a patient_id of the patients table"


def _required(description: str | None = None, **checks) -> pa.Field:
    return pa.Field(nullable=False, description=description, **checks)


def _optional(description: str | None = None, **checks) -> pa.Field:
    return pa.Field(nullable=True, description=description, **checks)


class Patients(pa.DataFrameModel):
    """One row per patient."""

    patient_id: Text = _required("unique, non-empty; the key of every other table", unique=True)
    site: Text = _required("recruiting centre")
    cohort: Text = _required(isin=list(COHORTS))
    sex: Text = _required(isin=list(SEXES))
    age_years: Number = _required("age at index date", ge=0, le=110)
    weight_kg: Number = _required("body weight at index", ge=20, le=250)
    diagnosis: Text = _required(isin=list(DIAGNOSES))
    index_date: Date = _required("start of the studied immunosuppressive treatment (time zero)")
    last_contact_date: Date = _required("on or after index_date")
    death_date: Optional[Date] = _optional("between index_date and last_contact_date inclusive")
    death_cause: Optional[Text] = _optional()
    disease_duration_months: Optional[Number] = _optional(ge=0)
    smoking_history: Optional[Boolean] = _optional()
    heliotrope_rash: Optional[Boolean] = _optional()
    gottron_sign: Optional[Boolean] = _optional()
    proximal_weakness: Optional[Boolean] = _optional()
    hypertension: Optional[Boolean] = _optional()
    diabetes: Optional[Boolean] = _optional()
    malignancy: Optional[Boolean] = _optional()
    severe_respiratory_disease: Optional[Boolean] = _optional()
    active_tuberculosis: Optional[Boolean] = _optional()
    severe_immunodeficiency: Optional[Boolean] = _optional()
    renal_insufficiency: Optional[Boolean] = _optional()
    anti_mda5: Optional[Boolean] = _optional()
    anti_jo1: Optional[Boolean] = _optional()
    anti_ej: Optional[Boolean] = _optional()
    anti_pl7: Optional[Boolean] = _optional()
    anti_pl12: Optional[Boolean] = _optional()
    hrct_pattern: Optional[Text] = _optional(isin=list(HRCT_PATTERNS))
    withdrawal_date: Optional[Date] = _optional(
        "prospective cohort only; between index_date and last_contact_date inclusive"
    )
    withdrawal_reason: Optional[Text] = _optional(
        "required when withdrawal_date is set, and only then", isin=list(WITHDRAWAL_REASONS)
    )

    class Config:
        name = "patients"
        strict = False
        coerce = False


class Medications(pa.DataFrameModel):
    """One row per drug exposure episode."""

    patient_id: Text = _required(FOREIGN_KEY)
    drug: Text = _required(isin=list(DRUGS))
    start_date: Date = _required()
    end_date: Optional[Date] = _optional("on or after start_date; empty = ongoing at last contact")
    dose: Optional[Number] = _optional("daily dose for oral drugs, per-course dose otherwise", gt=0)
    dose_unit: Optional[Text] = _optional("required when dose is set", isin=list(DOSE_UNITS))

    class Config:
        name = "medications"
        strict = False
        coerce = False


class Visits(pa.DataFrameModel):
    """One row per clinical visit; every patient has exactly one baseline visit, 0-14 days before index."""

    patient_id: Text = _required(FOREIGN_KEY)
    visit_date: Date = _required("(patient_id, visit_date) is unique")
    visit: Text = _required(
        "exactly one baseline visit per patient, on or within 14 days before index_date", isin=list(VISITS)
    )
    symptom_exacerbation: Boolean = _required()
    respiratory_exacerbation: Boolean = _required()
    radiological_progression: Optional[Boolean] = _optional()
    prednisolone_mg_day: Optional[Number] = _optional(ge=0)
    ferritin_ug_l: Optional[Number] = _optional(ge=0)
    esr_mm_h: Optional[Number] = _optional(ge=0)
    crp_mg_l: Optional[Number] = _optional(ge=0)
    ck_u_l: Optional[Number] = _optional(ge=0)
    ldh_u_l: Optional[Number] = _optional(ge=0)
    six_mwt_m: Optional[Number] = _optional(ge=0, le=1000)
    mmrc: Optional[Integer] = _optional(ge=0, le=4)
    patient_global: Optional[Number] = _optional(ge=0, le=10)
    mmt8: Optional[Number] = _optional(ge=0, le=80)
    myoact: Optional[Number] = _optional(ge=0, le=10)
    mitax: Optional[Number] = _optional(ge=0, le=1)
    mdi: Optional[Number] = _optional(ge=0)
    cat: Optional[Number] = _optional(ge=0)
    hama: Optional[Integer] = _optional(ge=0, le=56)
    hamd: Optional[Integer] = _optional(ge=0, le=52)

    class Config:
        name = "visits"
        strict = False
        coerce = False
        unique = ["patient_id", "visit_date"]


class HrctReads(pa.DataFrameModel):
    """One row per patient x exam x reader x lobe x feature; a complete exam has 2 readers x 5 lobes x 4 features."""

    patient_id: Text = _required(FOREIGN_KEY)
    timepoint: Text = _required(isin=list(HRCT_TIMEPOINTS))
    exam_date: Date = _required("the same for all rows of one exam (patient_id, timepoint)")
    reader: Text = _required("radiologist code, two readers per exam")
    lobe: Text = _required(isin=list(LOBES))
    feature: Text = _required(isin=list(HRCT_FEATURES))
    grade: Integer = _required("0 absent; extent 1 = 0-25 %, 2 = 26-50 %, 3 = 51-75 %, 4 = 76-100 %", ge=0, le=4)

    class Config:
        name = "hrct_reads"
        strict = False
        coerce = False
        unique = ["patient_id", "timepoint", "reader", "lobe", "feature"]


class AdverseEvents(pa.DataFrameModel):
    """One row per adverse event; the table may have no rows."""

    patient_id: Text = _required(FOREIGN_KEY)
    onset_date: Date = _required()
    term: Text = _required("verbatim term")
    category: Text = _required(isin=list(AE_CATEGORIES))
    ctcae_grade: Integer = _required(ge=1, le=5)
    serious: Boolean = _required()
    related_drug: Optional[Text] = _optional("a drug name as in medications", isin=list(DRUGS))
    led_to_discontinuation: Boolean = _required()

    class Config:
        name = "adverse_events"
        strict = False
        coerce = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "patients": Patients,
    "medications": Medications,
    "visits": Visits,
    "hrct_reads": HrctReads,
    "adverse_events": AdverseEvents,
}

#: Sort order of the normalised tables (contract.py: "sorted by its key columns"); the raw row
#: number breaks the remaining ties, so the order is total.
SORT_KEYS: dict[str, list[str]] = {
    "patients": ["patient_id"],
    "medications": ["patient_id", "start_date", "drug"],
    "visits": ["patient_id", "visit_date"],
    "hrct_reads": ["patient_id", "timepoint", "reader", "lobe", "feature"],
    "adverse_events": ["patient_id", "onset_date"],
}


def table_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a raw table (cached by pandera on the model)."""
    return MODELS[table].to_schema()
