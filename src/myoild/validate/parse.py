"""Turning raw cells into typed values, by the data contract's reading rules (DATA_CONTRACT.md).

Each column has a *kind* taken from its pandera dtype: text, date, number, integer or boolean.
A cell is either missing (an empty cell, a null), a native value of the right type (a Parquet
date, an Excel number) or text read by the CSV rules:

- date: ``YYYY-MM-DD`` exactly; a native date or a timestamp at midnight;
- number: plain decimal notation (``12``, ``-0.5``, ``1e3``), finite;
- integer: a number with no fractional part (``2.5`` in ``mmrc`` is an error);
- boolean: ``true/false``, ``1/0``, ``yes/no`` in any case, or a native boolean;
- text: any non-empty text (``NA`` is text); a native whole number is taken as its digits.

Anything else is *bad*: the parsed value is missing and the cell is reported, quoting it.
Values are parsed once per distinct value (``pd.factorize``), which keeps columns of millions
of rows fast: they hold few distinct dates and booleans.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from myoild.io import visible

#: pandera dtype (as str) -> kind; the models in schemas.py use only these dtypes.
KIND_OF_DTYPE = {
    "text": "text",
    "datetime64[ns]": "date",
    "float64": "number",
    "Int64": "integer",
    "boolean": "boolean",
}
EXPECTED = {
    "text": "text",
    "date": "a date (YYYY-MM-DD)",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "a boolean (true/false, 1/0, yes/no)",
}
BOOLEAN_TEXT = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
# Whole-cell patterns (RE2 syntax). [0-9], not \d: \d may match other scripts' digits.
DATE_TEXT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
NUMBER_TEXT = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
# Whole numbers are exact in float64 up to 2**53; larger ones are no count, grade or identifier.
MAX_WHOLE = 2.0**53
# Dates outside the range of datetime64[ns].
DATE_MIN, DATE_MAX = pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D")
DATE_MIN_DAY, DATE_MAX_DAY = np.datetime64(DATE_MIN.date(), "D"), np.datetime64(DATE_MAX.date(), "D")


def parse_column(raw: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Parse one raw column; return the typed column and the mask of bad cells (same index)."""
    if raw.dtype == object:
        return _parse_objects(raw, kind)
    if pd.api.types.is_bool_dtype(raw) or pd.api.types.is_numeric_dtype(raw):
        return _parse_numeric_column(raw, kind)
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind == "M":
        return _parse_datetime_column(raw, kind)
    return _parse_objects(raw.astype(object), kind)


