"""The validate stage against DATA_CONTRACT.md: one good hand-made cohort, and one broken rule per case.

The good cohort is written as text (CSV) or as natively typed Parquet / Excel; each case breaks
one thing and expects exactly the records that name it (table, column, row, patient_id, check).
Row numbers are 1-based data rows, so row r of a table here is position r - 1 of its frame.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.config import config_context

from myoild.contract import HRCT_FEATURES, LOBES, TABLES
from myoild.validate import failure_message, main, validate_folder, write_normalised, write_report
from myoild.validate.core import ValidationDisabledError
from myoild.validate.export_schemas import schema_yaml
from myoild.validate.schemas import MODELS

REPO = Path(__file__).resolve().parents[1]

# Column kinds of the contract, written out here independently of the package's models.
DATES = set(
    "index_date last_contact_date death_date withdrawal_date start_date end_date visit_date exam_date onset_date".split()
)
BOOLEANS = set("""smoking_history heliotrope_rash gottron_sign proximal_weakness hypertension diabetes malignancy
    severe_respiratory_disease active_tuberculosis severe_immunodeficiency renal_insufficiency anti_mda5 anti_jo1
    anti_ej anti_pl7 anti_pl12 symptom_exacerbation respiratory_exacerbation radiological_progression serious
    led_to_discontinuation""".split())
INTEGERS = {"mmrc", "hama", "hamd", "grade", "ctcae_grade"}
NUMBERS = set(
    """age_years weight_kg disease_duration_months dose prednisolone_mg_day ferritin_ug_l esr_mm_h crp_mg_l ck_u_l
    ldh_u_l six_mwt_m patient_global mmt8 myoact mitax mdi cat""".split()
)
TRUTH = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def good_cohort() -> dict[str, pd.DataFrame]:
    """Three patients, every table filled, with the boundary cases the contract allows.

    P001: baseline visit exactly 14 days before index; boolean spellings yes/no/TRUE/0; site "NA".
    P002: died on the last contact date; baseline on the index date.
    P003: prospective, withdrew on the last contact date; two complete HRCT exams.
    """
    patients = pd.DataFrame(
        {
            "patient_id": ["P001", "P002", "P003"],
            "site": ["NA", "Wuhan", "Wuhan"],
            "cohort": ["retrospective", "retrospective", "prospective"],
            "sex": ["F", "M", "F"],
            "age_years": ["54", "61.5", "18"],
            "weight_kg": ["60", "72.25", "20"],
            "diagnosis": ["DM", "PM", "CADM"],
            "index_date": ["2019-03-14", "2019-05-01", "2019-06-01"],
            "last_contact_date": ["2020-03-14", "2019-11-20", "2020-01-10"],
            "death_date": [None, "2019-11-20", None],
            "death_cause": [None, "ILD exacerbation", None],
            "disease_duration_months": ["0", None, "3.5"],
            "smoking_history": ["yes", "no", None],
            "heliotrope_rash": ["TRUE", "False", "1"],
            "gottron_sign": ["0", "No", "YES"],
            "proximal_weakness": ["true", None, "false"],
            "hypertension": ["no", "no", "no"],
            "diabetes": ["no", "yes", "no"],
            "malignancy": ["no", "no", "no"],
            "severe_respiratory_disease": [None, None, "no"],
            "active_tuberculosis": [None, None, "no"],
            "severe_immunodeficiency": [None, None, "no"],
            "renal_insufficiency": [None, None, "no"],
            "anti_mda5": ["yes", "no", "yes"],
            "anti_jo1": ["no", "yes", "no"],
            "anti_ej": ["no", "no", "no"],
            "anti_pl7": ["no", "no", "no"],
            "anti_pl12": ["no", "no", None],
            "hrct_pattern": ["NSIP", "NSIP+OP", "unclassifiable"],
            "withdrawal_date": [None, None, "2020-01-10"],
            "withdrawal_reason": [None, None, "lost_to_follow_up"],
        }
    )
    medications = pd.DataFrame(
        {
            "patient_id": ["P001", "P001", "P002", "P002", "P003", "P003", "P003"],
            "drug": [
                "prednisolone",
                "tacrolimus",
                "methylprednisolone",
                "cyclophosphamide",
                "tacrolimus",
                "pirfenidone",
                "ivig",
            ],
            "start_date": [
                "2019-03-01",
                "2019-03-14",
                "2019-05-01",
                "2019-05-02",
                "2019-06-01",
                "2019-06-10",
                "2019-06-02",
            ],
            "end_date": [None, None, "2019-05-01", None, None, None, "2019-06-06"],
            "dose": ["40", "2", "500", "0.5", "1.5", "600", None],
            "dose_unit": ["mg/day", "mg/day", "mg/day", "g/kg", "mg/day", "mg/day", None],
        }
    )
    visits = pd.DataFrame(
        {
            "patient_id": ["P001", "P001", "P002", "P002", "P003", "P003"],
            "visit_date": ["2019-02-28", "2019-04-15", "2019-05-01", "2019-06-03", "2019-05-25", "2019-09-02"],
            "visit": ["baseline", "m1", "baseline", "unscheduled", "baseline", "m3"],
            "symptom_exacerbation": ["no", "yes", "0", "1", "false", "false"],
            "respiratory_exacerbation": ["no", "no", "0", "1", "false", "true"],
            "radiological_progression": [None, "yes", None, "0", "no", "no"],
            "prednisolone_mg_day": ["40", "30", "0", "60", "1e1", "7.5"],
            "ferritin_ug_l": ["800", "1700", None, "300", "1500", "900"],
            "esr_mm_h": ["30", "65", "12", None, "40", "20"],
            "crp_mg_l": ["5", "7", None, None, "11", "3"],
            "ck_u_l": ["400", "300", None, None, "2000", "150"],
            "ldh_u_l": ["350", "320", None, None, "420", "260"],
            "six_mwt_m": [None, None, None, None, "0", "1000"],
            "mmrc": [None, None, None, None, "4", "0"],
            "patient_global": [None, None, None, None, "10", "0"],
            "mmt8": [None, None, None, None, "80", "0"],
            "myoact": [None, None, None, None, "10", "2.5"],
            "mitax": [None, None, None, None, "1", "0"],
            "mdi": [None, None, None, None, "12", "3"],
            "cat": [None, None, None, None, "5", "0"],
            "hama": [None, None, None, None, "56", "0"],
            "hamd": [None, None, None, None, "52", "0"],
        }
    )
    exams = [("baseline", "2019-05-28"), ("m12", "2020-01-10")]
    grid = list(itertools.product(exams, ("R1", "R2"), LOBES, HRCT_FEATURES))
    hrct_reads = pd.DataFrame(
        {
            "patient_id": "P003",
            "timepoint": [exam[0] for exam, *_ in grid],
            "exam_date": [exam[1] for exam, *_ in grid],
            "reader": [reader for _, reader, *_ in grid],
            "lobe": [lobe for *_, lobe, _ in grid],
            "feature": [feature for *_, feature in grid],
            "grade": [str(position % 5) for position in range(len(grid))],
        }
    )
    adverse_events = pd.DataFrame(
        {
            "patient_id": ["P003", "P001"],
            "onset_date": ["2019-07-01", "2019-08-01"],
            "term": ["Pneumocystis pneumonia", "NA"],
            "category": ["opportunistic_infection", "glucose_metabolism"],
            "ctcae_grade": ["3", "1"],
            "serious": ["yes", "no"],
            "related_drug": ["tacrolimus", None],
            "led_to_discontinuation": ["no", "no"],
        }
    )
    return {
        "patients": patients,
        "medications": medications,
        "visits": visits,
        "hrct_reads": hrct_reads,
        "adverse_events": adverse_events,
    }


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The text cohort as native types (what a Parquet or Excel export holds), by the kinds above."""
    out = {}
    for column, cells in frame.items():
        if column in DATES:
            out[column] = pd.to_datetime(cells, format="%Y-%m-%d")
        elif column in BOOLEANS:
            out[column] = cells.map(lambda cell: None if cell is None else TRUTH[cell.lower()]).astype("boolean")
        elif column in INTEGERS:
            out[column] = cells.astype("Float64").astype("Int64")
        elif column in NUMBERS:
            out[column] = cells.astype(float)
        else:
            out[column] = cells
    return pd.DataFrame(out)


