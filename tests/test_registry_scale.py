"""What the registry-scale speed-ups must not change (issue 13, section 6).

Validation sorts a table only when it is not sorted already, and then with Arrow; whole numbers
are tested with ``trunc``; blank rows are found column by column on the rows still blank; pandera
validates in place; the derive job reads only the columns ``derive_cohort`` uses. Each test compares the fast path with
the plain rule it replaces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from myoild.derive import INPUT_COLUMNS, derive_cohort
from myoild.io import _blank_rows
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import core, validate_folder
from myoild.validate.parse import KIND_OF_DTYPE, MAX_WHOLE, _whole, empty_column, parse_column
from myoild.validate.schemas import MODELS, SORT_KEYS, table_schema
from myoild.validate.tables import _schema_failures


def _stable_sort_reference(table: str, data: pd.DataFrame) -> pd.DataFrame:
    """The normalised table by the plain rule: a stable pandas sort by the keys, then source_row."""
    frame = data.reset_index().rename(columns={"row": "source_row"})
    keys = [key for key in SORT_KEYS[table] if key in frame]
    frame = frame.sort_values([*keys, "source_row"], kind="mergesort", na_position="last", ignore_index=True)
    columns = [column for column in MODELS[table].to_schema().columns if column in frame]
    return frame[[*columns, "source_row"]]


def _medications(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["patient_id", "drug", "start_date"])
    frame["start_date"] = pd.to_datetime(frame["start_date"]).astype("datetime64[ns]")
    for column in ("end_date",):
        frame[column] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame["dose"], frame["dose_unit"] = np.nan, None
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


#: Rows in file order: ties on every key, missing keys (which sort last), text in code point order.
UNSORTED = [
    ("P2", "tacrolimus", "2020-01-05"),
    ("P10", "azathioprine", None),
    ("P1", "tacrolimus", "2020-01-05"),
    (None, "tacrolimus", "2020-01-01"),
    ("P1", "Tacrolimus", "2020-01-05"),
    ("P1", None, "2020-01-05"),
    ("P1", "azathioprine", "2020-01-05"),
    ("P1", "tacrolimus", "2020-01-05"),
    ("P1", "tacrolimus", "2019-12-31"),
]


def test_normalised_sorts_as_a_stable_sort_with_missing_keys_last():
    data = _medications(UNSORTED)
    assert not core._sorted_by(data, SORT_KEYS["medications"])
    pd.testing.assert_frame_equal(core.normalised("medications", data), _stable_sort_reference("medications", data))


def test_a_sorted_table_is_not_sorted_again(monkeypatch):
    reference = _stable_sort_reference("medications", _medications(UNSORTED))
    in_order = _medications([tuple(row) for row in reference[["patient_id", "drug", "start_date"]].to_numpy()])
    monkeypatch.setattr(core, "_sort_order", lambda *args: pytest.fail("a sorted table was sorted again"))
    assert core._sorted_by(in_order, SORT_KEYS["medications"])
    pd.testing.assert_frame_equal(
        core.normalised("medications", in_order), _stable_sort_reference("medications", in_order)
    )


@pytest.mark.parametrize("swap", range(len(UNSORTED) - 1))
def test_one_pair_out_of_order_is_seen(swap):
    """Every neighbouring pair of a sorted table, swapped, makes it unsorted (unless the two are equal)."""
    reference = _stable_sort_reference("medications", _medications(UNSORTED))
    rows = [tuple(row) for row in reference[["patient_id", "drug", "start_date"]].astype(object).to_numpy()]
    rows[swap], rows[swap + 1] = rows[swap + 1], rows[swap]
    data = _medications(rows)
    same_keys = reference.iloc[swap, :3].equals(reference.iloc[swap + 1, :3])
    # Equal keys keep their row order: the swapped rows are still sorted (by their new row numbers).
    assert core._sorted_by(data, SORT_KEYS["medications"]) == same_keys
    pd.testing.assert_frame_equal(core.normalised("medications", data), _stable_sort_reference("medications", data))


def test_whole_number_rule_is_x_mod_1_equal_to_0():
    edge = [np.inf, -np.inf, np.nan, -0.0, 0.0, -2.5, 2.5, -3.0, 3.0, 1e-300, 5e-324, 0.1 + 0.2]
    edge += [MAX_WHOLE, MAX_WHOLE + 2, -MAX_WHOLE, -MAX_WHOLE - 2, 1e300, -1e300, 123456789.0, -123456789.5]
    numbers = np.array(edge + list(np.random.default_rng(7).normal(0, 1e5, 2000).round(1)))
    with np.errstate(invalid="ignore"):
        by_mod = np.isfinite(numbers) & (np.abs(numbers) <= MAX_WHOLE) & (np.mod(numbers, 1) == 0)
    np.testing.assert_array_equal(_whole(numbers), by_mod)


@pytest.mark.parametrize(
    ("kind", "good"),
    [
        ("number", [True, True, False, True]),
        ("integer", [True, False, False, True]),
        ("boolean", [True, False, False, False]),
    ],
)
def test_native_numbers_are_tested_by_their_column_kind(kind, good):
    typed, bad = parse_column(pd.Series([1.0, 2.5, np.inf, 7.0]), kind)
    np.testing.assert_array_equal(~bad.to_numpy(), good)


def test_a_row_blank_in_its_first_cells_only_is_not_blank():
    frame = pd.DataFrame({"a": [None, None, "x", None], "b": [None, 3.0, None, np.nan], "c": [None, None, None, None]})
    np.testing.assert_array_equal(_blank_rows(frame), [True, False, False, True])
    np.testing.assert_array_equal(_blank_rows(frame.iloc[:, :0]), [False] * 4)


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    write_cohort(generate_cohort(), folder, "parquet")
    validation = validate_folder(folder)
    assert validation.status == "pass"
    return validation.tables


def test_derive_reads_only_its_input_columns(validated):
    """The derive job reads ``INPUT_COLUMNS``: a column read but not listed would be missing there,
    and its rule would see an empty column (an optional column left out) instead of the data."""
    read = {
        table: validated[table] if columns is None else validated[table][list(columns)]
        for table, columns in INPUT_COLUMNS.items()
    }
    full, pruned = derive_cohort(validated), derive_cohort(read)
    pd.testing.assert_frame_equal(pruned.analysis_set, full.analysis_set)
    pd.testing.assert_frame_equal(pruned.flow, full.flow)
    assert set(INPUT_COLUMNS) == {"patients", "medications", "visits"}
    assert len(INPUT_COLUMNS["visits"]) < validated["visits"].shape[1] - 5  # the scales are not read


@pytest.mark.parametrize("table", list(MODELS))
def test_in_place_validation_writes_nothing_to_the_table(table):
    """pandera validates the parsed table in place (no copy): allowed only while the models
    neither coerce, add columns, fill defaults nor parse, and the table comes out as it went in."""
    schema = table_schema(table)
    assert not schema.coerce and not schema.add_missing_columns and not schema.parsers
    assert not any(column.coerce or column.default is not None or column.parsers for column in schema.columns.values())
    data = pd.DataFrame(
        {
            name: empty_column(KIND_OF_DTYPE[str(column.dtype)], pd.RangeIndex(3))
            for name, column in schema.columns.items()
        }
    )
    before = data.copy()
    _schema_failures(table, schema, data, [], None)
    pd.testing.assert_frame_equal(data, before)
