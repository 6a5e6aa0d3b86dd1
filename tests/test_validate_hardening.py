"""Validation never reads a file differently from what it says (DATA_CONTRACT.md, "Reading rules").

Each test guards one way a file used to pass validation while the tables read from it said
something else than the file (a cell cut short at a NUL byte, a row short of fields, a formula
read as its cached value, a doubled medication row, records after death), or a message that
did not say what was wrong with a file, or a report that copied data into Markdown unescaped.
The good cohort and its helpers are test_validate.py's.
"""

from __future__ import annotations

import os
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from test_validate import good_cohort, keys, typed, validate, write_cohort

from myoild.synth import generate_cohort
from myoild.synth import write_cohort as write_synthetic
from myoild.validate import main, validate_folder, write_report


@pytest.fixture
def cohort():
    return good_cohort()


def _set(tables, table, row, column, value):
    """Set the cell of data row ``row`` (1-based) of a table."""
    tables[table].loc[row - 1, column] = value


def _append_row(tables, table, source_row, **cells):
    """Append a copy of data row ``source_row`` with some cells changed (it becomes the last row)."""
    new = tables[table].iloc[[source_row - 1]].assign(**cells)
    tables[table] = pd.concat([tables[table], new], ignore_index=True)


def _lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# --------------------------------------------------------------------------- cells and rows read as the file holds them


def test_control_characters_in_csv_cells_are_errors_not_cut_short(cohort, tmp_path):
    # pandas' CSV reader stops a cell at a NUL byte: "6<NUL>5" was read as 6, "5<NUL>0" mg as 5.
    _set(cohort, "patients", 1, "age_years", "6\x005")
    _set(cohort, "medications", 2, "dose", "5\x000")
    _set(cohort, "patients", 2, "site", "Wu\x00han")
    _set(cohort, "visits", 4, "visit", "unscheduled\x1b")  # ESC, another C0 control character
    write_cohort(cohort, tmp_path)
    assert b"6\x005" in (tmp_path / "patients.csv").read_bytes()
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [
        ("patients", "age_years", 1, "P001", "no_control_character"),
        ("patients", "site", 2, "P002", "no_control_character"),
        ("medications", "dose", 2, "P001", "no_control_character"),
        ("visits", "visit", 4, "P002", "no_control_character"),
    ]
    messages = {error["column"]: error["message"] for error in result.errors}
    assert "control character U+0000" in messages["age_years"] and '"6\\x005"' in messages["age_years"]
    assert "control character U+001B" in messages["visit"]


def test_tab_and_line_breaks_in_a_quoted_text_cell_are_text(cohort, tmp_path):
    _set(cohort, "adverse_events", 1, "term", "Pneumocystis\tpneumonia,\r\nconfirmed")
    result = validate(cohort, tmp_path)
    assert result.errors == []
    assert result.tables["adverse_events"]["term"].tolist()[1] == "Pneumocystis\tpneumonia,\r\nconfirmed"


def test_control_character_in_a_parquet_cell_is_an_error(cohort, tmp_path):
    _set(cohort, "patients", 3, "site", "Wuhan\x00")
    result = validate(cohort, tmp_path, "parquet")
    assert keys(result.errors) == [("patients", "site", 3, "P003", "no_control_character")]


def test_csv_row_with_fewer_or_more_fields_than_the_header_is_an_error(cohort, tmp_path):
    write_cohort(cohort, tmp_path)
    lines = _lines(tmp_path / "patients.csv")
    header = lines[0].split(",")
    cut = header.index("last_contact_date") + 1
    lines[2] = ",".join(lines[2].split(",")[:cut])  # data row 2 (P002) lost its death date and the rest
    lines[3] += ",surplus"  # data row 3 (P003) has one field too many
    (tmp_path / "patients.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [
        ("patients", None, 2, "P002", "fields_match_header"),
        ("patients", None, 3, "P003", "fields_match_header"),
    ]
    assert f"{cut} fields" in result.errors[0]["message"] and f"header has {len(header)}" in result.errors[0]["message"]
    assert f"{len(header) + 1} fields" in result.errors[1]["message"]


def _xlsx_with_formula(cohort, tmp_path, cached: str | None):
    """patients.xlsx with age_years of data row 1 (cell E2) a formula, with or without a cached value."""
    write_cohort(cohort, tmp_path, "xlsx")
    path = tmp_path / "patients.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    column = [cell.value for cell in sheet[1]].index("age_years") + 1
    address = sheet.cell(row=2, column=column).coordinate
    sheet[address] = "=60-6"
    workbook.save(path)
    if cached is not None:
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
        sheet_xml, replaced = re.subn(r"<f>60-6</f><v(?:\s*/>|>\s*</v>)", f"<f>60-6</f><v>{cached}</v>", sheet_xml)
        assert replaced == 1
        parts["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in parts.items():
                archive.writestr(name, content)
        assert openpyxl.load_workbook(path, data_only=True).worksheets[0][address].value == int(cached)
    return address


@pytest.mark.parametrize("cached", [None, "54"], ids=["no cached value", "cached value"])
def test_excel_formula_cell_is_an_error(cohort, tmp_path, cached):
    address = _xlsx_with_formula(cohort, tmp_path, cached)
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("patients", "age_years", 1, "P001", "no_formula")]
    assert f"cell {address}" in result.errors[0]["message"] and '"=60-6"' in result.errors[0]["message"]


