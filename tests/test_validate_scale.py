"""What the validate stage's speed-ups at registry scale (1,000,000 patients) must not change.

Each fast path is compared with the plain rule it replaces: Parquet read column by column with
text dictionary-encoded against a plain ``read_table().to_pandas()`` (damaged files included);
``missing_cells`` against ``pd.isna``; dates judged in numpy against pandas' ``normalize`` and
range; the patients looked up once (``patient_codes``, once per run of equal neighbours) against
the patient_ids themselves; repeated rows found among candidates against ``DataFrame.duplicated``;
the sort on ranks against a stable pandas sort. Two tests guard the memory: raw columns are
dropped once parsed, and no parsed column keeps a CSV table's cells alive.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import myoild.io as io
from myoild.io import RawTable, missing_cells, read_raw_table
from myoild.validate import core
from myoild.validate.crosstable import _positions, _repeated_rows, patient_codes
from myoild.validate.parse import DATE_MAX, DATE_MIN, parse_column
from myoild.validate.tables import check_table

# --------------------------------------------------------------------------- reading Parquet


def _many_types(rows: int = 9) -> pa.Table:
    """Text (plain, large, dictionary-encoded; empty, "NA" and missing cells), numbers, booleans,
    dates (also outside the nanosecond range), timestamps and a list column."""
    numbers = np.random.default_rng(3).normal(size=rows)
    text = [None if i % 4 == 1 else f"P{i % 3}" for i in range(rows)]
    dates = [dt.date(2020, 1, 1 + i % 2) if i % 3 else None for i in range(rows)]
    return pa.table(
        {
            "text": pa.array(text),
            "empty_and_na": pa.array(["", "NA", None] * (rows // 3)),
            "large": pa.array(text, pa.large_string()),
            "encoded": pa.array(text).dictionary_encode(),
            "encoded_dates": pa.array(dates, pa.date32()).dictionary_encode(),
            "number": pa.array([None if i == 2 else float(v) for i, v in enumerate(numbers)]),
            "whole": pa.array(list(range(rows))),
            "flag": pa.array([None if i == 0 else bool(i % 2) for i in range(rows)]),
            "date": pa.array([dt.date(1000 + 500 * (i % 3), 1, 1) for i in range(rows)], pa.date32()),
            "stamp": pa.array([dt.datetime(2020, 1, 1, i % 2) for i in range(rows)], pa.timestamp("ns")),
            "nested": pa.array([[i] if i % 2 else None for i in range(rows)]),
        }
    )


def _plain_read(path) -> pd.DataFrame:
    """The plain rule: the whole table through ``to_pandas``, dictionary columns as their values."""
    frame = pq.read_table(path).to_pandas(ignore_metadata=True, date_as_object=False)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        elif frame[name].dtype == object:
            frame[name] = frame[name].map(lambda v: str(v.tolist()) if hasattr(v, "tolist") else v, na_action="ignore")
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


@pytest.mark.parametrize("row_group_size", [None, 2])
def test_parquet_cells_are_what_a_plain_read_gives(tmp_path, row_group_size):
    """Column by column, text dictionary-encoded, chunks of several row groups: the same cells,
    dtypes and Python types as reading the whole table plainly."""
    path = tmp_path / "visits.parquet"
    pq.write_table(_many_types(), path, row_group_size=row_group_size)
    cells, plain = read_raw_table(path).cells, _plain_read(path)
    pd.testing.assert_frame_equal(cells, plain)
    for name in cells:
        assert [type(value) for value in cells[name]] == [type(value) for value in plain[name]], name


def test_dictionary_values_decode_each_row_group_and_keep_missing_cells_none():
    first, second = pa.array(["b", None, "a"]).dictionary_encode(), pa.array(["c", "b", None]).dictionary_encode()
    column = pa.chunked_array([first, first.slice(1), second])
    assert io._dictionary_values(column).tolist() == ["b", None, "a", None, "a", "c", "b", None]
    assert io._dictionary_values(pa.chunked_array([], first.type)).tolist() == []
    dates = pa.chunked_array([pa.array([dt.date(2020, 1, 2), None], pa.date32()).dictionary_encode()])
    assert io._dictionary_values(dates).tolist() == [pd.Timestamp("2020-01-02"), None]


def test_dictionary_indices_out_of_bounds_are_not_sound():
    dictionary = pa.array(["a", "b"])
    bad = pa.DictionaryArray.from_arrays(pa.array([0, 5], pa.int32()), dictionary, safe=False)
    good = pa.DictionaryArray.from_arrays(pa.array([0, None, 1], pa.int32()), dictionary)
    assert not io._sound(pa.chunked_array([good, bad]))
    assert io._sound(pa.chunked_array([good])) and io._sound(pa.chunked_array([pa.array(["x"])]))


def test_an_unsound_dictionary_column_is_read_again_as_plain_text(tmp_path, monkeypatch):
    """A damaged dictionary column is read as before: the reader then reports the damage in its own words."""
    path = tmp_path / "visits.parquet"
    pq.write_table(_many_types(), path, row_group_size=4)
    plain = _plain_read(path)
    columns_read, read_table = [], pq.read_table
    monkeypatch.setattr(io, "_sound", lambda column: not pa.types.is_dictionary(column.type))
    monkeypatch.setattr(
        pq, "read_table", lambda path, columns: columns_read.append(columns) or read_table(path, columns=columns)
    )
    pd.testing.assert_frame_equal(read_raw_table(path).cells, plain)
    assert columns_read == [["text"], ["empty_and_na"], ["large"], ["encoded"]]  # text alone comes as a dictionary


def test_a_repeated_parquet_column_name_fails_as_a_plain_read_does(tmp_path):
    table = pa.table([pa.array(["a"]), pa.array([1]), pa.array(["b"])], names=["x", "n", "x"])
    pq.write_table(table, tmp_path / "visits.parquet")
    with pytest.raises(pa.ArrowInvalid) as plain:
        pq.read_table(tmp_path / "visits.parquet")
    with pytest.raises(io.RawTableError) as ours:
        read_raw_table(tmp_path / "visits.parquet")
    assert ours.value.message == f"visits.parquet cannot be read: {str(plain.value).splitlines()[0]}"


def test_control_character_in_a_dictionary_of_a_later_row_group_is_found(tmp_path):
    path = tmp_path / "visits.parquet"
    pq.write_table(pa.table({"term": ["ok", "ok", "ok", "bad\x07"]}), path, row_group_size=2)
    defects = read_raw_table(path).defects
    assert defects[["row", "column", "check"]].values.tolist() == [[4, "term", "no_control_character"]]


# --------------------------------------------------------------------------- missing cells


@pytest.mark.parametrize(
    "values",
    [
        np.array(["a", "b", ""], dtype=object),
        np.array(["a", None, "b"], dtype=object),
        np.array(["a", np.nan, "b"], dtype=object),
        np.array(["a", 1, pd.NA, pd.NaT], dtype=object),
        np.array([], dtype=object),
        np.array([1.0, np.nan]),
        np.array(["2020-01-01", "NaT"], dtype="datetime64[ns]"),
        pd.Series(pd.array([1, None], dtype="Int64")),
        pd.Series(["x", None], dtype=object),
    ],
)
def test_missing_cells_is_isna(values):
    np.testing.assert_array_equal(missing_cells(values), np.asarray(pd.isna(values)))


# --------------------------------------------------------------------------- parsing


def _dates_by_pandas(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The plain rule: a native timestamp is a date when it equals its normalised self, within range."""
    present = raw.notna()
    good = present & (raw == raw.dt.normalize()) & (raw >= DATE_MIN) & (raw <= DATE_MAX)
    return raw.where(good).astype("datetime64[ns]"), present & ~good


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_native_dates_are_judged_as_pandas_judges_them(unit):
    """In every unit, also at the ends of the nanosecond range (where numpy's own conversion of
    nanoseconds to days overflows) and before 1970."""
    edges = [
        "2020-01-01",
        "NaT",
        "2020-01-01T05:00",
        "1969-12-31",
        "1969-12-31T12:00",
        "1677-09-22",
        "2262-04-11",
        "1677-09-22T00:00:01",
        "2262-04-11T00:00:01",
    ]
    if unit != "ns":
        edges += ["1000-01-01", "9999-12-31", "1677-09-21", "2262-04-12"]
    raw = pd.Series(np.array(edges, dtype=f"datetime64[{unit}]"), index=pd.RangeIndex(1, len(edges) + 1))
    typed, bad = parse_column(raw, "date")
    expected_typed, expected_bad = _dates_by_pandas(raw)
    pd.testing.assert_series_equal(typed, expected_typed)
    pd.testing.assert_series_equal(bad, expected_bad)


