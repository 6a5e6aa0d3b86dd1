"""Reading the raw input tables as they are, before any interpretation (DATA_CONTRACT.md, "Reading rules").

A raw table is a DataFrame whose columns are the file's header names and whose index is the
1-based data row in the file (the first line after the header is row 1). Cells keep what the file
holds: CSV cells are ``str`` (nothing but an empty cell is missing, so ``NA`` stays the text
``"NA"``); Parquet and Excel cells keep their native types (numbers, booleans, dates, text; a
Parquet list or struct becomes its text). Deciding whether a cell is a valid date, number or boolean is the validation stage's job.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from myoild.contract import TABLES

RAW_SUFFIXES = (".csv", ".parquet", ".xlsx")


class RawTableError(Exception):
    """A file that cannot be taken as a table; ``check`` names the broken rule for the report."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


def table_files(input_dir: str | Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """The candidate files of each table (``<table>.csv|.parquet|.xlsx``) and the other files found.

    Hidden files (``.DS_Store``, editor locks) are neither; sub-folders are ignored.
    """
    found: dict[str, list[Path]] = {table: [] for table in TABLES}
    others: list[Path] = []
    for path in sorted(Path(input_dir).iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.stem in found and path.suffix in RAW_SUFFIXES:
            found[path.stem].append(path)
        else:
            others.append(path)
    return found, others


def read_raw_table(path: str | Path) -> pd.DataFrame:
    """Read one raw table file (by suffix) into a raw table; raise RawTableError if it is unreadable.

    Entirely blank rows (a blank CSV line, an empty spreadsheet row) are not data rows and are
    dropped, keeping the row numbers of the rows around them.
    """
    path = Path(path)
    readers = {".csv": _read_csv, ".parquet": _read_parquet, ".xlsx": _read_xlsx}
    try:
        frame = readers[path.suffix](path)
    except RawTableError:
        raise
    except UnicodeDecodeError as exc:
        raise RawTableError(
            "readable", f"{path.name} is not UTF-8 text ({_first_non_utf8(path)}); save it as UTF-8"
        ) from exc
    except Exception as exc:
        # The three readers report a damaged file with many exception types (pandas ParserError
        # and EmptyDataError, pyarrow ArrowInvalid, zipfile BadZipFile, KeyError and OSError from
        # openpyxl...). Every one of them means the same thing here: the file cannot be read.
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RawTableError("readable", f"{path.name} cannot be read: {first_line}") from exc
    blank = frame.isna().all(axis=1) if frame.shape[1] else pd.Series(False, index=frame.index)
    return frame.loc[~blank]


def _first_non_utf8(path: Path) -> str:
    """Where the first byte that is not UTF-8 sits (the decoder's own offset is relative to a chunk)."""
    content = path.read_bytes()
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        return f"byte 0x{content[exc.start]:02x} at offset {exc.start}, line {line}"
    return "invalid byte sequence"


def _read_csv(path: Path) -> pd.DataFrame:
    """CSV: UTF-8 with or without BOM, LF or CRLF; every cell a string, only empty cells missing."""
    cells = pd.read_csv(
        path,
        header=None,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8-sig",
        skip_blank_lines=False,
    )
    return _with_header(path, list(cells.iloc[0]), cells.iloc[1:])


def _read_parquet(path: Path) -> pd.DataFrame:
    """Parquet: native column types; dates arrive as datetime64, dictionary columns as plain values."""
    # ignore_metadata: the file's pandas metadata would restore extension dtypes the writer
    # happened to use; the validation stage wants plain numpy or object columns.
    table = pq.read_table(path)
    frame = table.to_pandas(ignore_metadata=True, date_as_object=False)
    for position, field in enumerate(table.schema):
        if isinstance(frame.dtypes.iloc[position], pd.CategoricalDtype):
            frame.isetitem(position, frame.iloc[:, position].astype(object))
        elif pa.types.is_nested(field.type):
            # A list or struct is no table cell: keep it as its text, to be quoted in an error.
            frame.isetitem(position, frame.iloc[:, position].map(_nested_text, na_action="ignore"))
    header = [str(name) for name in frame.columns]
    _check_header(path, header)
    frame.columns = header
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


def _nested_text(value) -> str:
    return str(value.tolist() if hasattr(value, "tolist") else value)


def _read_xlsx(path: Path) -> pd.DataFrame:
    """Excel: the first sheet, its first row the header; cell values as openpyxl gives them.

    openpyxl is used directly because pandas turns error cells (``#N/A``) into missing values,
    and only an empty cell is missing.
    """
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise RawTableError("readable", f"{path.name}: the first sheet is empty (no header row)")
    width = max(len(row) for row in rows)
    body = pd.DataFrame(rows[1:], columns=range(width), dtype=object)
    header = list(rows[0]) + [None] * (width - len(rows[0]))
    return _with_header(path, header, body.where(body != "", None))


def _with_header(path: Path, header: list, body: pd.DataFrame) -> pd.DataFrame:
    """Name the columns from the header cells; a nameless column is dropped when it holds nothing."""
    names = [f"unnamed_{position}" if _is_empty(name) else str(name) for position, name in enumerate(header, 1)]
    frame = pd.DataFrame(body.to_numpy(dtype=object), columns=names)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    unnamed_empty = [name for name, cell in zip(names, header) if _is_empty(cell) and frame[name].isna().all()]
    frame = frame.drop(columns=unnamed_empty)
    _check_header(path, list(frame.columns))
    return frame


def _is_empty(cell) -> bool:
    return cell is None or cell == "" or (isinstance(cell, float) and cell != cell)


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise RawTableError("unique_column_names", f"{path.name}: column {name!r} appears more than once")
        seen.add(name)