def _parse_objects(raw: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Object column (CSV text, mixed Excel cells): parse each distinct value once."""
    if kind == "text":
        text = _parse_text_column(raw)
        if text is not None:
            return text, pd.Series(False, index=raw.index)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    values, good = _parse_distinct(np.asarray(uniques, dtype=object), kind)
    values[~good] = None
    # A missing value appended to the distinct values stands for every missing cell.
    taken = np.where(codes >= 0, codes, len(values))
    typed = _as_kind(np.append(values, None), kind)[taken]
    bad = ~np.append(good, True)[taken]
    return pd.Series(typed, index=raw.index), pd.Series(bad, index=raw.index)


def _parse_text_column(raw: pd.Series) -> pd.Series | None:
    """A column of text and missing cells as text, an empty string missing (None where missing); None
    when the column holds other values (they go cell value by cell value).

    A column with no missing cell (one pass finds it: ``infer_dtype`` without skipping) and no empty
    string is taken as it is, not copied, unless it is a view into the cells of a whole table (CSV,
    Excel), which it would keep alive.
    """
    if pd.api.types.infer_dtype(raw, skipna=False) == "string":
        missing = raw.to_numpy() == ""
    elif pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        missing = raw.isna().to_numpy() | (raw.to_numpy() == "")
    else:
        return None
    if missing.any():
        return raw.where(~missing, None)
    return raw if _owns_its_values(raw) else raw.copy()


def _owns_its_values(column: pd.Series) -> bool:
    """Whether the column's values are an array of their own, not a view into a larger array."""
    values = base = column.to_numpy()
    while isinstance(base.base, np.ndarray):
        base = base.base
    return base.nbytes == values.nbytes


def _parse_numeric_column(raw: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Native numbers or booleans (Parquet, Excel): vectorised, as _parse_native does per cell."""
    present = raw.notna().to_numpy()
    numbers = np.asarray(raw.astype(float, copy=False))  # a float column as it is
    if pd.api.types.is_bool_dtype(raw):
        good = np.full(len(raw), kind == "boolean")
    else:
        # Only the test of the column's kind runs: each is a pass over millions of cells.
        test = _NATIVE_NUMBER_TESTS.get(kind)
        good = test(numbers) if test else np.zeros(len(raw), dtype=bool)
    good &= present
    bad = present & ~good
    if kind == "text":
        digits = pd.Series(numbers, dtype=float).where(good).astype("Int64").astype(str).to_numpy(dtype=object)
        typed = np.where(good, digits, None)
    elif kind == "number":
        # Missing cells are NaN already: the column is taken as it is unless bad cells (infinities) need
        # replacing, or it is Arrow's read-only memory (the normalised tables must take writes).
        typed = np.where(good, numbers, np.nan) if bad.any() or not numbers.flags.writeable else numbers
    elif kind == "integer":
        typed = pd.arrays.IntegerArray(np.where(good, numbers, 0).astype(np.int64), ~good)
    elif kind == "boolean":
        typed = pd.arrays.BooleanArray(np.where(good, numbers, 0).astype(bool), ~good)
    else:
        return empty_column(kind, raw.index), pd.Series(bad, index=raw.index)
    return pd.Series(typed, index=raw.index), pd.Series(bad, index=raw.index)


def _parse_datetime_column(raw: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Native timestamps (Parquet, Excel): a date when naive and at midnight, in datetime64[ns] range.

    In numpy, at a tenth of pandas' time on millions of cells: a value is at midnight when its ticks
    are a whole number of days (numpy's own conversion to days overflows at the start of the
    nanosecond range); the range ends are whole days, exact in every unit from seconds to
    nanoseconds; bad cells become NaT before the change of unit, so that nothing overflows.
    """
    values = raw.to_numpy()
    present = ~np.isnat(values)
    good = np.zeros(len(raw), dtype=bool)
    if kind == "date":
        unit, ticks = np.datetime_data(values.dtype)
        ticks_per_day = np.timedelta64(1, "D") // np.timedelta64(ticks, unit)
        midnight = values.view(np.int64) % ticks_per_day == 0
        good = present & midnight & (values >= DATE_MIN_DAY) & (values <= DATE_MAX_DAY)
        kept = np.where(good, values, np.datetime64("NaT")) if (present & ~good).any() else values
        typed = pd.Series(kept.astype("datetime64[ns]"), index=raw.index)
    else:
        typed = empty_column(kind, raw.index)
    return typed, pd.Series(present & ~good, index=raw.index)


def bad_cell_message(value: object, kind: str) -> str:
    """Why a raw cell is not a value of its column's kind, quoting the cell."""
    if kind == "date" and isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return f"{quote(value)} has a time zone; a date has none"
        if pd.Timestamp(value) != pd.Timestamp(value).normalize():
            return f"{quote(value)} has a time of day; a date has none"
        return f"{quote(value)} is outside the supported dates ({DATE_MIN:%Y-%m-%d} to {DATE_MAX:%Y-%m-%d})"
    return f"{quote(value)} is not {EXPECTED[kind]}"


def empty_column(kind: str, index: pd.Index) -> pd.Series:
    """An all-missing column of a kind: an optional column the file leaves out."""
    return pd.Series(_as_kind(np.full(len(index), None, dtype=object), kind), index=index)


def quote(value: object) -> str:
    """A cell value as messages show it: text in double quotes (control characters as ``\\xNN``), whole
    floats without ``.0``, dates as dates."""
    if isinstance(value, str):
        return f'"{visible(value)}"'
    if isinstance(value, pd.Timestamp) and value.tzinfo is None and value == value.normalize():
        return f"{value:%Y-%m-%d}"
    if isinstance(value, (float, np.floating)) and _whole(np.array([float(value)]))[0]:
        return str(int(value))
    return str(value)


def _parse_distinct(values: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse distinct raw values: text by the text rules (vectorised), native values one by one."""
    parsed = np.empty(len(values), dtype=object)
    good = np.zeros(len(values), dtype=bool)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        is_text = np.ones(len(values), dtype=bool)
    else:
        is_text = np.fromiter((isinstance(value, str) for value in values), dtype=bool, count=len(values))
    # An empty string (Parquet, Excel) is an empty cell: missing, not bad.
    empty = is_text & (values == "")
    good[empty] = True
    is_text &= ~empty
    if is_text.any():
        parsed[is_text], good[is_text] = _parse_text(values[is_text], kind)
    for position in np.flatnonzero(~is_text & ~empty):
        parsed[position], good[position] = _parse_native(values[position], kind)
    return parsed, good


def _parse_text(text: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-empty text values by the CSV rules (Arrow's vectorised regex and casts)."""
    if kind == "text":
        return text, np.ones(len(text), dtype=bool)
    strings = pa.array(text, type=pa.string())
    if kind == "boolean":
        flags = pd.Series(pc.utf8_lower(strings).to_numpy(zero_copy_only=False)).map(BOOLEAN_TEXT)
        return flags.to_numpy(dtype=object), flags.notna().to_numpy()
    pattern = DATE_TEXT if kind == "date" else NUMBER_TEXT
    shaped = pc.match_substring_regex(strings, f"^(?:{pattern})$").to_numpy(zero_copy_only=False)
    if kind == "date":
        dates = pd.to_datetime(pd.Series(text).where(shaped), format="%Y-%m-%d", errors="coerce")
        return dates.to_numpy(dtype=object), dates.notna().to_numpy()
    numbers = pd.to_numeric(pd.Series(text).where(shaped), errors="coerce").to_numpy(dtype=float)
    good = _whole(numbers) if kind == "integer" else np.isfinite(numbers)
    return numbers.astype(object), good


def _parse_native(value: object, kind: str) -> tuple[object, bool]:
    """One non-text cell from Parquet or Excel: accepted when it is natively of the column's kind."""
    if kind == "text":
        whole = _is_real(value) and _whole(np.array([float(value)]))[0]
        return (str(int(value)), True) if whole else (None, False)
    if kind == "boolean":
        if isinstance(value, (bool, np.bool_)):
            return bool(value), True
        return (bool(value), True) if _is_real(value) and value in (0, 1) else (None, False)
    if kind == "date":
        if not isinstance(value, dt.date):
            return None, False
        stamp = pd.Timestamp(value)
        naive_midnight = stamp.tzinfo is None and stamp == stamp.normalize()
        return (stamp, True) if naive_midnight and DATE_MIN <= stamp <= DATE_MAX else (None, False)
    if _is_real(value) and np.isfinite(float(value)):
        number = float(value)
        return (number, True) if kind == "number" or _whole(np.array([number]))[0] else (None, False)
    return None, False


def _whole(numbers: np.ndarray) -> np.ndarray:
    """Finite numbers without a fractional part, within the exact range of float64.

    ``trunc(x) == x`` decides as ``x mod 1 == 0`` does for every finite x (also negative ones and
    -0.0), at a fraction of its cost on millions of cells; infinities and NaN fail the range test.
    """
    with np.errstate(invalid="ignore"):
        return (np.abs(numbers) <= MAX_WHOLE) & (np.trunc(numbers) == numbers)


def _zero_or_one(numbers: np.ndarray) -> np.ndarray:
    return (numbers == 0) | (numbers == 1)


#: Which native numbers are good cells of each kind (a date is never a number).
_NATIVE_NUMBER_TESTS = {"number": np.isfinite, "integer": _whole, "text": _whole, "boolean": _zero_or_one}


def _is_real(value: object) -> bool:
    """A real number that is not a boolean (``True`` is an int in Python, but not a number here)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _as_kind(values: np.ndarray, kind: str):
    """Parsed values (``None`` where missing) as an array of the normalised tables' dtype (contract.py)."""
    if kind == "text":
        return values
    if kind == "date":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]").to_numpy()
    if kind == "number":
        return np.array(values, dtype=float)
    return pd.array(values, dtype="Int64" if kind == "integer" else "boolean")