def test_text_column_without_missing_cells_is_taken_as_it_is():
    raw = pd.Series(np.array(["P1", "P2"], dtype=object), index=pd.RangeIndex(1, 3))
    typed, bad = parse_column(raw, "text")
    assert np.shares_memory(typed.to_numpy(), raw.to_numpy()) and not bad.any()
    typed, _ = parse_column(pd.Series(["P1", "", None, np.nan], dtype=object), "text")
    assert typed.tolist() == ["P1", None, None, None]


def test_parsed_text_keeps_no_raw_table_alive(tmp_path):
    """CSV cells are one block of all columns: a parsed column taken as a view would keep it alive."""
    (tmp_path / "patients.csv").write_text("patient_id,site\nP1,A\nP2,B\n")
    raw = read_raw_table(tmp_path / "patients.csv")
    column = raw.cells.pop("patient_id")
    block = column.to_numpy()
    while isinstance(block.base, np.ndarray):
        block = block.base
    assert block.size == 4  # both columns' cells
    released = weakref.ref(block)
    typed, _ = parse_column(column, "text")
    del raw, column, block
    gc.collect()
    assert typed.tolist() == ["P1", "P2"] and released() is None


def test_native_numbers_without_bad_cells_keep_their_values():
    raw = pd.Series([1.5, np.nan, -0.0, 7.0])
    typed, bad = parse_column(raw, "number")
    pd.testing.assert_series_equal(typed, raw)
    assert not bad.any()
    assert parse_column(pd.Series([1.0, np.inf]), "number")[0].isna().tolist() == [False, True]


