"""Reading the raw input tables as they are, before any interpretation (DATA_CONTRACT.md, "Reading rules").

A raw table's cells are a DataFrame whose columns are the file's header names and whose index is
the 1-based data row in the file (the first line after the header is row 1). Cells keep what the
file holds: CSV cells are ``str`` (nothing but an empty cell is missing, so ``NA`` stays the text
``"NA"``; a NUL byte stays in its cell, where pandas' fast CSV parser would cut the cell short);
Parquet and Excel cells keep their native types (numbers, booleans, dates, text; a Parquet list or
struct becomes its text; an Excel formula cell holds its formula, never the value Excel cached).
Deciding whether a cell is a valid date, number or boolean is the validation stage's job.

What a file holds that is no table cell is listed with the cells, as *defects*, for the validation
stage to report: a CSV row with more or fewer fields than the header (its cells cannot be matched
to the columns), a cell holding a control character (the C0 characters other than tab, line feed
and carriage return, which quoted CSV text may hold), an Excel formula (a formula is not data).
"""

from __future__ import annotations

import csv
import errno
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from myoild.contract import TABLES

RAW_SUFFIXES = (".csv", ".parquet", ".xlsx")
#: The C0 control characters a cell may not hold (RE2 and Python ``re`` syntax): all but tab, LF, CR.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_CONTROL_BYTES = bytes(code for code in range(0x20) if code not in (0x09, 0x0A, 0x0D))
_CONTROL = re.compile(CONTROL_CHARACTERS)
#: Characters that ``visible`` writes as escapes: every C0 control character and DEL.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f]")


class RawTableError(Exception):
    """A file that cannot be taken as a table; ``check`` names the broken rule for the report."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


@dataclass(frozen=True)
class RawTable:
    """A raw table file as read.

    ``cells``: the cells (see the module docstring). ``defects``: one row per cell or row that
    the file holds in a form no table cell has, with ``row`` (data row), ``column`` (header name,
    None for a whole row), ``check`` and ``message``; entirely blank rows have none. ``sheet``: for
    an Excel file, which sheet was read among which, as words for messages (None otherwise).
    """

    cells: pd.DataFrame
    defects: pd.DataFrame
    sheet: str | None = None


def table_files(input_dir: str | Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """The candidate files of each table (``<table>.csv|.parquet|.xlsx``) and the other files found.

    A candidate is any entry with such a name, also a folder or a broken link (``file_problem``
    says what it is); hidden files (``.DS_Store``, editor locks) are neither, and other sub-folders
    are ignored.
    """
    found: dict[str, list[Path]] = {table: [] for table in TABLES}
    others: list[Path] = []
    for path in sorted(Path(input_dir).iterdir()):
        if path.name.startswith("."):
            continue
        if path.stem in found and path.suffix in RAW_SUFFIXES:
            found[path.stem].append(path)
        elif path.is_file():
            others.append(path)
    return found, others


def file_problem(path: Path) -> str | None:
    """Why an entry named like a table file is not a file to read, or None when it is a file (or a link to one)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if not path.is_symlink():
            return f"{path.name} cannot be opened: {exc.strerror}"
        if exc.errno == errno.ELOOP:
            return f"{path.name} is a symbolic link that loops (it leads back to itself); link it to the file"
        return f"{path.name} is a symbolic link to a file that does not exist"
    if stat.S_ISDIR(mode):
        return f"{path.name} is a folder, not a file; put the table file itself in the input folder"
    if not stat.S_ISREG(mode):
        return f"{path.name} is not a regular file (a pipe, socket or device)"
    return None


