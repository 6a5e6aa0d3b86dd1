"""Reading and writing the pipeline's own tables, byte-for-byte reproducibly.

Results-contract conventions: tab-separated UTF-8 with a header row, full-precision numbers (the
shortest repr that round-trips), empty cells for missing values, ``\\n`` line ends; Parquet written
by pyarrow without the pandas index. Text is written exactly as it is: a cell with a tab, a quote
or a line feed is quoted (CSV's minimal quoting); one with a carriage return, which that rule does
not quote and a reader would take for a line end, makes the writer quote every text cell of the
table (``csv.QUOTE_NONNUMERIC``), so that it reads back unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def write_tsv(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` as a results-contract TSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(df) else csv.QUOTE_MINIMAL
    df.to_csv(path, sep="\t", index=False, lineterminator="\n", na_rep="", encoding="utf-8", quoting=quoting)


def _has_carriage_return(df: pd.DataFrame) -> bool:
    """Whether a column name or a text cell (object, string or categorical column) holds a ``\\r``."""
    text = df.select_dtypes(include=["object", "string", "category"])
    return any("\r" in str(name) for name in df.columns) or any(
        text[column].astype("string").str.contains("\r", regex=False).any() for column in text.columns
    )


def read_tsv(path: str | Path) -> pd.DataFrame:
    """Read a results-contract TSV (only empty cells are missing)."""
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` as Parquet with a fresh index dropped, deterministic for the same frame."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False), path)


def read_parquet_tables(paths: Mapping[str, str | Path]) -> dict[str, pd.DataFrame]:
    """Read named Parquet files (e.g. the normalised tables) into a dict of DataFrames."""
    return {name: pd.read_parquet(path) for name, path in paths.items()}


def read_patient_rows(path: str | Path, columns: Sequence[str], patient_ids: Sequence[str]) -> pd.DataFrame:
    """The rows of ``patient_ids`` of a normalised table, in file order, with those of ``columns``
    the file has (a stage reads no more than it uses: on a registry most rows and columns are of
    no interest to a table of one cohort)."""
    schema = pq.read_schema(path)
    present = [name for name in columns if name in schema.names]
    if pa.types.is_null(schema.field("patient_id").type):  # written without rows: no type to filter by
        return pd.read_parquet(path, columns=present).iloc[:0]
    chosen = pc.field("patient_id").isin(pa.array(list(patient_ids), pa.string()))
    return pd.read_parquet(path, columns=present, filters=chosen)


def read_analysis_columns(path: str | Path, columns: Sequence[str], cohort: str | None = None) -> pd.DataFrame:
    """The analysis set's ``columns`` (each once, in the order first named), of one ``cohort``'s
    rows when given, in file order: a stage reads only what it uses (at a million patients the
    whole analysis set costs seconds and gigabytes a stage, for a prospective table of 41
    patients). A column the analysis set lacks is a KeyError naming it."""
    wanted = list(dict.fromkeys(columns))
    names = pq.read_schema(path).names
    missing = [name for name in wanted if name not in names]
    if missing:
        raise KeyError(f"the analysis set {path} has no column {', '.join(map(repr, missing))}")
    return pd.read_parquet(path, columns=wanted, filters=None if cohort is None else pc.field("cohort") == cohort)


def write_text(text: str, path: str | Path) -> None:
    """Write UTF-8 text with ``\\n`` line ends."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
