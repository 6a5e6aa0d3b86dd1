"""Kaplan-Meier curves with case weights and confidence bands, as R's ``survfit``.

At each distinct time with weighted number at risk n and weighted deaths d, S steps by
``(n - d) / n`` (R survfit, survfitkm.c). Standard error, following ``survfit``'s default:

- ``"greenwood"`` (unweighted data, or whole-number weights): Greenwood,
  ``se(log S) = sqrt(sum d / (n (n - d)))`` with weighted n and d;
- ``"ij"`` (any non-integer weight, R's ``robust = TRUE`` default then): the infinitesimal
  jackknife. Observation k's influence on S(t) is ``S(t) w_k C_k(t)`` with
  ``C_k(t) = sum_{t_j <= min(t, T_k)} d_j / (n_j (n_j - d_j)) - delta_k 1[T_k <= t] / (n_k - d_k)``
  (the closed form of survfitkm.c's recursion, ``n_k, d_k`` at T_k), and
  ``var S(t) = sum_k (S(t) w_k C_k(t))^2``; every row is its own cluster.

Bands are R's default ``conf.type = "log"``: ``S exp(+-z se(log S))``, the upper end capped at 1,
missing where S = 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import column
from .inference import normal_quantile
from .levels import level_codes
from .survdata import aeq_times, reverse_cumsum, survival_data

VARIANCES = ("auto", "greenwood", "ij")


def _curve(time: np.ndarray, event: np.ndarray, weight: np.ndarray, variance: str) -> pd.DataFrame:
    data = survival_data(time, event, weight, timefix=False)
    w, d, g = data.weight, data.event, data.time_index
    count = np.bincount(g, minlength=data.n_times).astype(float)
    n_event = data.per_time(d)
    n_risk_w = reverse_cumsum(data.per_time(w))
    n_event_w = data.per_time(w * d)
    step = (n_event > 0) & (n_event_w > 0)
    hazard = np.where(step, n_event_w / np.where(step, n_risk_w, 1.0), 0.0)
    survival = np.cumprod(1.0 - hazard)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_survivor = np.where(step, 1.0 / (n_risk_w - n_event_w), 0.0)
        greenwood = np.cumsum(hazard * per_survivor)  # sum d / (n (n - d))
        if variance == "greenwood":
            se_log = np.sqrt(greenwood)
        else:
            # Rows that have left by t contribute their fixed C_k; rows still at risk after t
            # all have C_k(t) = greenwood(t).
            settled = greenwood[g] - d * per_survivor[g]
            left = np.cumsum(data.per_time((w * settled) ** 2))
            later = np.append(reverse_cumsum(data.per_time(w * w))[1:], 0.0)
            var = survival**2 * (greenwood**2 * later + left)
            se = np.sqrt(np.where(survival > 0, var, 0.0))
            se_log = np.where(se > 0, se / survival, 0.0)
    return pd.DataFrame(
        {
            "time_days": data.times,
            "n_risk": reverse_cumsum(count).astype(np.int64),
            "n_event": n_event.astype(np.int64),
            "n_censor": (count - n_event).astype(np.int64),
            "n_risk_weighted": n_risk_w,
            "n_event_weighted": n_event_w,
            "survival": survival,
            "se_log": se_log,
            "step": step,
        }
    )


def weighted_km(
    df: pd.DataFrame,
    duration: str,
    event: str,
    weights: str | None = None,
    *,
    group: str | None = None,
    conf_level: float = 0.95,
    variance: str = "auto",
    censored: bool = False,
    timefix: bool = True,
) -> pd.DataFrame:
    """Kaplan-Meier estimate of ``duration``/``event`` (columns of ``df``), optionally weighted.

    Returns one row per distinct event time (R ``summary(survfit(...))``; ``censored=True``
    keeps censoring-only times too), per level of ``group`` when given (a ``group`` column
    first). ``n_risk``/``n_event``/``n_censor`` are whole counts, ``n_risk_weighted`` and
    ``n_event_weighted`` the weighted sums the estimate uses; ``std_err`` is the SE of S.
    ``variance="auto"`` is R's rule: infinitesimal jackknife when any weight is non-integer,
    Greenwood otherwise (see the module docstring). Times closer than R's ``timefix``
    tolerance are merged first, over the whole data as ``survfit`` does.
    """
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, not {variance!r}")
    z = normal_quantile(conf_level)
    time = column(df, duration)
    status = column(df, event)
    w = np.ones_like(time) if weights is None else column(df, weights)
    if variance == "auto":
        variance = "ij" if (w != np.floor(w)).any() else "greenwood"
    if timefix:
        time = aeq_times(time)
    if group is None:
        curves = [_curve(time, status, w, variance)]
    else:
        labels = df[group]
        if labels.isna().any():
            raise ValueError(f"column {group!r} has missing values")
        levels, codes = level_codes(labels.to_numpy())
        curves = []
        for code, level in enumerate(levels):
            rows = codes == code
            curve = _curve(time[rows], status[rows], w[rows], variance)
            curve.insert(0, group, level)
            curves.append(curve)
    table = pd.concat(curves, ignore_index=True)
    if not censored:
        table = table[table.pop("step")].reset_index(drop=True)
    else:
        table = table.drop(columns="step")
    survival = table["survival"].to_numpy()
    se_log = table.pop("se_log").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = np.where(survival > 0, survival, np.nan)
        table["std_err"] = survival * se_log
        table["ci_low"] = positive * np.exp(-z * se_log)
        table["ci_high"] = np.minimum(positive * np.exp(z * se_log), 1.0)
    return table
