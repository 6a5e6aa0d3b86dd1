"""Columns of a DataFrame as the statistics need them: float arrays, checked for missing values.

The statistics core takes column names (any DataFrame serves); these helpers turn them into
numpy arrays once, and refuse missing values rather than dropping rows as R's ``na.omit`` would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def column_values(df: pd.DataFrame, name: str):
    """The values of column ``name`` of ``df``: a numpy or pandas extension array."""
    try:
        loc = df.columns.get_loc(name)
    except KeyError:
        raise KeyError(f"column {name!r} not in the data frame") from None
    if not isinstance(loc, int):
        raise ValueError(f"column name {name!r} is not unique")
    # pandas' own accessor skips building a Series, which costs ~15 us a column once the frame
    # has changed (a tenth of a whole 250-row fit); the public one where pandas lacks it.
    getter = getattr(df, "_get_column_array", None)
    return getter(loc) if getter is not None else df.iloc[:, loc].array


def as_float(values, name: str) -> np.ndarray:
    """Numeric or boolean values as float64; missing values are an error (R would drop the row)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        if values.dtype.kind != "f":  # numpy integers and booleans cannot be missing
            return values.astype(float)
        values = values.astype(float, copy=False)
    else:  # nullable and object columns
        values = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any():
        raise ValueError(f"column {name!r} has missing values; drop or impute them first")
    return values


def column(df: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of ``df`` as float64 (see ``as_float``)."""
    return as_float(column_values(df, name), name)


def is_binary(values: np.ndarray) -> bool:
    """True when every value is 0 or 1."""
    # A value equals its truth value (0 or 1) exactly when it is 0 or 1; NaN is truthy.
    return bool((values.astype(bool) == values).all())


def binary_column(df: pd.DataFrame, name: str) -> np.ndarray:
    """A 0/1 (or boolean) column as float64; anything else is an error."""
    values = column(df, name)
    if not is_binary(values):
        raise ValueError(f"column {name!r} must be coded 0/1")
    return values


def checked_counts(counts, n: int) -> np.ndarray:
    """Frequency counts (row i stands for ``counts[i]`` identical rows) as floats: whole numbers
    >= 0, one per observation, not all zero."""
    counts = np.asarray(counts, dtype=float)
    if counts.shape != (n,):
        raise ValueError("counts must have one value per observation")
    if not (counts.min() >= 0 and (counts == np.floor(counts)).all() and counts.sum() > 0):
        raise ValueError("counts must be whole numbers >= 0, not all zero")
    return counts


def weight_values(df: pd.DataFrame, weights) -> np.ndarray | None:
    """Case weights given as R's ``weights = w``: None, the name of a column of ``df``, or one
    value per row."""
    if weights is None or isinstance(weights, str):
        return None if weights is None else column(df, weights)
    return as_float(np.asarray(weights), "weights")