def write_cohort(tables: dict[str, pd.DataFrame], folder: Path, fmt: str = "csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        path = folder / f"{table}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        elif fmt == "parquet":
            typed(frame).to_parquet(path, index=False)
        else:
            typed(frame).to_excel(path, index=False)
    return folder


def validate(tables: dict[str, pd.DataFrame], folder: Path, fmt: str = "csv"):
    return validate_folder(write_cohort(tables, folder, fmt))


def keys(records: list[dict]) -> list[tuple]:
    return [(r["table"], r["column"], r["row"], r["patient_id"], r["check"]) for r in records]


@pytest.fixture
def cohort():
    return good_cohort()


# --------------------------------------------------------------------------- the good cohort passes


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_good_cohort_passes_in_every_format(cohort, tmp_path, fmt):
    result = validate(cohort, tmp_path, fmt)
    assert result.errors == []
    assert result.notes == []
    assert result.status == "pass"
    assert {table: result.info[table].rows for table in TABLES} == {
        "patients": 3,
        "medications": 7,
        "visits": 6,
        "hrct_reads": 80,
        "adverse_events": 2,
    }
    assert result.info["patients"].file == f"patients.{fmt}"


def test_normalised_tables_follow_the_dtype_convention(cohort, tmp_path):
    tables = validate(cohort, tmp_path).tables
    patients, visits = tables["patients"], tables["visits"]
    assert patients["site"].tolist() == ["NA", "Wuhan", "Wuhan"]  # "NA" is text, not missing
    assert patients["death_cause"].tolist() == [None, "ILD exacerbation", None]
    assert patients["index_date"].dtype == "datetime64[ns]"
    assert patients["age_years"].tolist() == [54.0, 61.5, 18.0]
    assert patients["heliotrope_rash"].dtype == "boolean"
    assert patients["heliotrope_rash"].tolist() == [True, False, True]  # TRUE, False, 1
    assert patients["smoking_history"].isna().tolist() == [False, False, True]
    assert visits["mmrc"].dtype == "Int64"
    assert visits["prednisolone_mg_day"].tolist() == [40.0, 30.0, 0.0, 60.0, 10.0, 7.5]  # 1e1 = 10
    assert tables["hrct_reads"]["grade"].dtype == "Int64"
    for table, frame in tables.items():
        assert frame.index.equals(pd.RangeIndex(len(frame))), table
        assert frame["source_row"].dtype == "int64"
    # Sorted by key with the raw row kept: hrct rows sorted by (patient, timepoint, reader, lobe, feature).
    reads = tables["hrct_reads"]
    assert reads["lobe"].iloc[:4].tolist() == ["LLL"] * 4
    assert reads["source_row"].iloc[0] == 1 + 4 * LOBES.index("LLL") + HRCT_FEATURES.index("consolidation")


def test_the_three_formats_give_the_same_normalised_tables(cohort, tmp_path):
    results = {fmt: validate(cohort, tmp_path / fmt, fmt).tables for fmt in ("csv", "parquet", "xlsx")}
    for table in TABLES:
        pd.testing.assert_frame_equal(results["csv"][table], results["parquet"][table])
        pd.testing.assert_frame_equal(results["csv"][table], results["xlsx"][table])


def test_bom_and_crlf_are_read(cohort, tmp_path):
    write_cohort(cohort, tmp_path)
    path = tmp_path / "patients.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = validate_folder(tmp_path)
    assert result.status == "pass", result.errors
    assert result.tables["patients"]["patient_id"].tolist() == ["P001", "P002", "P003"]


def test_adverse_events_may_have_no_rows(cohort, tmp_path):
    cohort["adverse_events"] = cohort["adverse_events"].iloc[:0]
    result = validate(cohort, tmp_path)
    assert result.status == "pass"
    assert result.info["adverse_events"].rows == 0
    assert result.tables["adverse_events"]["onset_date"].dtype == "datetime64[ns]"


def test_optional_columns_may_be_left_out(cohort, tmp_path):
    cohort["patients"] = cohort["patients"].drop(columns=["death_date", "death_cause", "anti_pl12"])
    result = validate(cohort, tmp_path)
    assert result.status == "pass", result.errors
    assert result.tables["patients"]["death_date"].isna().all()
    assert result.tables["patients"]["anti_pl12"].dtype == "boolean"


# --------------------------------------------------------------------------- one case per rule


def _set(table: str, row: int, column: str, value):
    """A mutation: set the cell of raw row ``row`` (1-based) to ``value``."""

    def mutate(tables):
        tables[table].loc[row - 1, column] = value

    return mutate


def _append(table: str, **cells):
    """A mutation: add a copy of row 1 of a table with some cells changed (becomes the last row)."""

    def mutate(tables):
        frame = tables[table]
        new = frame.iloc[[0]].copy()
        for column, value in cells.items():
            new[column] = value
        tables[table] = pd.concat([frame, new], ignore_index=True)

    return mutate


def _drop_column(table: str, column: str):
    def mutate(tables):
        tables[table] = tables[table].drop(columns=[column])

    return mutate


def _drop_row(table: str, row: int):
    def mutate(tables):
        tables[table] = tables[table].drop(index=row - 1).reset_index(drop=True)

    return mutate


def _both(*mutations):
    def mutate(tables):
        for mutation in mutations:
            mutation(tables)

    return mutate


def case(name: str, mutation, expected: list[tuple], quoted: str):
    """A rule case: the mutation, the records it must give (table, column, row, patient_id, check), a quoted word."""
    return pytest.param(mutation, expected, quoted, id=name)


def cell(name: str, table: str, row: int, column: str, value, patient_id: str, check: str):
    """A case that sets one cell and expects one error naming exactly that cell, quoting the value."""
    quoted = "empty" if value is None else f'"{value}"' if check.startswith(("is_", "isin")) else value
    return case(name, _set(table, row, column, value), [(table, column, row, patient_id, check)], quoted)


# fmt: off
RULES = [
    # patients: key, required, allowed values, ranges, types, date order, withdrawal
    case("patient_id empty", _append("patients", patient_id=None),
         [("patients", "patient_id", 4, None, "not_nullable")], "empty"),
    case("patient_id not unique", _append("patients"),
         [("patients", "patient_id", 1, "P001", "unique"), ("patients", "patient_id", 4, "P001", "unique")], "row 4"),
    cell("site empty", "patients", 2, "site", None, "P002", "not_nullable"),
    cell("cohort not allowed", "patients", 1, "cohort", "Retrospective", "P001", "isin"),
    cell("sex not allowed", "patients", 2, "sex", "X", "P002", "isin"),
    cell("age NA is not a number", "patients", 1, "age_years", "NA", "P001", "is_number"),
    cell("age above 110", "patients", 2, "age_years", "110.5", "P002", "less_than_or_equal_to"),
    cell("age below 0", "patients", 2, "age_years", "-1", "P002", "greater_than_or_equal_to"),
    cell("weight below 20", "patients", 3, "weight_kg", "19.9", "P003", "greater_than_or_equal_to"),
    cell("weight above 250", "patients", 3, "weight_kg", "251", "P003", "less_than_or_equal_to"),
    cell("diagnosis not allowed", "patients", 1, "diagnosis", "JDM", "P001", "isin"),
    cell("index_date not ISO", "patients", 1, "index_date", "14/03/2019", "P001", "is_date"),
    cell("index_date without zero padding", "patients", 1, "index_date", "2019-3-14", "P001", "is_date"),
    cell("date that does not exist", "patients", 2, "last_contact_date", "2019-02-30", "P002", "is_date"),
    cell("last contact before index", "patients", 1, "last_contact_date", "2019-03-13", "P001",
         "last_contact_on_or_after_index"),
    cell("death before index", "patients", 2, "death_date", "2019-04-30", "P002", "death_within_follow_up"),
    cell("death after last contact", "patients", 2, "death_date", "2019-11-21", "P002", "death_within_follow_up"),
    cell("disease duration negative", "patients", 1, "disease_duration_months", "-0.5", "P001",
         "greater_than_or_equal_to"),
    cell("boolean spelling not allowed", "patients", 1, "smoking_history", "maybe", "P001", "is_boolean"),
    cell("n/a is not an empty boolean", "patients", 3, "anti_mda5", "n/a", "P003", "is_boolean"),
    cell("allowed values are case-sensitive", "patients", 1, "hrct_pattern", "nsip", "P001", "isin"),
    case("withdrawal in the retrospective cohort",
         _both(_set("patients", 1, "withdrawal_date", "2019-04-01"), _set("patients", 1, "withdrawal_reason", "other")),
         [("patients", "withdrawal_date", 1, "P001", "withdrawal_prospective_only")], "retrospective"),
    case("withdrawal date without reason", _set("patients", 3, "withdrawal_reason", None),
         [("patients", "withdrawal_reason", 3, "P003", "withdrawal_reason_with_date")], "empty"),
    case("withdrawal reason without date", _set("patients", 3, "withdrawal_date", None),
         [("patients", "withdrawal_reason", 3, "P003", "withdrawal_reason_with_date")], "empty"),
    cell("withdrawal reason not allowed", "patients", 3, "withdrawal_reason", "moved", "P003", "isin"),
    cell("withdrawal after last contact", "patients", 3, "withdrawal_date", "2020-01-11", "P003",
         "withdrawal_within_follow_up"),
    cell("withdrawal before index", "patients", 3, "withdrawal_date", "2019-05-31", "P003",
         "withdrawal_within_follow_up"),
    case("required column missing", _drop_column("patients", "sex"),
         [("patients", "sex", None, None, "column_in_dataframe")], "sex"),
    # medications
    cell("medication of an unknown patient", "medications", 2, "patient_id", "P999", "P999", "patient_in_patients"),
    cell("unknown drug", "medications", 1, "drug", "prednisone", "P001", "isin"),
    cell("start_date NA", "medications", 3, "start_date", "NA", "P002", "is_date"),
    cell("start_date empty", "medications", 3, "start_date", None, "P002", "not_nullable"),
    cell("end before start", "medications", 7, "end_date", "2019-06-01", "P003", "end_on_or_after_start"),
    cell("dose zero", "medications", 2, "dose", "0", "P001", "greater_than"),
    cell("dose not a number", "medications", 2, "dose", "2 mg", "P001", "is_number"),
    case("dose without unit", _set("medications", 2, "dose_unit", None),
         [("medications", "dose_unit", 2, "P001", "dose_unit_with_dose")], "dose_unit"),
    cell("dose unit not allowed", "medications", 2, "dose_unit", "mg", "P001", "isin"),
    # visits
    case("visit of an unknown patient", _append("visits", patient_id="P004", visit="m1"),
         [("visits", "patient_id", 7, "P004", "patient_in_patients")], '"P004"'),
    case("visit date not unique", _set("visits", 2, "visit_date", "2019-02-28"),
         [("visits", "visit_date", 1, "P001", "unique"), ("visits", "visit_date", 2, "P001", "unique")], "row 2"),
    cell("visit not allowed", "visits", 2, "visit", "m2", "P001", "isin"),
    cell("required boolean empty", "visits", 4, "symptom_exacerbation", None, "P002", "not_nullable"),
    cell("boolean 2", "visits", 4, "respiratory_exacerbation", "2", "P002", "is_boolean"),
    cell("optional boolean y", "visits", 2, "radiological_progression", "y", "P001", "is_boolean"),
    cell("mmrc not whole", "visits", 6, "mmrc", "2.5", "P003", "is_integer"),
    cell("mmrc above 4", "visits", 6, "mmrc", "5", "P003", "less_than_or_equal_to"),
    cell("hama above 56", "visits", 6, "hama", "57", "P003", "less_than_or_equal_to"),
    cell("hamd above 52", "visits", 6, "hamd", "53", "P003", "less_than_or_equal_to"),
    cell("hamd negative", "visits", 6, "hamd", "-1", "P003", "greater_than_or_equal_to"),
    cell("six-minute walk above 1000", "visits", 6, "six_mwt_m", "1000.1", "P003", "less_than_or_equal_to"),
    cell("patient global above 10", "visits", 6, "patient_global", "10.5", "P003", "less_than_or_equal_to"),
    cell("mmt8 above 80", "visits", 6, "mmt8", "81", "P003", "less_than_or_equal_to"),
    cell("myoact above 10", "visits", 6, "myoact", "11", "P003", "less_than_or_equal_to"),
    cell("mitax above 1", "visits", 6, "mitax", "1.01", "P003", "less_than_or_equal_to"),
    cell("mdi negative", "visits", 6, "mdi", "-1", "P003", "greater_than_or_equal_to"),
    cell("cat negative", "visits", 6, "cat", "-2", "P003", "greater_than_or_equal_to"),
    cell("ferritin negative", "visits", 1, "ferritin_ug_l", "-5", "P001", "greater_than_or_equal_to"),
    cell("esr negative", "visits", 1, "esr_mm_h", "-5", "P001", "greater_than_or_equal_to"),
    cell("crp negative", "visits", 1, "crp_mg_l", "-5", "P001", "greater_than_or_equal_to"),
    cell("ck negative", "visits", 1, "ck_u_l", "-5", "P001", "greater_than_or_equal_to"),
    cell("ldh negative", "visits", 1, "ldh_u_l", "-5", "P001", "greater_than_or_equal_to"),
    cell("prednisolone negative", "visits", 1, "prednisolone_mg_day", "-5", "P001", "greater_than_or_equal_to"),
    case("no baseline visit", _set("visits", 3, "visit", "unscheduled"),
         [("visits", "visit", None, "P002", "one_baseline_visit")], "no baseline"),
    case("patient without visits", _both(_drop_row("visits", 2), _drop_row("visits", 1)),
         [("visits", "visit", None, "P001", "one_baseline_visit")], "no baseline"),
    case("two baseline visits",
         _both(_set("visits", 2, "visit", "baseline"), _set("visits", 2, "visit_date", "2019-03-01")),
         [("visits", "visit", 1, "P001", "one_baseline_visit"), ("visits", "visit", 2, "P001", "one_baseline_visit")],
         "rows 1, 2"),
    cell("baseline 15 days before index", "visits", 1, "visit_date", "2019-02-27", "P001",
         "baseline_within_14_days_before_index"),
    cell("baseline after index", "visits", 3, "visit_date", "2019-05-02", "P002",
         "baseline_within_14_days_before_index"),
    # hrct_reads
    cell("hrct of an unknown patient", "hrct_reads", 80, "patient_id", "P009", "P009", "patient_in_patients"),
    cell("timepoint not allowed", "hrct_reads", 1, "timepoint", "m6", "P003", "isin"),
    cell("lobe not allowed", "hrct_reads", 2, "lobe", "RL", "P003", "isin"),
    cell("feature not allowed", "hrct_reads", 3, "feature", "honeycombing", "P003", "isin"),
    cell("grade above 4", "hrct_reads", 4, "grade", "5", "P003", "less_than_or_equal_to"),
    cell("grade not whole", "hrct_reads", 4, "grade", "1.5", "P003", "is_integer"),
    cell("reader empty", "hrct_reads", 5, "reader", None, "P003", "not_nullable"),
    case("hrct cell read twice", _append("hrct_reads"),
         [("hrct_reads", "feature", 1, "P003", "unique"), ("hrct_reads", "feature", 81, "P003", "unique")], "row 81"),
    cell("two dates in one exam", "hrct_reads", 30, "exam_date", "2019-05-29", "P003", "one_exam_date"),
    # adverse_events
    cell("adverse event of an unknown patient", "adverse_events", 1, "patient_id", "P000", "P000",
         "patient_in_patients"),
    cell("onset_date empty", "adverse_events", 1, "onset_date", None, "P003", "not_nullable"),
    cell("term empty", "adverse_events", 2, "term", None, "P001", "not_nullable"),
    cell("category not allowed", "adverse_events", 1, "category", "infection", "P003", "isin"),
    cell("ctcae grade 0", "adverse_events", 1, "ctcae_grade", "0", "P003", "greater_than_or_equal_to"),
    cell("ctcae grade 6", "adverse_events", 1, "ctcae_grade", "6", "P003", "less_than_or_equal_to"),
    cell("serious NA", "adverse_events", 2, "serious", "NA", "P001", "is_boolean"),
    cell("related drug unknown", "adverse_events", 1, "related_drug", "aspirin", "P003", "isin"),
    cell("led to discontinuation empty", "adverse_events", 2, "led_to_discontinuation", None, "P001", "not_nullable"),
]
# fmt: on


@pytest.mark.parametrize(("mutation", "expected", "quoted"), RULES)
def test_each_rule_rejects_a_bad_row_naming_it(cohort, tmp_path, mutation, expected, quoted):
    mutation(cohort)
    result = validate(cohort, tmp_path)
    assert result.status == "fail"
    assert keys(result.errors) == expected
    assert any(quoted in error["message"] for error in result.errors)


@pytest.mark.parametrize(
    ("table", "column", "row", "value"),
    [
        ("patients", "age_years", 3, "110"),  # range ends are allowed
        ("patients", "weight_kg", 1, "250"),
        ("patients", "site", 2, "-"),  # text is text
        ("patients", "death_cause", 1, "null"),
        ("visits", "mmrc", 5, "2.0"),  # a whole number written with a decimal point
        ("visits", "mitax", 5, "0.5"),
        ("visits", "symptom_exacerbation", 1, "No"),
        ("medications", "dose", 1, ".5"),
        ("adverse_events", "related_drug", 2, "ivig"),
        ("adverse_events", "term", 1, "n/a"),
    ],
)
def test_a_good_value_passes(cohort, tmp_path, table, column, row, value):
    _set(table, row, column, value)(cohort)
    result = validate(cohort, tmp_path)
    assert result.errors == []


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_native_formats_report_the_same_cell(cohort, tmp_path, fmt):
    """A range error found in a Parquet or Excel file names the same row and patient as in CSV."""
    _set("visits", 6, "mmrc", "7")(cohort)
    result = validate(cohort, tmp_path, fmt)
    assert keys(result.errors) == [("visits", "mmrc", 6, "P003", "less_than_or_equal_to")]


def test_timestamp_with_a_time_of_day_is_not_a_date(cohort, tmp_path):
    write_cohort(cohort, tmp_path, "parquet")
    patients = pd.read_parquet(tmp_path / "patients.parquet")
    patients.loc[1, "index_date"] = pd.Timestamp("2019-05-01 08:30")
    patients.to_parquet(tmp_path / "patients.parquet", index=False)
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("patients", "index_date", 2, "P002", "is_date")]
    assert "time of day" in result.errors[0]["message"]


