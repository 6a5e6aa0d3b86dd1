"""Builders of tiny normalised tables for the derivation and Table 1 tests.

Dates are given as whole days relative to ``INDEX`` (2020-01-01), so a test reads like the rule it
checks: ``visit("P1", 30, symptom_exacerbation=True)``. ``make_tables`` adds what every patient
needs but most tests do not care about: a baseline visit on day 0 for a patient without one, and
tacrolimus from day 0 for a patient without any medication row (so the patient is included).
The tables follow the dtype convention of ``myoild.contract``.
"""

from __future__ import annotations

import pandas as pd

INDEX = pd.Timestamp("2020-01-01")

PATIENT_COLUMNS = {
    "patient_id": "str", "site": "str", "cohort": "str", "sex": "str", "age_years": "float",
    "weight_kg": "float", "diagnosis": "str", "index_date": "date", "last_contact_date": "date",
    "death_date": "date", "death_cause": "str", "disease_duration_months": "float",
    "smoking_history": "bool", "heliotrope_rash": "bool", "gottron_sign": "bool",
    "proximal_weakness": "bool", "hypertension": "bool", "diabetes": "bool", "malignancy": "bool",
    "severe_respiratory_disease": "bool", "active_tuberculosis": "bool",
    "severe_immunodeficiency": "bool", "renal_insufficiency": "bool", "anti_mda5": "bool",
    "anti_jo1": "bool", "anti_ej": "bool", "anti_pl7": "bool", "anti_pl12": "bool",
    "hrct_pattern": "str", "withdrawal_date": "date", "withdrawal_reason": "str",
}  # fmt: skip
MEDICATION_COLUMNS = {
    "patient_id": "str", "drug": "str", "start_date": "date", "end_date": "date", "dose": "float",
    "dose_unit": "str",
}  # fmt: skip
VISIT_COLUMNS = {
    "patient_id": "str", "visit_date": "date", "visit": "str", "symptom_exacerbation": "bool",
    "respiratory_exacerbation": "bool", "radiological_progression": "bool",
    "prednisolone_mg_day": "float", "ferritin_ug_l": "float", "esr_mm_h": "float",
    "crp_mg_l": "float", "ck_u_l": "float", "ldh_u_l": "float", "six_mwt_m": "float", "mmrc": "int",
    "patient_global": "float", "mmt8": "float", "myoact": "float", "mitax": "float", "mdi": "float",
    "cat": "float", "hama": "int", "hamd": "int",
}  # fmt: skip
_DTYPES = {"str": "object", "date": "datetime64[ns]", "bool": "boolean", "float": "float64", "int": "Int64"}


def on(day: int | None) -> pd.Timestamp | None:
    """The date ``day`` days after ``INDEX`` (None stays None)."""
    return None if day is None else INDEX + pd.Timedelta(days=day)


def patient(patient_id: str = "P1", **values) -> dict:
    """A patients row: a 50-year-old 60-kg woman with DM, retrospective, followed to day 365.

    Date columns take day offsets: ``last_contact=100``, ``death=90``, ``withdrawal=50``.
    """
    row = {
        "patient_id": patient_id, "site": "A", "cohort": "retrospective", "sex": "F",
        "age_years": 50.0, "weight_kg": 60.0, "diagnosis": "DM", "index_date": INDEX,
        "last_contact_date": on(values.pop("last_contact", 365)), "death_date": on(values.pop("death", None)),
        "withdrawal_date": on(values.pop("withdrawal", None)),
    }  # fmt: skip
    row.update(values)
    return row


def medication(patient_id: str, drug: str, start: int = 0, end: int | None = None, dose=None, dose_unit=None) -> dict:
    """A medications row; ``start`` and ``end`` are days since index (``end`` None = ongoing)."""
    return {
        "patient_id": patient_id, "drug": drug, "start_date": on(start), "end_date": on(end),
        "dose": dose, "dose_unit": dose_unit,
    }  # fmt: skip


def visit(patient_id: str, day: int, visit: str = "unscheduled", **values) -> dict:
    """A visits row on ``day`` since index, without exacerbations unless told."""
    row = {
        "patient_id": patient_id, "visit_date": on(day), "visit": visit,
        "symptom_exacerbation": False, "respiratory_exacerbation": False,
    }  # fmt: skip
    row.update(values)
    return row


def frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """Rows as a normalised table: every contract column, contract dtypes, a 1-based ``source_row``."""
    table = pd.DataFrame([{name: row.get(name) for name in columns} for row in rows], columns=list(columns))
    for name, kind in columns.items():
        table[name] = table[name].astype(_DTYPES[kind])
        if kind == "str":
            table[name] = table[name].where(table[name].notna(), None)
    table["source_row"] = pd.array(range(1, len(table) + 1), dtype="Int64")
    return table


def make_tables(patients: list[dict], medications: list[dict] = (), visits: list[dict] = ()) -> dict[str, pd.DataFrame]:
    """The normalised ``patients``, ``medications`` and ``visits`` tables, with the defaults above."""
    medications, visits = list(medications), list(visits)
    treated = {row["patient_id"] for row in medications}
    with_baseline = {row["patient_id"] for row in visits if row["visit"] == "baseline"}
    for row in patients:
        if row["patient_id"] not in treated:
            medications.append(medication(row["patient_id"], "tacrolimus"))
        if row["patient_id"] not in with_baseline:
            visits.append(visit(row["patient_id"], 0, "baseline"))
    tables = {
        "patients": frame(patients, PATIENT_COLUMNS).sort_values("patient_id", kind="mergesort"),
        "medications": frame(medications, MEDICATION_COLUMNS).sort_values(
            ["patient_id", "drug", "start_date"], kind="mergesort"
        ),
        "visits": frame(visits, VISIT_COLUMNS).sort_values(["patient_id", "visit_date"], kind="mergesort"),
    }
    return {name: table.reset_index(drop=True) for name, table in tables.items()}


def derived(patients: list[dict], medications: list[dict] = (), visits: list[dict] = (), design=None) -> pd.DataFrame:
    """The analysis set of ``make_tables(...)`` under ``design`` (default: the paper's), indexed by patient_id."""
    from myoild.derive import derive_cohort
    from myoild.design import PAPER

    tables = make_tables(patients, medications, visits)
    return derive_cohort(tables, design or PAPER).analysis_set.set_index("patient_id")


def test_builders_follow_the_dtype_convention():
    tables = make_tables([patient("P1", death=10)], visits=[visit("P1", 30, ferritin_ug_l=1.0, mmrc=2)])
    patients, visits = tables["patients"], tables["visits"]
    assert patients["death_date"].dtype == "datetime64[ns]" and patients["death_date"][0] == pd.Timestamp("2020-01-11")
    assert patients["anti_mda5"].dtype == "boolean" and patients["hrct_pattern"][0] is None
    assert visits["mmrc"].dtype == "Int64" and visits["ferritin_ug_l"].dtype == "float64"
    assert list(visits["visit"]) == ["baseline", "unscheduled"]
    assert list(tables["medications"]["drug"]) == ["tacrolimus"]
