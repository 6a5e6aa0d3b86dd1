"""Absolute effects at a horizon: Kaplan-Meier survival at fixed times and restricted mean
survival time (RMST), weighted or not, as R ``survfit``.

Both read the Kaplan-Meier step function of ``myoild.stats.weighted_km`` (all distinct times,
censoring-only ones included):

- survival at time t is the curve's value at the last distinct time <= t, with its standard
  error (IJ for non-integer weights, Greenwood otherwise) and log-scale limits, as
  ``summary(survfit(...), times = t, extend = TRUE)``: before the first time S = 1 with SE 0,
  after the last follow-up the last value is carried forward;
- the RMST to horizon h is the area under the step function from 0 to h,
  ``sum_j (t_{j+1} - t_j) S(t_j)`` over the knots ``0 = t_0 < t_1 < ... <= h`` with S(0) = 1 and
  the last value carried to h, as ``summary(survfit(...), rmean = h)$table[, "rmean"]`` (R
  survival's ``survmean``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .columns import checked_counts
from .km import weighted_km
from .levels import level_codes
from .survdata import aeq_times, checked_survival, checked_weights

SURVIVAL_COLUMNS = ["time_days", "survival", "std_err", "ci_low", "ci_high"]


def _checked_horizon(horizon: float) -> float:
    horizon = float(horizon)
    if not 0 < horizon < np.inf:
        raise ValueError(f"the horizon must be a positive finite time, not {horizon}")
    return horizon


def _area(times: np.ndarray, survival: np.ndarray, horizon: float) -> float:
    """Area under the step function S (value ``survival[j]`` from ``times[j]`` on, 1 before the
    first time) from 0 to ``horizon``."""
    before = times < horizon
    knots = np.concatenate(([0.0], times[before], [horizon]))
    heights = np.concatenate(([1.0], survival[before]))
    return float(np.diff(knots).dot(heights))


def _curves(df, duration, event, weights, group, conf_level=0.95, variance="auto"):
    """The Kaplan-Meier step functions of ``weighted_km`` (every distinct time, near-equal
    times merged over the whole data as R) per group: (level, table) pairs, level None
    without groups."""
    table = weighted_km(
        df,
        duration,
        event,
        weights,
        group=group,
        conf_level=conf_level,
        variance=variance,
        censored=True,
    )
    if group is None:
        return [(None, table)]
    return list(table.groupby(group, sort=False))


def survival_at(
    df: pd.DataFrame,
    duration: str,
    event: str,
    weights: str | None = None,
    group: str | None = None,
    times: Sequence[float] = (365,),
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier survival at each of ``times`` (per level of ``group`` when given), as R
    ``summary(survfit(Surv(duration, event) ~ group, weights = w), times, extend = TRUE)``.

    Columns: ``group`` (named as the ``group`` column, when given), ``time_days``, ``survival``,
    ``std_err`` (the SE of S, chosen as ``weighted_km`` does), ``ci_low``, ``ci_high`` (R's
    log-scale limits). Once S has dropped to 0 the limits are NaN and the SE is R's: NaN
    (Greenwood) or 0 (IJ). Before the first time S = 1 with SE 0, as for a group without
    events; a time past the last follow-up takes the last value (R's ``extend = TRUE``).
    """
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0 or not (times >= 0).all() or not np.isfinite(times).all():
        raise ValueError("times must be a non-empty list of finite times >= 0")
    start = pd.Series({"survival": 1.0, "std_err": 0.0, "ci_low": 1.0, "ci_high": 1.0})
    rows = []
    for level, curve in _curves(df, duration, event, weights, group, conf_level):
        at = np.searchsorted(curve["time_days"].to_numpy(), times, side="right") - 1
        for time, index in zip(times, at):
            values = start if index < 0 else curve.iloc[index][start.index]
            row = {"time_days": time, **values.to_dict()}
            rows.append(row if group is None else {group: level, **row})
    columns = SURVIVAL_COLUMNS if group is None else [group, *SURVIVAL_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def restricted_mean(
    df: pd.DataFrame,
    duration: str,
    event: str,
    weights: str | None = None,
    group: str | None = None,
    horizon: float = 365,
) -> pd.DataFrame:
    """Restricted mean survival time to ``horizon`` (per level of ``group`` when given), as R
    ``summary(survfit(Surv(duration, event) ~ group, weights = w), rmean = horizon)$table[,
    "rmean"]``: the area under the Kaplan-Meier curve from 0 to ``horizon``.

    Columns: ``group`` (named as the ``group`` column, when given), ``horizon_days``, ``rmst``.
    No standard error: R's ``se(rmean)`` ignores the weights' estimation, so the analysis takes
    it from bootstrap replicates (``rmst``). ``horizon`` must be positive and finite.
    """
    horizon = _checked_horizon(horizon)
    rows = []
    for level, curve in _curves(df, duration, event, weights, group, variance="greenwood"):
        area = _area(curve["time_days"].to_numpy(), curve["survival"].to_numpy(), horizon)
        row = {"horizon_days": horizon, "rmst": area}
        rows.append(row if group is None else {group: level, **row})
    columns = ["horizon_days", "rmst"] if group is None else [group, "horizon_days", "rmst"]
    return pd.DataFrame(rows, columns=columns)


class GroupedRmst:
    """Restricted mean survival time to ``horizon`` per group of one data set, for many weightings
    of it (bootstrap replicates): what ``restricted_mean`` gives, with the rows tabulated by
    (group, status, distinct time) once, so that each call costs one ``bincount`` over the rows.

    Near-equal times are merged over the whole data (``timefix``, as ``survfit``). A group's
    curve stays flat after its last time, as R's ``rmean`` extends it to the horizon.
    """

    def __init__(self, time, event, horizon: float, group=None, *, timefix: bool = True):
        horizon = _checked_horizon(horizon)
        time, event = checked_survival(time, event)
        if timefix:
            time = aeq_times(time)
        #: the distinct times (after timefix)
        self.times, time_index = level_codes(time)
        labels = np.zeros(time.size, dtype=np.int64) if group is None else np.asarray(group)
        self.levels, codes = level_codes(labels)
        #: each row's cell: (2 group + status) n_times + its distinct time's index
        self.cell = (2 * codes + event.astype(np.int64)) * self.times.size + time_index
        #: S before the first time is 1; the value after time j holds up to the next time or the horizon.
        self.lead = min(self.times[0], horizon)
        self.width = np.diff(np.minimum(np.append(self.times, horizon), horizon))

    def rmst(self, weight=None, counts=None) -> np.ndarray:
        """Each group's RMST (in the order of ``levels``) with case ``weight`` and frequency
        ``counts`` (row i stands for ``counts[i]`` identical rows, 0 allowed, as ``fit_cox``
        takes them: the RMST of the duplicated rows)."""
        n = self.cell.size
        w = np.ones(n) if weight is None else checked_weights(weight, n)
        if counts is not None:
            w = w * checked_counts(counts, n)
        size = 2 * self.levels.size * self.times.size
        return self.rmst_of_table(np.bincount(self.cell, w, size).reshape(-1, self.times.size))

    def rmst_of_table(self, table: np.ndarray) -> np.ndarray:
        """Each group's RMST from the rows' weights (case weight times frequency count) summed
        per cell: row ``2 group + status`` (0 censored, 1 death), column the distinct time (of
        ``times``), the layout of ``TwoGroupCox.tabulate`` with groups 0 and 1 (``by_time`` when
        stratified), so that a bootstrap replicate's Cox model and RMST share one table."""
        deaths = table[1::2]
        at_risk = np.cumsum((table[::2] + deaths)[:, ::-1], axis=1)[:, ::-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            hazard = np.where(deaths > 0, deaths / at_risk, 0.0)
        return self.lead + np.cumprod(1.0 - hazard, axis=1) @ self.width