def test_excel_error_cell_is_a_value_not_a_missing_cell(cohort, tmp_path):
    write_cohort(cohort, tmp_path, "xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "patients.xlsx")
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=3, column=header.index("age_years") + 1, value="#N/A")  # sheet row 3 = data row 2
    workbook.save(tmp_path / "patients.xlsx")
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("patients", "age_years", 2, "P002", "is_number")]
    assert '"#N/A"' in result.errors[0]["message"]


def test_a_column_of_bad_cells_reports_each_cell_once(cohort, tmp_path):
    cohort["visits"]["visit_date"] = ["NA", "2019-04-15", "-", "2019-06-03", "2019-05-25", "2019-09-02"]
    result = validate(cohort, tmp_path)
    # Two bad cells, each once: not again as an empty required cell, and no baseline-date error.
    assert keys(result.errors) == [
        ("visits", "visit_date", 1, "P001", "is_date"),
        ("visits", "visit_date", 3, "P002", "is_date"),
    ]


def test_all_errors_are_collected_in_contract_order(cohort, tmp_path):
    _set("visits", 2, "visit", "m2")(cohort)
    _set("patients", 3, "sex", "f")(cohort)
    _set("patients", 1, "age_years", "abc")(cohort)
    _set("patients", 1, "cohort", "both")(cohort)
    cohort["medications"] = cohort["medications"].drop(columns=["drug"])
    result = validate(cohort, tmp_path)
    assert keys(result.errors) == [
        ("patients", "cohort", 1, "P001", "isin"),
        ("patients", "age_years", 1, "P001", "is_number"),
        ("patients", "sex", 3, "P003", "isin"),
        ("medications", "drug", None, None, "column_in_dataframe"),
        ("visits", "visit", 2, "P001", "isin"),
    ]