def test_exact_duplicate_medication_rows_are_a_duplicated_episode(cohort, tmp_path):
    medications = cohort["medications"]
    cohort["medications"] = pd.concat([medications, medications.iloc[[0]]], ignore_index=True)  # P001 prednisolone
    result = validate(cohort, tmp_path)
    assert keys(result.errors) == [
        ("medications", "dose_unit", 1, "P001", "unique_episode"),
        ("medications", "dose_unit", 8, "P001", "unique_episode"),
    ]
    assert "duplicated episode" in result.errors[0]["message"] and "row 8" in result.errors[0]["message"]


def test_same_drug_started_the_same_day_at_another_dose_is_no_duplicate(cohort, tmp_path):
    extra = cohort["medications"].iloc[[0]].assign(dose="5")
    cohort["medications"] = pd.concat([cohort["medications"], extra], ignore_index=True)
    assert validate(cohort, tmp_path).errors == []


def test_duplicated_adverse_event_is_an_error(cohort, tmp_path):
    events = cohort["adverse_events"]
    cohort["adverse_events"] = pd.concat([events, events.iloc[[1]].assign(ctcae_grade="2")], ignore_index=True)
    result = validate(cohort, tmp_path)
    assert keys(result.errors) == [
        ("adverse_events", "term", 2, "P001", "unique_event"),
        ("adverse_events", "term", 3, "P001", "unique_event"),
    ]
    assert "duplicated event" in result.errors[0]["message"]


def _move_m12_exam(tables, date):
    reads = tables["hrct_reads"]
    reads.loc[reads["timepoint"] == "m12", "exam_date"] = date


# P002 died on 2019-11-20, its last contact; P003 was last seen 2020-01-10; P001 on 2020-03-14.
AFTER_FOLLOW_UP = [
    pytest.param(
        lambda t: _append_row(t, "visits", 4, visit_date="2019-12-01"),
        ("visits", "visit_date", 7, "P002"),
        "after the death_date 2019-11-20",
        id="visit after death",
    ),
    pytest.param(
        lambda t: _append_row(t, "visits", 2, visit_date="2020-03-15"),
        ("visits", "visit_date", 7, "P001"),
        "after the last_contact_date 2020-03-14",
        id="visit after last contact",
    ),
    pytest.param(
        lambda t: _move_m12_exam(t, "2020-02-01"),
        ("hrct_reads", "exam_date", 41, "P003"),
        "40 rows",
        id="hrct exam after last contact",
    ),
    pytest.param(
        lambda t: _set(t, "adverse_events", 2, "onset_date", "2020-04-01"),
        ("adverse_events", "onset_date", 2, "P001"),
        "after the last_contact_date 2020-03-14",
        id="adverse event after last contact",
    ),
    pytest.param(
        lambda t: _set(t, "medications", 4, "start_date", "2019-11-21"),
        ("medications", "start_date", 4, "P002"),
        "after the death_date 2019-11-20",
        id="medication started after death",
    ),
    pytest.param(
        lambda t: (
            _set(t, "patients", 1, "death_date", "2019-12-01"),
            _append_row(t, "visits", 2, visit_date="2020-01-05"),
        ),
        ("visits", "visit_date", 7, "P001"),
        "after the death_date 2019-12-01",
        id="visit after a death before the last contact",
    ),
]


@pytest.mark.parametrize(("mutation", "where", "words"), AFTER_FOLLOW_UP)
def test_records_dated_after_death_or_last_contact_are_errors(cohort, tmp_path, mutation, where, words):
    mutation(cohort)
    result = validate(cohort, tmp_path)
    assert keys(result.errors) == [(*where, "not_after_death_or_last_contact")]
    assert words in result.errors[0]["message"]


def test_records_on_the_day_of_death_are_allowed(cohort, tmp_path):
    _append_row(cohort, "visits", 4, visit_date="2019-11-20")  # P002 seen on the day of death
    assert validate(cohort, tmp_path).errors == []


# --------------------------------------------------------------------------- files that are not what they seem


def test_semicolon_delimited_csv_says_so(cohort, tmp_path):
    write_cohort(cohort, tmp_path)
    cohort["visits"].to_csv(tmp_path / "visits.csv", index=False, sep=";")
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("visits", None, None, None, "comma_delimited")]
    assert 'looks delimited by ";"' in result.errors[0]["message"] and "visits.csv" in result.errors[0]["message"]


