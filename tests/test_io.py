"""Reading raw tables as they are (DATA_CONTRACT.md, "Reading rules"), before any interpretation."""

from __future__ import annotations

import datetime as dt
import hashlib

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from myoild.io import RawTableError, read_raw_table, table_files
from myoild.provenance import file_sha256


def _csv(tmp_path, content: bytes, name: str = "visits.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_csv_cells_are_text_and_only_empty_cells_are_missing(tmp_path):
    path = _csv(tmp_path, b"patient_id,site,age_years\nP1,NA,n/a\nP2,,null\nP3,-,\n")
    frame = read_raw_table(path).cells
    assert frame.index.tolist() == [1, 2, 3]  # first line after the header is row 1
    assert frame["site"].tolist()[0] == "NA" and pd.isna(frame["site"].iloc[1]) and frame["site"].iloc[2] == "-"
    assert frame["age_years"].iloc[:2].tolist() == ["n/a", "null"]
    assert pd.isna(frame["age_years"].iloc[2])
    assert frame["patient_id"].tolist() == ["P1", "P2", "P3"]


def test_csv_with_bom_and_crlf_reads_like_plain_utf8(tmp_path):
    plain = read_raw_table(_csv(tmp_path, "patient_id,term\nP1,Müller\n".encode(), "a.csv")).cells
    windows = read_raw_table(_csv(tmp_path, "\ufeffpatient_id,term\r\nP1,Müller\r\n".encode(), "b.csv")).cells
    pd.testing.assert_frame_equal(plain, windows)
    assert list(windows.columns) == ["patient_id", "term"]  # no BOM glued to the first name


def test_blank_lines_are_no_rows_but_keep_the_numbering(tmp_path):
    frame = read_raw_table(_csv(tmp_path, b"patient_id,site\nP1,A\n\nP3,C\n,\n")).cells
    assert frame.index.tolist() == [1, 3]
    assert frame["patient_id"].tolist() == ["P1", "P3"]


def test_quoted_values_may_hold_commas_and_line_breaks(tmp_path):
    frame = read_raw_table(_csv(tmp_path, b'patient_id,term\nP1,"rash, mild"\nP2,"two\nlines"\nP3,x\n')).cells
    assert frame["term"].tolist() == ["rash, mild", "two\nlines", "x"]
    assert frame.index.tolist() == [1, 2, 3]  # rows are records, not lines


def test_header_only_csv_has_no_rows(tmp_path):
    frame = read_raw_table(_csv(tmp_path, b"patient_id,site\n")).cells
    assert frame.empty and list(frame.columns) == ["patient_id", "site"]


def test_empty_trailing_column_is_dropped_and_a_filled_nameless_one_kept(tmp_path):
    frame = read_raw_table(_csv(tmp_path, b"patient_id,site,\nP1,A,\nP2,B,\n")).cells
    assert list(frame.columns) == ["patient_id", "site"]
    frame = read_raw_table(_csv(tmp_path, b"patient_id,,site\nP1,x,A\n")).cells
    assert list(frame.columns) == ["patient_id", "unnamed_2", "site"]


@pytest.mark.parametrize(
    ("content", "check", "words"),
    [
        # "patient_id,site\n" is 16 bytes, "P1,Sainte-C" 11 more: é is byte 27 (from 0), on line 2.
        (
            "patient_id,site\nP1,Sainte-Cécile\n".encode("latin-1"),
            "readable",
            "not UTF-8 text (byte 0xe9 at offset 27, line 2)",
        ),
        ("patient_id,site\nP1,Wuhan\n".encode("utf-16"), "readable", "not UTF-8"),
        (b'patient_id,site\n"P1,A\nP2,B\n', "readable", "cannot be read"),
        (b"", "readable", "cannot be read"),
        (b"patient_id,site,site\nP1,A,B\n", "unique_column_names", "'site' appears more than once"),
    ],
    ids=["latin-1", "utf-16", "unterminated quote", "empty file", "duplicate column"],
)
def test_unreadable_csv_raises_a_named_error(tmp_path, content, check, words):
    with pytest.raises(RawTableError) as caught:
        read_raw_table(_csv(tmp_path, content))
    assert caught.value.check == check
    assert "visits.csv" in caught.value.message and words in caught.value.message


def test_parquet_keeps_native_types(tmp_path):
    table = pa.table(
        {
            "patient_id": pa.array(["P1", "P2"]).dictionary_encode(),
            "visit_date": pa.array([dt.date(2019, 3, 14), None], pa.date32()),
            "seen": pa.array([dt.datetime(2019, 3, 14), dt.datetime(2019, 3, 15, 9)], pa.timestamp("us")),
            "mmrc": pa.array([2, None], pa.int64()),
            "serious": pa.array([True, None]),
            "site": pa.array(["NA", ""]),
        }
    )
    pq.write_table(table, tmp_path / "visits.parquet")
    frame = read_raw_table(tmp_path / "visits.parquet").cells
    assert frame.index.tolist() == [1, 2]
    assert frame["patient_id"].tolist() == ["P1", "P2"]  # dictionary column as plain values
    assert frame["visit_date"].dtype.kind == "M" and frame["visit_date"].iloc[0] == pd.Timestamp("2019-03-14")
    assert frame["seen"].iloc[1] == pd.Timestamp("2019-03-15 09:00")
    assert frame["mmrc"].iloc[0] == 2 and pd.isna(frame["mmrc"].iloc[1])
    assert frame["serious"].tolist() == [True, None]
    assert frame["site"].tolist() == ["NA", ""]


def test_truncated_parquet_raises_a_named_error(tmp_path):
    pd.DataFrame({"patient_id": ["P1"] * 100}).to_parquet(tmp_path / "visits.parquet")
    path = tmp_path / "visits.parquet"
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(RawTableError, match="visits.parquet cannot be read"):
        read_raw_table(path)


def test_excel_reads_the_first_sheet_with_native_cells(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["patient_id", "visit_date", "serious", "grade", "term"])
    sheet.append(["P1", dt.date(2019, 3, 14), True, 2, "#N/A"])
    sheet.append(["P2", None, "no", 2.5, ""])
    sheet.append([None, None, None, None, None])
    sheet.append(["P4", "2019-03-14", 0, None, "NA"])
    workbook.create_sheet("notes").append(["patient_id", "other"])
    workbook.save(tmp_path / "visits.xlsx")
    frame = read_raw_table(tmp_path / "visits.xlsx").cells
    assert list(frame.columns) == ["patient_id", "visit_date", "serious", "grade", "term"]
    assert frame.index.tolist() == [1, 2, 4]
    assert frame["visit_date"].tolist()[::2] == [dt.datetime(2019, 3, 14), "2019-03-14"]
    assert frame["serious"].tolist() == [True, "no", 0]
    assert frame["grade"].tolist()[:2] == [2, 2.5]
    # An error cell is a value, not a missing cell; an empty string is an empty cell.
    assert frame["term"].iloc[0] == "#N/A" and frame["term"].iloc[1] is None and frame["term"].iloc[2] == "NA"


def test_broken_excel_raises_a_named_error(tmp_path):
    (tmp_path / "visits.xlsx").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(RawTableError, match="visits.xlsx cannot be read"):
        read_raw_table(tmp_path / "visits.xlsx")


def test_table_files_groups_candidates_and_lists_other_files(tmp_path):
    for name in ("patients.csv", "patients.parquet", "visits.xlsx", "visit.csv", "notes.txt", ".~lock.visits.xlsx#"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "hrct_reads.csv").mkdir()
    found, others = table_files(tmp_path)
    assert [path.name for path in found["patients"]] == ["patients.csv", "patients.parquet"]
    assert [path.name for path in found["visits"]] == ["visits.xlsx"]
    assert [path.name for path in found["hrct_reads"]] == ["hrct_reads.csv"]  # a folder: validation says so
    assert found["medications"] == []
    assert [path.name for path in others] == ["notes.txt", "visit.csv"]


def test_file_sha256_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"patient_id\nP1\n")
    assert file_sha256(path) == hashlib.sha256(b"patient_id\nP1\n").hexdigest()