def test_missing_column_message_points_at_a_misspelt_header(cohort, tmp_path):
    cohort["patients"] = cohort["patients"].rename(columns={"sex": "Sex"})
    result = validate(cohort, tmp_path)
    assert keys(result.errors) == [("patients", "sex", None, None, "column_in_dataframe")]
    assert '"Sex"' in result.errors[0]["message"]
    assert keys(result.notes) == [("patients", "Sex", None, None, "extra_column")]


# --------------------------------------------------------------------------- table-level errors


def test_patients_with_no_rows_is_an_error(cohort, tmp_path):
    for table in TABLES:
        cohort[table] = cohort[table].iloc[:0]
    result = validate(cohort, tmp_path)
    assert keys(result.errors) == [("patients", None, None, None, "not_empty")]


def test_a_missing_table_is_an_error(cohort, tmp_path):
    write_cohort(cohort, tmp_path)
    (tmp_path / "visits.csv").unlink()
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("visits", None, None, None, "table_present")]
    assert result.info["visits"].file is None


def test_two_files_for_one_table_is_an_error(cohort, tmp_path):
    write_cohort(cohort, tmp_path)
    typed(cohort["medications"]).to_parquet(tmp_path / "medications.parquet")
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("medications", None, None, None, "one_file_per_table")]
    assert "(medications.csv, medications.parquet)" in result.errors[0]["message"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("patients.csv", bytes(range(256)) * 4),  # binary garbage
        ("patients.csv", "patient_id,site\nP001,Sainte-Cécile\n".encode("latin-1")),  # not UTF-8
        ("patients.csv", b'patient_id,site\n"P001,Wuhan\nP002,Wuhan\n'),  # unterminated quote
        ("patients.csv", b""),  # no header
        ("patients.parquet", b"PAR1" + bytes(100)),  # truncated Parquet
        ("patients.xlsx", b"PK\x03\x04 not really a workbook"),
    ],
    ids=["garbage", "latin-1", "unterminated quote", "empty file", "truncated parquet", "broken xlsx"],
)
def test_an_unreadable_file_is_a_reported_error(cohort, tmp_path, name, content):
    write_cohort(cohort, tmp_path)
    (tmp_path / "patients.csv").unlink()
    (tmp_path / name).write_bytes(content)
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("patients", None, None, None, "readable")]
    assert name in result.errors[0]["message"]
    assert result.info["patients"].file == name
    assert result.info["patients"].rows is None


