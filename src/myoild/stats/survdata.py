"""Right-censored survival data as the survival routines need it: checked, tie-fixed, sorted once.

Every routine here (Cox model, Kaplan-Meier, log-rank) works on the distinct times of the data:
rows are sorted by time once (stable sort) and each row carries the index of its distinct time,
so that risk-set sums become reverse cumulative sums over distinct times (O(n log n) in all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .columns import is_binary
from .levels import distinct as distinct_values

#: R's default tolerance for ``timefix``: ``sqrt(.Machine$double.eps)``.
TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def _tied_runs(distinct: np.ndarray, tolerance: float) -> np.ndarray | None:
    """For sorted distinct finite times: the first value of each run of near-equal neighbours
    (R's ``aeqSurv`` rule), or None when no neighbours are near-equal."""
    if distinct.size < 2:
        return None
    gaps = distinct[1:] - distinct[:-1]
    smallest = gaps.min()
    # The usual case, decided at once: mean(abs(y)) is at most the largest abs(y).
    if smallest > tolerance and smallest > tolerance * max(-distinct[0], distinct[-1]):
        return None
    scale = np.abs(distinct).sum() / distinct.size  # mean(abs(y)); np.mean costs 3x a sum
    tied = (gaps <= tolerance) | (gaps / scale <= tolerance)
    return distinct[np.concatenate(([True], ~tied))]


def aeq_times(time: np.ndarray, tolerance: float = TIMEFIX_TOLERANCE) -> np.ndarray:
    """Merge times that differ by less than ``tolerance`` into ties, as R's ``aeqSurv``.

    R survival (>= 2.40, ``timefix = TRUE`` in ``coxph``, ``survfit`` and ``survdiff``): with
    ``y`` the sorted distinct finite times, neighbours are tied when ``diff(y) <= tolerance`` or
    ``diff(y) / mean(abs(y)) <= tolerance``; each time is replaced by the first value of its run
    of tied neighbours. Whole-day times are never changed.
    """
    time = np.asarray(time, dtype=float)
    distinct = distinct_values(time)
    cuts = _tied_runs(distinct[np.isfinite(distinct)], tolerance)
    if cuts is None:
        return time
    return cuts[np.searchsorted(cuts, time, side="right") - 1]


@dataclass(frozen=True)
class SurvivalData:
    """Rows sorted by time (stable); ``time_index`` maps each sorted row to its distinct time."""

    order: np.ndarray  # positions of the sorted rows in the input
    time: np.ndarray  # sorted times (after timefix)
    event: np.ndarray  # sorted 0/1 status, float
    weight: np.ndarray  # sorted case weights
    time_index: np.ndarray  # distinct-time index of each sorted row, 0..n_times-1
    times: np.ndarray  # the distinct times, ascending

    @property
    def n_times(self) -> int:
        return self.times.size

    def per_time(self, values: np.ndarray) -> np.ndarray:
        """Sum ``values`` (aligned with the sorted rows) within each distinct time."""
        return np.bincount(self.time_index, weights=values, minlength=self.n_times)


def checked_survival(time, event) -> tuple[np.ndarray, np.ndarray]:
    """``time`` (finite, >= 0) and ``event`` (0/1) as float arrays of one length; else an error."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    if time.ndim != 1 or event.shape != time.shape or time.size == 0:
        raise ValueError("time and event must be non-empty 1-d arrays of equal length")
    if not (time.min() >= 0 and time.max() < np.inf):  # NaN fails both
        raise ValueError("times must be finite and >= 0")
    if not is_binary(event):
        raise ValueError("event must be coded 0/1")
    return time, event


def checked_weights(weight, n: int, *, positive: bool = False) -> np.ndarray:
    """Case weights as floats, one per observation, finite and >= 0 (> 0 when ``positive``)."""
    weight = np.asarray(weight, dtype=float)
    if weight.shape != (n,):
        raise ValueError("weights must have one value per observation")
    smallest = weight.min()
    if positive and not smallest > 0:
        raise ValueError("Cox weights must be > 0 (as R's coxph)")
    if not (smallest >= 0 and np.isfinite(weight.sum())):
        raise ValueError("weights must be finite and >= 0")
    return weight


def time_order(time: np.ndarray, timefix: bool = True):
    """Sort checked times once (stable): ``(order, sorted_time, time_index, times)`` with
    ``time_index`` the distinct-time index of each sorted row and ``times`` the distinct times,
    near-equal times merged first when ``timefix`` (``aeq_times``)."""
    order = time.argsort(kind="stable")
    sorted_time = time.take(order)
    new_time = np.empty(sorted_time.size, dtype=bool)
    new_time[0] = True
    np.not_equal(sorted_time[1:], sorted_time[:-1], out=new_time[1:])
    cuts = _tied_runs(sorted_time[new_time], TIMEFIX_TOLERANCE) if timefix else None
    if cuts is not None:
        # Merging keeps the order, so the sort stands; only the distinct times change.
        sorted_time = cuts[np.searchsorted(cuts, sorted_time, side="right") - 1]
        np.not_equal(sorted_time[1:], sorted_time[:-1], out=new_time[1:])
    return order, sorted_time, new_time.cumsum() - 1, sorted_time[new_time]


def survival_data(
    time: np.ndarray,
    event: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    timefix: bool = True,
) -> SurvivalData:
    """Check, tie-fix (``aeq_times``) and sort right-censored data (``time`` >= 0 finite,
    ``event`` 0/1, ``weight`` >= 0)."""
    time, event = checked_survival(time, event)
    weight = np.ones_like(time) if weight is None else checked_weights(weight, time.size)
    order, sorted_time, time_index, times = time_order(time, timefix)
    return SurvivalData(
        order=order,
        time=sorted_time,
        event=event.take(order),
        weight=weight.take(order),
        time_index=time_index,
        times=times,
    )


def reverse_cumsum(values: np.ndarray) -> np.ndarray:
    """``out[j] = sum(values[j:])`` along the first axis: the risk-set sum at distinct time j."""
    return np.cumsum(values[::-1], axis=0)[::-1]
