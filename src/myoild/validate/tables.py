"""Checking one raw table against its pandera model: parse every cell, then validate lazily.

The defects found in reading (myoild.io: a row with the wrong number of fields, a control
character, a formula) in contract columns become errors first; a defective cell is missing
afterwards but counts as given. Each contract column is parsed by the kind of its model dtype
(parse.py); a bad cell becomes an error quoting it and is missing afterwards, so the model's value
checks (ranges, allowed values, uniqueness) run on every parsable cell and a bad cell is reported
once. ``model.validate(..., lazy=True)`` collects every failure; ``SchemaErrors.failure_cases``
becomes the error records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from myoild.io import RawTable, missing_cells
from myoild.validate.parse import KIND_OF_DTYPE, bad_cell_message, empty_column, parse_column, quote
from myoild.validate.records import (
    EMPTY,
    cell_records,
    concat_records,
    patient_ids_of,
    repeated_key_records,
    table_record,
    without_cells_of,
)
from myoild.validate.schemas import table_schema

UNIQUENESS_CHECKS = ("field_uniqueness", "multiple_fields_uniqueness")


@dataclass(frozen=True)
class CheckedTable:
    """A parsed table (index: raw row number) with its records.

    ``present`` marks the cells that were filled in the raw file, parsable or not: the
    conditional rules ("dose_unit required when dose is set") ask whether a cell was given.
    """

    data: pd.DataFrame
    present: pd.DataFrame
    errors: pd.DataFrame
    notes: pd.DataFrame


def check_table(table: str, raw: RawTable) -> CheckedTable:
    """Parse and validate one raw table (raw row numbers as index, see myoild.io).

    ``raw.cells`` is emptied on the way: each raw column is dropped once parsed, so that a table of
    millions of rows is never held twice (raw and parsed).
    """
    schema = table_schema(table)
    kinds = {name: KIND_OF_DTYPE[str(column.dtype)] for name, column in schema.columns.items()}
    cells, index = raw.cells, raw.cells.index
    extra = [name for name in cells.columns if name not in schema.columns]
    # Defects of ignored (extra) columns are ignored with them.
    defects = raw.defects.loc[raw.defects["column"].isna() | raw.defects["column"].isin(list(schema.columns))]
    defective_rows = dict(list(defects.groupby("column")["row"]))
    typed: dict[str, pd.Series] = {}
    present: dict[str, pd.Series] = {}
    bad_cells: dict[str, tuple[pd.Index, list[str]]] = {}
    for name, column in schema.columns.items():
        if name in cells:
            given, defective = cells.pop(name), None
            if name in defective_rows:
                defective = index.isin(defective_rows[name])
                given = given.where(~defective, None)
            typed[name], bad = parse_column(given, kinds[name])
            # Filled in the file = parsed to a value, bad or defective (an empty string parses to missing).
            present[name] = ~missing_cells(typed[name]) | bad
            if defective is not None:
                present[name] |= defective
            if bad.any():
                bad_cells[name] = (
                    index[bad.to_numpy()],
                    [bad_cell_message(value, kinds[name]) for value in given[bad]],
                )
        elif not column.required:
            typed[name] = empty_column(kinds[name], index)
            present[name] = pd.Series(False, index=index)
    # copy=False: the parsed columns become the table's columns, one block each, not copied.
    data = pd.DataFrame(typed, index=index, copy=False)
    cell_errors = [
        cell_records(
            table,
            None if pd.isna(column) else column,  # a whole row
            group["row"],
            patient_ids_of(data, group["row"]),
            check,
            group["message"],
        )
        for (column, check), group in defects.groupby(["column", "check"], dropna=False, sort=False)
    ]
    cell_errors += [
        cell_records(table, name, rows, patient_ids_of(data, rows), f"is_{kinds[name]}", messages)
        for name, (rows, messages) in bad_cells.items()
    ]
    schema_errors = without_cells_of(
        _schema_failures(table, schema, data, extra, raw.sheet), concat_records(cell_errors)
    )
    notes = [
        table_record(table, "extra_column", f"column {quote(name)} is not in the data contract and is ignored", name)
        for name in extra
    ]
    return CheckedTable(
        data=data,
        present=pd.DataFrame(present, index=index, copy=False),
        errors=concat_records([*cell_errors, schema_errors]),
        notes=concat_records(notes),
    )


def _schema_failures(
    table: str, schema: pa.DataFrameSchema, data: pd.DataFrame, extra: list[str], sheet: str | None
) -> pd.DataFrame:
    """Validate lazily and turn pandera's failure cases into records.

    ``inplace=True`` spares pandera's copy of the table (a gigabyte for millions of visits): the
    models neither coerce, add columns nor fill defaults (schemas.py), so nothing is written to it.
    """
    try:
        schema.validate(data, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as failures:
        cases = failures.failure_cases
    else:
        return EMPTY
    records = []
    missing = cases["check"] == "column_in_dataframe"
    for name in cases.loc[missing, "failure_case"]:
        records.append(table_record(table, "column_in_dataframe", _missing_column_message(name, extra, sheet), name))
    unique = cases["check"].isin(UNIQUENESS_CHECKS)
    if unique.any():
        records.append(_not_unique_records(table, schema, data, cases.loc[unique, "index"].dropna().unique()))
    for (name, check, number), group in cases.loc[~missing & ~unique].groupby(
        ["column", "check", "check_number"], dropna=False, sort=True
    ):
        rows = group["index"].to_numpy()
        column = schema.columns[name]
        check_name = check if pd.isna(number) else column.checks[int(number)].name
        messages = [_value_message(column, check_name, value) for value in group["failure_case"]]
        records.append(cell_records(table, name, rows, patient_ids_of(data, rows), check_name, messages))
    return concat_records(records)


def _missing_column_message(name: str, extra: list[str], sheet: str | None) -> str:
    """Name a near miss among the extra columns (``Sex``) and, for Excel, the sheet that was read."""
    near = [other for other in extra if other.strip().lower() == name]
    hint = f" (found {quote(near[0])}: column names are exact and lower-case)" if near else ""
    read = f"; read from {sheet}" if sheet else ""
    return f"required column {name} is missing{hint}{read}"


def _value_message(column: pa.Column, check_name: str, value: object) -> str:
    if check_name == "not_nullable":
        return "empty cell in a required column"
    statistics = {check.name: check.statistics for check in column.checks}
    if check_name == "isin":
        return f"{quote(value)} is not one of {', '.join(statistics['isin']['allowed_values'])}"
    if not check_name.startswith(("greater_than", "less_than")):
        return f"{quote(value)} fails {check_name}"
    bounds = []
    if "greater_than" in statistics:
        bounds.append(f"greater than {quote(statistics['greater_than']['min_value'])}")
    if "greater_than_or_equal_to" in statistics:
        bounds.append(f"at least {quote(statistics['greater_than_or_equal_to']['min_value'])}")
    if "less_than_or_equal_to" in statistics:
        bounds.append(f"at most {quote(statistics['less_than_or_equal_to']['max_value'])}")
    return f"{quote(value)} is out of range (must be {' and '.join(bounds)})"


def _not_unique_records(table: str, schema: pa.DataFrameSchema, data: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """One record per row whose key repeats another row's, naming the other rows.

    Rows with a missing key value are left out, and so is the whole check when a key column is
    missing (pandera then compares the remaining key columns): the missing value or column is its
    own error.
    """
    keys = list(schema.unique) if schema.unique else [name for name, column in schema.columns.items() if column.unique]
    if not set(keys) <= set(data.columns):
        return EMPTY
    complete = data.loc[np.sort(rows.astype(np.int64)), keys].dropna().index
    return repeated_key_records(table, data, keys, complete, "unique", "is not unique")