def test_a_truncated_copy_of_a_real_parquet_file_is_reported(cohort, tmp_path):
    write_cohort(cohort, tmp_path, "parquet")
    path = tmp_path / "visits.parquet"
    path.write_bytes(path.read_bytes()[:-40])
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("visits", None, None, None, "readable")]


def test_a_missing_input_folder_is_a_reported_error(tmp_path):
    result = validate_folder(tmp_path / "nowhere")
    assert keys(result.errors) == [(None, None, None, None, "input_folder")]


# --------------------------------------------------------------------------- warnings


def test_incomplete_hrct_grid_is_a_warning_naming_patient_timepoint_reader_and_cells(cohort, tmp_path):
    reads = cohort["hrct_reads"]
    drop = (
        (reads["timepoint"] == "m12")
        & (reads["reader"] == "R2")
        & (reads["lobe"] == "RML")
        & (reads["feature"].isin(["ground_glass", "reticulation"]))
    )
    cohort["hrct_reads"] = reads.loc[~drop].reset_index(drop=True)
    result = validate(cohort, tmp_path)
    assert result.status == "pass"
    assert keys(result.notes) == [("hrct_reads", None, None, "P003", "hrct_grid_complete")]
    message = result.notes[0]["message"]
    assert "m12" in message and "reader R2" in message and "RML ground_glass, RML reticulation" in message
    assert "2 of 20" in message