def test_upper_case_suffix_is_named_in_the_missing_table_error(cohort, tmp_path):
    write_cohort(cohort, tmp_path)
    (tmp_path / "patients.csv").rename(tmp_path / "patients.CSV")
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("patients", None, None, None, "table_present")]
    assert '"patients.CSV"' in result.errors[0]["message"] and "lower-case" in result.errors[0]["message"]


@pytest.mark.parametrize("kind", ["folder", "looping link", "dangling link"])
def test_something_other_than_a_file_in_place_of_a_table_says_what_it_is(cohort, tmp_path, kind):
    write_cohort(cohort, tmp_path)
    path = tmp_path / "visits.csv"
    path.unlink()
    if kind == "folder":
        path.mkdir()
        words = "is a folder"
    elif kind == "looping link":
        os.symlink(path, path)
        words = "symbolic link that loops"
    else:
        os.symlink(tmp_path / "elsewhere.csv", path)
        words = "symbolic link to a file that does not exist"
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("visits", None, None, None, "is_file")]
    assert "visits.csv" in result.errors[0]["message"] and words in result.errors[0]["message"]


def test_xlsx_whose_first_sheet_is_not_the_data_names_the_sheets(cohort, tmp_path):
    write_cohort(cohort, tmp_path)
    (tmp_path / "patients.csv").unlink()
    with pd.ExcelWriter(tmp_path / "patients.xlsx") as writer:
        pd.DataFrame({"Study": ["Chen et al. 2022"], "Exported": ["2023-01-05"]}).to_excel(
            writer, sheet_name="Cover", index=False
        )
        typed(cohort["patients"]).to_excel(writer, sheet_name="patients", index=False)
    result = validate_folder(tmp_path)
    assert result.status == "fail"
    missing = [error for error in result.errors if error["check"] == "column_in_dataframe"]
    assert missing and all(error["table"] == "patients" for error in missing)
    assert all('sheet "Cover"' in error["message"] and '"patients"' in error["message"] for error in missing)


def test_utf16_text_without_byte_order_mark_is_named(cohort, tmp_path):
    # UTF-16 without a byte-order mark is valid UTF-8 with a NUL after every ASCII character.
    write_cohort(cohort, tmp_path)
    (tmp_path / "visits.csv").write_bytes((tmp_path / "visits.csv").read_text().encode("utf-16-le"))
    result = validate_folder(tmp_path)
    assert keys(result.errors) == [("visits", None, None, None, "no_control_character")]
    assert "UTF-16" in result.errors[0]["message"] and "visits.csv" in result.errors[0]["message"]


# --------------------------------------------------------------------------- report.md


def _unescaped(character: str, line: str) -> int:
    return len(re.findall(rf"(?<!\\){re.escape(character)}", line))


def test_report_md_escapes_every_data_derived_string(cohort, tmp_path):
    hostile = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "P|9 `code` [click](javascript:alert(1)) ![i](http://x/t.png) # title & *bold*",
    ]
    for patient_id in hostile:
        _append_row(cohort, "visits", 2, patient_id=patient_id, visit_date="2019-04-20")
    cohort["visits"]["<img src=x onerror=alert(2)>"] = "x"
    result = validate(cohort, tmp_path / "in")
    assert {error["patient_id"] for error in result.errors} == set(hostile)
    write_report(result, tmp_path / "report.json", tmp_path / "report.md")
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "<" not in markdown and ">" not in markdown.replace("&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert "&lt;img src=x onerror=alert(2)&gt;" in markdown  # the column name of the warning
    tables = [block.splitlines() for block in markdown.split("\n\n") if block.startswith("| ")]
    assert len(tables) == 3  # tables read, errors, warnings
    for lines in tables:
        assert all(_unescaped("|", line) == _unescaped("|", lines[0]) for line in lines), lines
    for line in tables[1] + tables[2]:
        for character in "`[]*":
            assert _unescaped(character, line) == 0, (character, line)


def test_failed_run_with_new_errors_leaves_only_the_report(cohort, tmp_path):
    _set(cohort, "patients", 1, "age_years", "6\x005")
    write_cohort(cohort, tmp_path / "in")
    assert main(tmp_path / "in", tmp_path / "out") == 1
    assert sorted(path.name for path in (tmp_path / "out").rglob("*") if path.is_file()) == [
        "report.json",
        "report.md",
    ]


# --------------------------------------------------------------------------- the built-in generator obeys the new rules


def test_generator_never_repeats_an_adverse_event():
    # Seed 5 with 20,000 patients drew 17 second events on the day and with the term of the first.
    events = generate_cohort(seed=5, n_retrospective=20_000, n_prospective=41).tables["adverse_events"]
    assert not events.duplicated(["patient_id", "onset_date", "term"]).any()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_generated_cohort_passes_the_new_rules(tmp_path, fmt):
    write_synthetic(generate_cohort(seed=9, n_retrospective=2, n_prospective=2000), tmp_path, fmt)
    result = validate_folder(tmp_path)
    assert result.errors == []
