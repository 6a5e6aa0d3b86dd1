"""Strata of a stratified Cox model or log-rank test, as R's ``strata()``.

A stratified model has its own baseline hazard in each stratum: the risk set at a time holds only
the rows of the dying row's stratum, and the partial likelihood, its score and information, and
the log-rank statistic's observed, expected and variance are sums over the strata (Therneau &
Grambsch 2000, sec. 3.2; R ``coxph(Surv(t, e) ~ x + strata(s))``, ``survdiff(... + strata(s))``).

The survival routines sum over the distinct times of the data; stratified, they sum over the
distinct (stratum, time) pairs instead, here called *columns*: numbered stratum by stratum, times
ascending within a stratum, so that each stratum is a contiguous block of columns and a risk-set
sum is a reverse cumulative sum within its block (``Blocks``). Times are tie-fixed (R's
``aeqSurv``) over all rows before the strata are formed, as R's ``coxph`` and ``survdiff`` do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .levels import level_codes
from .survdata import SurvivalData


class Blocks:
    """The contiguous blocks of columns, one per stratum, along one axis of a table of ``size``
    columns; ``starts`` holds each block's first column (ascending, the first 0)."""

    def __init__(self, starts: np.ndarray, size: int):
        bounds = [*np.asarray(starts).tolist(), size]
        self.size = size
        self.slices = tuple(slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]))

    def reversed(self) -> Blocks:
        """The blocks of the same table with its columns in reverse order."""
        return Blocks(
            np.array([self.size - block.stop for block in reversed(self.slices)]), self.size
        )

    def cumsum(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        """Cumulative sums along ``axis`` that start afresh in each block (per stratum, exactly:
        no cumulative sum crosses a block and is subtracted back)."""
        out = np.empty(values.shape)
        before = (slice(None),) * axis
        for block in self.slices:
            np.cumsum(values[(*before, block)], axis=axis, out=out[(*before, block)])
        return out

    def reverse_cumsum(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        """``out[j] = sum(values[j:end of j's block])`` along ``axis``: the risk-set sums within
        strata (the stratified ``reverse_cumsum``)."""
        return np.flip(self.reversed().cumsum(np.flip(values, axis), axis), axis)


def stratum_codes(strata, n: int) -> np.ndarray:
    """Integer codes 0..k-1 of one stratum label per row (labels in sorted order); a missing
    label is an error (R would drop the row)."""
    labels = np.asarray(strata)
    if labels.shape != (n,):
        raise ValueError("strata must have one label per observation")
    codes = pd.factorize(labels, sort=True)[0]
    if (codes < 0).any():
        raise ValueError("stratum labels must not be missing")
    return codes


def strata_labels(df: pd.DataFrame, names: str | list[str]) -> np.ndarray:
    """One stratum label per row of ``df`` from the columns ``names`` (R's ``strata(a, b)``: every
    combination of their values is a stratum), as integer codes; missing values are an error."""
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError("strata must name at least one column")
    codes = np.zeros(len(df), dtype=np.int64)
    for name in names:
        if name not in df.columns:
            raise KeyError(f"column {name!r} not in the data frame")
        value_codes, levels = pd.factorize(df[name], sort=True)
        if (value_codes < 0).any():
            raise ValueError(f"column {name!r} has missing values")
        codes = codes * len(levels) + value_codes
    return codes


def stratum_columns(
    time_index: np.ndarray, codes: np.ndarray, n_times: int
) -> tuple[np.ndarray, np.ndarray, Blocks]:
    """Each row's column (its stratum ``codes`` and distinct-time ``time_index``, of ``n_times``
    distinct times, as one number), each column's distinct-time index, and the strata's blocks."""
    key = codes.astype(np.int64) * n_times + time_index
    distinct, column = level_codes(key)
    stratum = distinct // n_times
    starts = np.flatnonzero(np.concatenate(([True], stratum[1:] != stratum[:-1])))
    return column.reshape(-1), distinct % n_times, Blocks(starts, distinct.size)


def stratified_data(data: SurvivalData, codes: np.ndarray) -> tuple[SurvivalData, Blocks]:
    """``data`` sorted by (stratum, time) instead (``codes``: the stratum code of each input
    row), with ``time_index`` numbering its columns and ``times`` holding each column's time; the
    rows of one column keep their order."""
    column, column_time, blocks = stratum_columns(
        data.time_index, codes.take(data.order), data.n_times
    )
    order = column.argsort(kind="stable")
    sorted_data = SurvivalData(
        order=data.order.take(order),
        time=data.time.take(order),
        event=data.event.take(order),
        weight=data.weight.take(order),
        time_index=column.take(order),
        times=data.times.take(column_time),
    )
    return sorted_data, blocks