@pytest.mark.parametrize("readers", [("R1",), ("R1", "R2", "R3")])
def test_an_exam_without_two_readers_is_a_warning(cohort, tmp_path, readers):
    reads = cohort["hrct_reads"]
    baseline = reads.loc[reads["timepoint"] == "baseline"]
    if len(readers) == 1:
        reads = reads.loc[~((reads["timepoint"] == "baseline") & (reads["reader"] == "R2"))]
    else:
        reads = pd.concat([reads, baseline.loc[baseline["reader"] == "R1"].assign(reader="R3")])
    cohort["hrct_reads"] = reads.reset_index(drop=True)
    result = validate(cohort, tmp_path)
    assert result.status == "pass"
    assert keys(result.notes) == [("hrct_reads", None, None, "P003", "hrct_two_readers")]
    assert f"baseline exam has {len(readers)} reader(s) ({', '.join(readers)})" in result.notes[0]["message"]


def test_a_patient_without_m12_exam_is_no_warning(cohort, tmp_path):
    cohort["hrct_reads"] = cohort["hrct_reads"].loc[lambda r: r["timepoint"] == "baseline"].reset_index(drop=True)
    assert validate(cohort, tmp_path).notes == []


def test_extra_column_and_unknown_file_are_warnings(cohort, tmp_path):
    cohort["visits"]["fvc_percent"] = "70"
    write_cohort(cohort, tmp_path)
    (tmp_path / "notes.txt").write_text("free text")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    result = validate_folder(tmp_path)
    assert result.status == "pass"
    assert keys(result.notes) == [
        (None, None, None, None, "unknown_file"),
        ("visits", "fvc_percent", None, None, "extra_column"),
    ]
    assert "fvc_percent" not in result.tables["visits"]