def read_raw_table(path: str | Path) -> RawTable:
    """Read one raw table file (by suffix); raise RawTableError if it cannot be taken as a table.

    Entirely blank rows (a blank CSV line, an empty spreadsheet row) are not data rows and are
    dropped, keeping the row numbers of the rows around them.
    """
    path = Path(path)
    readers = {".csv": _read_csv, ".parquet": _read_parquet, ".xlsx": _read_xlsx}
    try:
        raw = readers[path.suffix](path)
    except (RawTableError, ImportError):  # an ImportError is the installation's fault, not the file's
        raise
    except UnicodeDecodeError as exc:
        raise RawTableError(
            "readable", f"{path.name} is not UTF-8 text ({_first_non_utf8(path)}); save it as UTF-8"
        ) from exc
    except Exception as exc:
        # The readers report a damaged file with many exception types (csv.Error, pandas
        # ParserError, pyarrow ArrowInvalid, zipfile BadZipFile, KeyError and OSError from
        # openpyxl...). Every one of them means the same thing here: the file cannot be read.
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RawTableError("readable", f"{path.name} cannot be read: {first_line}") from exc
    # Arrow's allocator keeps the memory it decoded a Parquet file in, for reuse (a gigabyte for
    # millions of visits): give it back, since what follows allocates through numpy.
    pa.default_memory_pool().release_unused()
    frame = raw.cells
    blank = _blank_rows(frame)
    if not blank.any():  # the usual case: no copy of the cells
        return raw
    defects = raw.defects
    return RawTable(frame.loc[~blank], defects.loc[~defects["row"].isin(frame.index[blank])], raw.sheet)


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Which rows have every cell missing (none when there are no columns).

    Each column is tested only on the rows still blank after the earlier ones: once a column is
    filled, as an identifier column is, the others cost nothing (testing every text cell of
    millions of rows for missingness takes seconds).
    """
    blank = np.full(len(frame), frame.shape[1] > 0)
    for position in range(frame.shape[1]):
        candidates = np.flatnonzero(blank)
        if not candidates.size:
            break
        values = frame.iloc[:, position].to_numpy()
        blank[candidates] = missing_cells(values if candidates.size == len(values) else values[candidates])
    return blank


def missing_cells(values: np.ndarray | pd.Series) -> np.ndarray:
    """Which cells are missing (``pd.isna``). A column of text alone, as identifier and code columns
    are, is recognised in one pass of ``infer_dtype``, four times faster than ``isna`` on millions
    of strings."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return np.zeros(len(values), dtype=bool)
    return np.asarray(pd.isna(values))


def visible(text: str) -> str:
    """``text`` with its control characters (C0 and DEL) written as ``\\xNN``, so that a message shows them."""
    return _INVISIBLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _first_non_utf8(path: Path) -> str:
    """Where the first byte that is not UTF-8 sits (the decoder's own offset is relative to a chunk)."""
    content = path.read_bytes()
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        return f"byte 0x{content[exc.start]:02x} at offset {exc.start}, line {line}"
    return "invalid byte sequence"


def _read_csv(path: Path) -> RawTable:
    """CSV: UTF-8 with or without BOM, LF or CRLF; every cell a string, only empty cells missing.

    Python's csv module counts the fields of every record (pandas pads a short row with empty
    cells and cannot say which were there); pandas then reads the cells, with its python engine
    when the file holds a NUL byte (its C engine ends a cell at a NUL).
    """
    header, counts = _csv_field_counts(path)
    _check_delimiter(path, header)
    control, nul = _control_bytes(path)
    cells = pd.read_csv(
        path,
        header=None,
        names=range(max(len(header), int(counts.max(initial=0)))),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8-sig",
        skip_blank_lines=False,
        engine="python" if nul else "c",
    )
    if len(cells) != len(counts) + 1:
        raise RawTableError(
            "readable", f"{path.name} cannot be read: its records cannot be delimited unambiguously (check the quotes)"
        )
    frame = _with_header(path, list(cells.iloc[0, : len(header)]), cells.iloc[1:, : len(header)])
    rows = frame.index[(counts != len(header)) & (counts > 0)]
    ragged = _defects(
        rows,
        None,
        "fields_match_header",
        [
            f"the row has {counts[row - 1]} fields but the header has {len(header)}: its cells cannot be matched "
            "to the columns (a field lost or added, or a stray comma or quote)"
            for row in rows
        ],
    )
    return RawTable(frame, _concat_defects([ragged, _control_defects(frame) if control else _no_defects()]))


