"""Error and warning records of the validation report (RESULTS_CONTRACT.md, validation/report.json).

A record is ``{table, column, row, patient_id, check, message}``: ``column``, ``row`` (1-based
data row in the raw file) and ``patient_id`` are null where they do not apply. Records are built
as DataFrames (vectorised: a broken column of a large table can yield many) and turned into
plain dicts once, in a deterministic order.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from myoild.contract import TABLES
from myoild.validate.parse import quote
from myoild.validate.schemas import MODELS

FIELDS = ("table", "column", "row", "patient_id", "check", "message")
#: No records (shared, never modified).
EMPTY = pd.DataFrame({field: pd.Series(dtype="Int64" if field == "row" else object) for field in FIELDS})
_COLUMN_RANKS = pd.DataFrame(
    [(table, column, rank) for table, model in MODELS.items() for rank, column in enumerate(model.to_schema().columns)],
    columns=["table", "column", "rank"],
)


def cell_records(
    table: str | None,
    column: str | None,
    rows: Iterable[int | None],
    patient_ids: Iterable[str | None] | None,
    check: str,
    messages: str | Iterable[str],
) -> pd.DataFrame:
    """Records for rows of one table; ``messages`` is one text for all rows or one per row."""
    rows = list(rows)
    if not rows:
        return EMPTY
    n = len(rows)
    return pd.DataFrame(
        {
            "table": np.full(n, table, dtype=object),
            "column": np.full(n, column, dtype=object),
            "row": pd.array(rows, dtype="Int64"),
            "patient_id": (
                np.full(n, None, dtype=object) if patient_ids is None else np.array(list(patient_ids), dtype=object)
            ),
            "check": np.full(n, check, dtype=object),
            "message": (
                np.full(n, messages, dtype=object)
                if isinstance(messages, str)
                else np.array(list(messages), dtype=object)
            ),
        }
    )


def concat_records(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Several record frames as one (EMPTY when there are none)."""
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else EMPTY


def table_record(
    table: str | None, check: str, message: str, column: str | None = None, patient_id: str | None = None
) -> pd.DataFrame:
    """One record about a whole table, file or column (no row)."""
    return cell_records(table, column, [None], [patient_id], check, [message])


def patient_ids_of(data: pd.DataFrame, rows: Iterable[int]) -> list[str | None]:
    """The patient_id of each of ``rows`` (raw row numbers), or None where the table has none."""
    if "patient_id" not in data:
        return [None] * len(list(rows))
    return data["patient_id"].reindex(list(rows)).tolist()


def repeated_key_records(
    table: str, data: pd.DataFrame, keys: list[str], rows: Iterable[int], check: str, verdict: str
) -> pd.DataFrame:
    """One record per row of ``rows`` whose ``keys`` values repeat another of ``rows``, naming the others.

    The message reads ``(k1, k2) = (v1, v2) <verdict>: also in rows 3, 8`` (``k1 v1 ...`` for a
    single key); a missing value is a value here, equal to another missing value. The record
    stands at the last key column.
    """
    rows = np.sort(np.asarray(list(rows), dtype=np.int64))
    if not len(rows):
        return EMPTY
    repeated = data.loc[rows, keys]
    messages = []
    for values, group in repeated.groupby(keys, sort=False, dropna=False).groups.items():
        values = values if isinstance(values, tuple) else (values,)
        shown = ", ".join("empty" if pd.isna(value) else quote(value) for value in values)
        named = f"{keys[0]} {shown}" if len(keys) == 1 else f"({', '.join(keys)}) = ({shown})"
        for row in group:
            others = [str(other) for other in group if other != row]
            messages.append(
                (row, f"{named} {verdict}: also in row{'s' if len(others) > 1 else ''} {', '.join(others)}")
            )
    messages.sort()
    rows_out = [row for row, _ in messages]
    return cell_records(
        table, keys[-1], rows_out, patient_ids_of(data, rows_out), check, [message for _, message in messages]
    )


def without_cells_of(records: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """Drop records about cells already in ``reported``, so that each bad cell is reported once."""
    if records.empty or reported.empty:
        return records
    cells = ["table", "column", "row"]
    seen = reported.loc[reported["row"].notna(), cells].drop_duplicates()
    merged = records.merge(seen, on=cells, how="left", indicator=True)
    return records.loc[(merged["_merge"] == "left_only").to_numpy()]


def ordered(records: Iterable[pd.DataFrame]) -> list[dict]:
    """All records as plain dicts, sorted by table (contract order), row, column (contract order), patient.

    File-level records (no table) come first, and a table's records without a row (a missing
    column, a missing baseline visit) before its row records.
    """
    combined = concat_records(records)
    if combined.empty:
        return []
    table_rank = combined["table"].map({table: rank for rank, table in enumerate(TABLES)}).fillna(-1)
    # Columns outside the contract (extra columns) after the contract's, no column first.
    column_rank = combined[["table", "column"]].merge(_COLUMN_RANKS, on=["table", "column"], how="left")["rank"]
    column_rank = column_rank.fillna(len(_COLUMN_RANKS)).where(combined["column"].notna().to_numpy(), -1)
    keys = pd.DataFrame(
        {
            "table": table_rank,
            "row": combined["row"].fillna(-1).astype("int64"),
            "column": column_rank.to_numpy(),
            "column_name": combined["column"].fillna(""),
            "patient_id": combined["patient_id"].fillna("").astype(str),
            "check": combined["check"],
            "message": combined["message"],
        }
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort").index
    return [_plain(record) for record in combined.loc[order].to_dict("records")]


def _plain(record: dict) -> dict:
    """JSON-ready values: int rows, None for every kind of missing."""
    plain = {key: None if pd.isna(value) else value for key, value in record.items()}
    plain["row"] = None if plain["row"] is None else int(plain["row"])
    plain["patient_id"] = None if plain["patient_id"] is None else str(plain["patient_id"])
    return {key: plain[key] for key in FIELDS}