# --------------------------------------------------------------------------- report, message, stage


def test_report_json_follows_the_results_contract(cohort, tmp_path):
    _set("patients", 2, "sex", "X")(cohort)
    result = validate(cohort, tmp_path / "in")
    write_report(result, tmp_path / "out" / "report.json", tmp_path / "out" / "report.md")
    text = (tmp_path / "out" / "report.json").read_text()
    report = json.loads(text)
    assert list(report) == ["errors", "notes", "status", "tables"]  # keys sorted
    assert report["status"] == "fail"
    assert report["errors"] == [
        {
            "check": "isin",
            "column": "sex",
            "message": '"X" is not one of F, M',
            "patient_id": "P002",
            "row": 2,
            "table": "patients",
        }
    ]
    digest = hashlib.sha256((tmp_path / "in" / "patients.csv").read_bytes()).hexdigest()
    assert report["tables"]["patients"] == {"file": "patients.csv", "rows": 3, "sha256": digest}
    assert set(report["tables"]) == set(TABLES)
    assert str(tmp_path) not in text  # file names, not paths
    md = (tmp_path / "out" / "report.md").read_text()
    assert "**Status: fail**" in md and "| patients | 2 | P002 | sex | isin |" in md
    # Stable: the same input gives the same bytes.
    write_report(validate_folder(tmp_path / "in"), tmp_path / "again.json", tmp_path / "again.md")
    assert (tmp_path / "again.json").read_text() == text
    assert (tmp_path / "again.md").read_text() == md


def test_failure_message_names_the_first_errors_and_the_report(cohort, tmp_path):
    for row in (1, 2, 3):
        _set("patients", row, "sex", "x")(cohort)
    _set("visits", 4, "mmrc", "9")(cohort)
    result = validate(cohort, tmp_path)
    message = failure_message(result, "results/validation/report.md", max_errors=2)
    assert message.splitlines() == [
        "Validation of the input data failed: 4 errors (patients 3, visits 1).",
        "The first 2:",
        '  - patients, row 1, patient_id P001, column sex: "x" is not one of F, M [isin]',
        '  - patients, row 2, patient_id P002, column sex: "x" is not one of F, M [isin]',
        "  ... and 2 more.",
        "Full report: results/validation/report.md",
    ]


def test_normalised_parquet_files_are_deterministic(cohort, tmp_path):
    result = validate(cohort, tmp_path / "in")
    first = write_normalised(result, tmp_path / "a")
    second = write_normalised(validate_folder(tmp_path / "in"), tmp_path / "b")
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    back = pd.read_parquet(tmp_path / "a" / "visits.parquet")
    pd.testing.assert_frame_equal(back, result.tables["visits"])


def test_main_writes_report_and_tables_on_pass_and_only_the_report_on_fail(cohort, tmp_path, capsys):
    results = tmp_path / "results"
    write_cohort(cohort, tmp_path / "in")
    assert main(tmp_path / "in", results) == 0
    assert sorted(path.relative_to(results).as_posix() for path in results.rglob("*.*")) == sorted(
        ["validation/report.json", "validation/report.md", *(f"validated/{table}.parquet" for table in TABLES)]
    )
    _set("patients", 1, "index_date", "NA")(cohort)
    write_cohort(cohort, tmp_path / "in")
    capsys.readouterr()
    assert main(tmp_path / "in", results) == 1
    assert sorted(path.relative_to(results).as_posix() for path in results.rglob("*.*")) == [
        "validation/report.json",
        "validation/report.md",
    ]
    stderr = capsys.readouterr().err
    assert 'patients, row 1, patient_id P001, column index_date: "NA" is not a date' in stderr
    assert str(results / "validation" / "report.md") in stderr


def test_command_line_exits_non_zero_without_traceback(cohort, tmp_path):
    write_cohort(cohort, tmp_path / "in")
    (tmp_path / "in" / "visits.csv").write_bytes(b'patient_id,visit_date\n"P001,2019-01-01\n')
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "myoild.cli",
            "validate",
            "--input",
            str(tmp_path / "in"),
            "--results",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "visits: visits.csv cannot be read" in run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["validation"]


def test_refuses_to_run_when_pandera_validation_is_switched_off(cohort, tmp_path, capsys):
    write_cohort(cohort, tmp_path / "in")
    with config_context(validation_enabled=False):
        with pytest.raises(ValidationDisabledError, match="PANDERA_VALIDATION_ENABLED"):
            validate_folder(tmp_path / "in")
        assert main(tmp_path / "in", tmp_path / "out") == 2
    assert "PANDERA_VALIDATION_ENABLED" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with config_context(validation_depth="SCHEMA_ONLY"):
        with pytest.raises(ValidationDisabledError, match="PANDERA_VALIDATION_DEPTH"):
            validate_folder(tmp_path / "in")


def test_exported_yaml_schemas_match_the_models():
    """schemas/raw/<table>.yaml is regenerated by `python -m myoild.validate.export_schemas`."""
    for table in TABLES:
        path = REPO / "schemas" / "raw" / f"{table}.yaml"
        assert path.read_text(encoding="utf-8") == schema_yaml(table), f"{path} is stale: regenerate it"