def _csv_field_counts(path: Path) -> tuple[list[str], np.ndarray]:
    """The header's fields and the number of fields of every later record (0 for a blank line)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(handle)
        header = next(records, None)
        counts = np.fromiter(map(len, records), dtype=np.int64)
    if not header:
        raise RawTableError("readable", f"{path.name} cannot be read: its first line, the header, is empty")
    return header, counts


def _check_delimiter(path: Path, header: list[str]) -> None:
    """A header field holding a semicolon or a tab means the file is not comma-delimited."""
    for separator, name in ((";", '";"'), ("\t", "tabs")):
        if any(separator in field for field in header):
            shown = visible(",".join(header))
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            raise RawTableError(
                "comma_delimited",
                f'{path.name} looks delimited by {name}, not commas (its header reads "{shown}"); '
                "save it as comma-separated CSV",
            )


def _control_bytes(path: Path) -> tuple[bool, bool]:
    """Whether the file holds a control character a cell may not hold, and whether a NUL among them."""
    control = nul = False
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            if _has_control_bytes(block):
                control, nul = True, nul or b"\x00" in block
    return control, nul


def _has_control_bytes(block: bytes) -> bool:
    """Whether UTF-8 bytes hold a control character a cell may not hold (a byte below 0x20 is always that
    character in UTF-8, never part of another one); ``bytes.translate`` is the fastest search."""
    return len(block.translate(None, _CONTROL_BYTES)) < len(block)


def _read_parquet(path: Path) -> RawTable:
    """Parquet: native column types; dates arrive as datetime64, dictionary columns as plain values.

    Read one column at a time: Arrow never holds the whole table, and reuses one column's memory
    for the next (allocating it all afresh cost more than decoding it). Text columns are read
    dictionary-encoded, as Parquet mostly stores them: each distinct value of a row group is
    decoded and searched for control characters once, and every cell refers to it.
    """
    # Opened first as read_table opens it, so that a damaged file is reported in the same words; a
    # column name that repeats is left to read_table, which refuses it in its own words.
    schema = pq.ParquetDataset(path).schema
    if len(set(schema.names)) < len(schema.names):
        pq.read_table(path)
    cells, suspects = {}, []
    with pq.ParquetFile(path, read_dictionary=_text_columns(schema)) as parquet:
        for position, field in enumerate(schema):
            column = parquet.read(columns=[field.name]).column(0)
            if not _sound(column):
                # A damaged file can hold dictionary indices out of bounds: read as plain text, as
                # before, the column makes the reader report the damage in its own words.
                column = pq.read_table(path, columns=[field.name]).column(0)
            if _holds_control(column):
                suspects.append(position)
            cells[position] = _parquet_cells(column, field)
        rows = parquet.metadata.num_rows
    frame = pd.DataFrame(cells, index=pd.RangeIndex(rows), copy=False)
    header = [str(name) for name in schema.names]
    _check_header(path, header)
    frame.columns = header
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    # Text columns are searched in Arrow first (fast); only those that may hold a control character cell by cell.
    return RawTable(frame, _control_defects(frame.iloc[:, suspects]))


def _sound(column: pa.ChunkedArray) -> bool:
    """Whether a column read dictionary-encoded has every index within its dictionary (Arrow's full
    validation); a plain column is checked as it is decoded."""
    if not pa.types.is_dictionary(column.type):
        return True
    try:
        column.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _text_columns(schema: pa.Schema) -> list[str]:
    """The text columns, to read dictionary-encoded."""
    return [field.name for field in schema if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)]


def _parquet_cells(column: pa.ChunkedArray, field: pa.Field) -> np.ndarray | pd.Series:
    """One Arrow column as raw cells: numpy types as they are (``date_as_object=False``: dates as
    datetime64), a dictionary column as the object array of its values, a list or struct as its text
    (no table cell: kept to be quoted in an error), None where missing."""
    if pa.types.is_dictionary(column.type):
        return _dictionary_values(column)
    cells = column.to_pandas(date_as_object=False)
    if pa.types.is_nested(field.type):
        return cells.map(_nested_text, na_action="ignore")
    return cells


def _dictionary_values(column: pa.ChunkedArray) -> np.ndarray:
    """A dictionary column as the object array of its values, None where missing.

    Decoded chunk by chunk: the chunks of one row group share their dictionary, decoded once (merging
    the dictionaries of all chunks, as ``to_pandas`` does, takes seconds for millions of identifiers).
    """
    cells = np.empty(len(column), dtype=object)
    start, dictionary, values = 0, None, None
    for chunk in column.chunks:
        if dictionary is None or not chunk.dictionary.equals(dictionary):
            dictionary = chunk.dictionary
            values = np.append(dictionary.to_pandas(date_as_object=False).to_numpy(dtype=object), None)
        positions = chunk.indices
        if chunk.null_count:  # a missing cell takes the appended None
            positions = positions.cast(pa.int64()).fill_null(len(dictionary))
        np.take(values, positions.to_numpy(), out=cells[start : start + len(chunk)])
        start += len(chunk)
    return cells


def _holds_control(column: pa.ChunkedArray) -> bool:
    """Whether an Arrow text column (plain or dictionary-encoded) may hold a control character: the data
    bytes of its values (of a dictionary column: of its dictionaries) are searched whole, also those of
    sliced-off, null or unused values, so True may be a false alarm (the cells are then searched one
    by one); False for other types."""
    chunks = column.chunks
    if pa.types.is_dictionary(column.type):
        chunks = [chunk.dictionary for chunk in chunks]
        value_type = column.type.value_type
    else:
        value_type = column.type
    if not (pa.types.is_string(value_type) or pa.types.is_large_string(value_type)):
        return False
    data = [chunk.buffers()[2] for chunk in chunks]
    return any(_has_control_bytes(buffer.to_pybytes()) for buffer in data if buffer is not None)


def _nested_text(value) -> str:
    return str(value.tolist() if hasattr(value, "tolist") else value)


def _read_xlsx(path: Path) -> RawTable:
    """Excel: the first sheet, its first row the header; cell values as openpyxl gives them.

    openpyxl is used directly because pandas turns error cells (``#N/A``) into missing values,
    and only an empty cell is missing. The workbook is opened with its formulas (not the values
    Excel cached for them), so that a formula cell is seen for what it is. openpyxl is imported
    here: a run from CSV or Parquet does not load it.
    """
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheets = workbook.sheetnames
        sheet = workbook.worksheets[0]
        rows, formulas = [], []
        for number, row in enumerate(sheet.iter_rows()):
            rows.append(tuple(cell.value for cell in row))
            formulas += [(number, position, cell) for position, cell in enumerate(row) if cell.data_type == "f"]
    finally:
        workbook.close()
    others = ", ".join(_quoted(name) for name in sheets if name != sheet.title)
    where = f"sheet {_quoted(sheet.title)}, the first of the workbook" + (f" (it also has {others})" if others else "")
    if not rows:
        raise RawTableError("readable", f"{path.name}: {where} is empty (no header row)")
    width = max(len(row) for row in rows)
    body = pd.DataFrame(rows[1:], columns=range(width), dtype=object)
    header = list(rows[0]) + [None] * (width - len(rows[0]))
    frame = _with_header(path, header, body.where(body != "", None))
    names = dict(enumerate(_header_names(header)))
    kept = [(number, names[position], cell) for number, position, cell in formulas if names[position] in frame]
    formula_defects = _defects(
        [number for number, _, _ in kept],
        [name for _, name, _ in kept],
        "no_formula",
        [
            f'cell {cell.coordinate} holds the formula {_quoted(str(getattr(cell.value, "text", cell.value)))}: '
            "a formula is not data; enter its value"
            for _, _, cell in kept
        ],
    )
    defects = _concat_defects([formula_defects.loc[formula_defects["row"] > 0], _control_defects(frame)])
    return RawTable(frame, defects, where)


def _with_header(path: Path, header: list, body: pd.DataFrame) -> pd.DataFrame:
    """Name the columns from the header cells; a nameless column is dropped when it holds nothing."""
    names = _header_names(header)
    frame = pd.DataFrame(body.to_numpy(dtype=object), columns=names)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    unnamed_empty = [name for name, cell in zip(names, header) if _is_empty(cell) and frame[name].isna().all()]
    frame = frame.drop(columns=unnamed_empty)
    _check_header(path, list(frame.columns))
    return frame


def _header_names(header: list) -> list[str]:
    return [f"unnamed_{position}" if _is_empty(name) else str(name) for position, name in enumerate(header, 1)]


def _is_empty(cell) -> bool:
    return cell is None or cell == "" or (isinstance(cell, float) and cell != cell)


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        control = _CONTROL.search(name)
        if control:
            code = ord(control.group())
            hint = " (is the file UTF-16? save it as UTF-8)" if code == 0 else ""
            raise RawTableError(
                "no_control_character",
                f"{path.name}: column name {_quoted(name)} holds the control character U+{code:04X}{hint}",
            )
        if name in seen:
            raise RawTableError("unique_column_names", f"{path.name}: column {name!r} appears more than once")
        seen.add(name)


def _control_defects(frame: pd.DataFrame) -> pd.DataFrame:
    """One defect per text cell of ``frame`` holding a control character.

    Searched in Arrow, cell by cell: pandas' hash tables (``factorize``, ``unique``) take a text
    to end at its first NUL, so distinct values cannot be searched instead.
    """
    found = []
    for name, column in frame.items():
        if column.dtype != object:
            continue
        values = column.to_numpy()
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            text = np.ones(len(values), dtype=bool)
        else:  # mixed Excel cells: only the text ones
            text = np.fromiter((isinstance(value, str) for value in values), dtype=bool, count=len(values))
        strings = pa.array(values[text], type=pa.string(), from_pandas=True)
        flagged = np.zeros(len(values), dtype=bool)
        flagged[text] = pc.fill_null(pc.match_substring_regex(strings, CONTROL_CHARACTERS), False).to_numpy(
            zero_copy_only=False
        )
        cells = column[flagged]
        found.append(
            _defects(
                cells.index,
                [name] * len(cells),
                "no_control_character",
                [
                    f"{_quoted(value)} holds the control character U+{ord(_CONTROL.search(value).group()):04X}: "
                    "a cell holds no control characters (a damaged or binary export?)"
                    for value in cells
                ],
            )
        )
    return _concat_defects(found)


def _quoted(text: str) -> str:
    return f'"{visible(text)}"'


def _defects(rows, columns, check: str, messages: list[str]) -> pd.DataFrame:
    """Defects of ``rows``; ``columns`` is one header name per row, or None for whole rows."""
    rows = list(rows)
    return pd.DataFrame(
        {
            "row": np.array(rows, dtype=np.int64),
            "column": np.array([None] * len(rows) if columns is None else list(columns), dtype=object),
            "check": np.full(len(rows), check, dtype=object),
            "message": np.array(messages, dtype=object),
        }
    )


def _no_defects() -> pd.DataFrame:
    return _defects([], None, "", [])


def _concat_defects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else _no_defects()