def test_check_table_drops_each_raw_column_once_parsed():
    """The raw cells are released column by column: a table of millions of rows is never held twice."""
    cells = pd.DataFrame({"patient_id": ["P1"], "onset_date": ["2020-01-01"], "note": ["extra"]})
    cells.index = pd.RangeIndex(1, 2, name="row")
    checked = check_table("adverse_events", RawTable(cells, io._no_defects()))
    assert list(cells.columns) == ["note"]  # only the extra column, which is not parsed, is left
    assert checked.data["patient_id"].tolist() == ["P1"]


# --------------------------------------------------------------------------- rules between tables


def test_patient_codes_are_the_patient_ids():
    data = {
        "patients": pd.DataFrame({"patient_id": ["P2", "P1", None, "P2"]}),
        "visits": pd.DataFrame({"patient_id": ["P1", "P9", None, "P2", "P9", "P8"]}),
        "adverse_events": pd.DataFrame({"patient_id": ["P8", "P1"]}),
    }
    codes = patient_codes(data)
    assert codes.n_patients == 2 and codes.ids.tolist() == ["P2", "P1", "P9", "P8"]
    for table, frame in data.items():
        ids = [None if code < 0 else codes.ids[code] for code in codes.by_table[table]]
        assert ids == frame["patient_id"].tolist(), table
    assert codes.first_rows().tolist() == [0, 1]
    assert codes.rows_of("visits").tolist() == [1, 2, 2, 0, 2, 2]  # 2: not a patient of patients, or empty
    assert patient_codes({"visits": data["visits"]}).n_patients == 0


def test_patients_are_looked_up_once_per_run_of_equal_neighbours_as_one_by_one():
    rng = np.random.default_rng(2)
    ids = pd.Index(["P1", "P2", "P3"], dtype=object)
    values = rng.choice(np.array(["P1", "P2", "P3", "P4", None, np.nan], dtype=object), 300)
    for rows in (values, np.repeat(values[:40], 5), values[:0], values[:1]):
        np.testing.assert_array_equal(_positions(ids, rows), ids.get_indexer(rows))


def test_repeated_rows_are_duplicated_rows():
    rng = np.random.default_rng(11)
    n = 400
    values = pd.DataFrame(
        {
            "patient_id": rng.integers(0, 30, n),
            "drug": rng.choice(np.array(["a", "b", None], dtype=object), n),
            "start_date": pd.to_datetime(rng.integers(0, 3, n), unit="D"),
            "dose": rng.choice([1.0, np.nan], n),
        },
        index=pd.RangeIndex(1, n + 1),
    )
    expected = values.index[values.duplicated(keep=False)]
    pd.testing.assert_index_equal(_repeated_rows(values), expected)
    pd.testing.assert_index_equal(
        _repeated_rows(values[["drug"]]), values.index[values[["drug"]].duplicated(keep=False)]
    )


# --------------------------------------------------------------------------- sorting


def test_sort_on_ranks_is_a_stable_sort_with_missing_keys_last():
    rng = np.random.default_rng(5)
    n = 500
    data = pd.DataFrame(
        {
            "patient_id": rng.choice(np.array(["P10", "P2", "P1", "p1", "É", None], dtype=object), n),
            "drug": rng.choice(np.array(["b", "a", None], dtype=object), n),
            "start_date": pd.to_datetime(rng.choice(["2020-01-02", "2019-12-31", None], n)).astype("datetime64[ns]"),
        },
        index=pd.RangeIndex(1, n + 1, name="row"),
    )
    keys = ["patient_id", "start_date", "drug"]
    expected = data.reset_index().sort_values([*keys, "row"], kind="mergesort", na_position="last").index
    np.testing.assert_array_equal(core._sort_order(data, keys), expected.to_numpy())