def test_yaml_schema_round_trips_to_the_same_checks():
    for table, model in MODELS.items():
        loaded = pa.DataFrameSchema.from_yaml(schema_yaml(table))
        schema = model.to_schema()
        assert list(loaded.columns) == list(schema.columns)
        for name, column in schema.columns.items():
            assert str(loaded.columns[name].dtype) == str(column.dtype)
            assert loaded.columns[name].nullable == column.nullable
            assert [c.statistics for c in loaded.columns[name].checks] == [c.statistics for c in column.checks]
        assert loaded.unique == schema.unique


def test_numbers_and_dates_in_native_files_keep_their_values(tmp_path, cohort):
    write_cohort(cohort, tmp_path, "xlsx")
    tables = validate_folder(tmp_path).tables
    assert tables["patients"]["weight_kg"].tolist() == [60.0, 72.25, 20.0]
    assert tables["patients"]["index_date"].tolist() == list(pd.to_datetime(["2019-03-14", "2019-05-01", "2019-06-01"]))
    assert np.array_equal(tables["visits"]["hama"].to_numpy(dtype=float, na_value=np.nan)[-2:], [56.0, 0.0])


def test_baseline_window_follows_the_study_design(cohort, tmp_path):
    """``study.baseline_window_days``: a baseline visit 15 days before index fails the paper's 14-day
    window and passes a 21-day one; 22 days before fails that too."""
    from myoild.validate import validate_folder

    _set("visits", 1, "visit_date", "2019-02-27")(cohort)  # 15 days before P001's index date
    folder = write_cohort(cohort, tmp_path / "raw15")
    assert "baseline_within_14_days_before_index" in {e["check"] for e in validate_folder(folder).errors}
    assert validate_folder(folder, baseline_window_days=21).status == "pass"
    _set("visits", 1, "visit_date", "2019-02-20")(cohort)  # 22 days before
    folder = write_cohort(cohort, tmp_path / "raw22")
    errors = validate_folder(folder, baseline_window_days=21).errors
    assert [e["message"] for e in errors if e["check"] == "baseline_within_14_days_before_index"] == [
        "baseline visit_date 2019-02-20 is not on or within 21 days before index_date 2019-03-14"
    ]


def test_tables_checked_side_by_side_give_the_same_result_in_the_same_order(cohort, tmp_path):
    """``workers=2`` reads and checks two tables at a time (threads): the errors, warnings, their
    order, the file records and the normalised tables are those of ``workers=1`` (the tables one
    after another in the calling thread), for a good cohort and for one with errors in five tables,
    a missing table and an unreadable file."""
    good = write_cohort(cohort, tmp_path / "good")
    for rule in (RULES[0], RULES[len(RULES) // 2], RULES[-1]):
        rule.values[0](cohort)
    broken = write_cohort(cohort, tmp_path / "broken")
    (broken / "hrct_reads.csv").unlink()
    (broken / "medications.csv").write_bytes(b"\xff\xfe\x00bad")
    for folder in (good, broken):
        one, two = validate_folder(folder, workers=1), validate_folder(folder, workers=2)
        assert (two.status, two.errors, two.notes, two.info) == (one.status, one.errors, one.notes, one.info)
        assert two.tables.keys() == one.tables.keys()
        for table in one.tables:
            pd.testing.assert_frame_equal(two.tables[table], one.tables[table])
    assert validate_folder(broken, workers=2).status == "fail"


def test_the_callers_pandera_settings_reach_the_tables_checked_in_threads(cohort, tmp_path):
    """pandera keeps its settings in context variables, which a pool's threads do not inherit: with
    validation switched off in the environment and on in the caller's ``config_context``, tables
    checked in threads must still be checked (before, their schema errors were silently dropped)."""
    cohort["patients"].loc[0, "sex"] = None
    cohort["visits"].loc[1, "visit"] = None
    folder = write_cohort(cohort, tmp_path / "cohort")
    expected = keys(validate_folder(folder, workers=1).errors)
    assert {check for *_, check in expected} >= {"not_nullable"}
    script = (
        "import json, sys\n"
        "from pandera.config import config_context\n"
        "from myoild.validate import validate_folder\n"
        "with config_context(validation_enabled=True):\n"
        "    result = validate_folder(sys.argv[1], workers=2)\n"
        "print(json.dumps([[r['table'], r['column'], r['row'], r['patient_id'], r['check']] for r in result.errors]))\n"
    )
    env = {**os.environ, "PANDERA_VALIDATION_ENABLED": "False", "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert [tuple(record) for record in json.loads(done.stdout)] == expected


def test_parsed_tables_and_their_masks_are_released_before_normalising(cohort, tmp_path, monkeypatch):
    """Only ``data`` holds a parsed table once every table is checked: the masks of the cells given
    are gone before the tables are normalised (at a million patients they are a boolean per cell)."""
    from myoild.validate import core

    masks = []
    check_table = core.check_table

    def recording(table, raw):
        checked = check_table(table, raw)
        masks.append(weakref.ref(checked.present))
        return checked

    alive_when_normalising = []
    result = core._result

    def counting(*args):
        gc.collect()
        alive_when_normalising.append(sum(mask() is not None for mask in masks))
        return result(*args)

    monkeypatch.setattr(core, "check_table", recording)
    monkeypatch.setattr(core, "_result", counting)
    folder = write_cohort(cohort, tmp_path / "cohort")
    for workers in (1, 2):
        assert core.validate_folder(folder, workers=workers).status == "pass"
    assert len(masks) == 10 and alive_when_normalising == [0, 0]
