"""Cumulative incidence of competing events (Aalen-Johansen), with case weights, as R's ``survfit``.

Status codes: 0 censored, k = 1..K the first event of cause k (e.g. 1 relapse, 2 death without
prior relapse); one row per patient. R's equivalent is ``survfit(Surv(time, status) ~ group,
weights = w, id = patient)`` with ``status`` a factor whose first level is censoring (R survival
3.5, ``survfitCI`` / C ``survfitci``). At each distinct time j with weighted number at risk
``n_j`` and weighted events ``d_kj`` of cause k (``d_j`` all causes), with ``h_kj = d_kj / n_j``:

- event-free probability ``S_j = prod_{m <= j} (1 - d_m / n_m)`` (Kaplan-Meier of any event);
- cumulative incidence ``CIF_k(j) = sum_{m <= j} S_{m-1} h_km`` (Aalen-Johansen);
- standard error: R's only variance for multi-state curves, the infinitesimal jackknife
  ``var CIF_k(j) = sum_i (w_i U_ik(j))^2`` (every patient its own cluster), with ``U_ik`` the
  influence that survfitci.c accumulates step by step. In closed form, with
  ``G_j = sum_{m <= j} d_m / (n_m (n_m - d_m))``, ``P_k(j) = sum_{m <= j} S_{m-1} h_km G_{m-1}`` and
  ``Q_k(j) = sum_{m <= j} S_{m-1} h_km / n_m``: a patient still at risk after j has
  ``U_ik(j) = P_k(j) - Q_k(j)``; one who left at time L <= j (censored, or an event of cause c)
  has ``U_ik(j) = P_k(L) - Q_k(L) + [c = k] S_{L-1} / n_L + V_i (CIF_k(j) - CIF_k(L))`` with
  ``V_i = G_L`` if censored and ``G_{L-1} - 1 / n_L`` after an event;
- limits: R's default ``conf.type = "log"`` for multi-state curves (``survfit_confint`` with
  ``logse = FALSE``): ``CIF exp(+-z se / CIF)``, the upper end capped at 1, missing where CIF = 0.

Times where every event has weight 0 change nothing (survfitci.c skips them) and get no row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .columns import column
from .inference import normal_quantile
from .levels import level_codes
from .survdata import aeq_times, checked_survival, checked_weights, reverse_cumsum, time_order


def competing_events(
    df: pd.DataFrame,
    duration: str,
    status: str,
    causes: Sequence[str] | None = None,
    *,
    timefix: bool = True,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Times (finite, >= 0; near-equal ones merged as R's ``aeqSurv`` when ``timefix``), the
    status codes as integers 0 (censored) .. K, and the names of causes 1..K.

    ``causes`` names causes 1, 2, ... (its length is K); by default K is the largest code and
    cause k is called ``str(k)``. Codes outside 0..K are an error.
    """
    values = column(df, status)
    codes = values.astype(np.int64)
    if causes is None:
        causes = [str(k) for k in range(1, int(codes.max(initial=0)) + 1)]
    causes = list(causes)
    if not ((codes == values) & (codes >= 0) & (codes <= len(causes))).all() or not causes:
        raise ValueError(
            f"column {status!r} must hold 0 (censored) or a cause code 1..K, with K >= 1 causes"
            + (f" ({', '.join(causes)})" if causes else "")
        )
    time, _ = checked_survival(column(df, duration), codes > 0)
    return (aeq_times(time) if timefix else time), codes, causes


def _curve(time: np.ndarray, code: np.ndarray, weight: np.ndarray, n_causes: int) -> dict:
    """The Aalen-Johansen estimate, its jackknife SE, the number at risk and whether an event
    happens, at each distinct time of one group (see the module docstring)."""
    order, _, g, times = time_order(time, timefix=False)
    code, w = code.take(order), weight.take(order)
    n_times = times.size

    def per_time(values):
        return np.bincount(g, weights=values, minlength=n_times)

    at_risk = reverse_cumsum(per_time(w))  # n_j
    cause = code[:, None] == np.arange(1, n_causes + 1)  # rows x causes
    d_k = np.stack([per_time(w * cause[:, k]) for k in range(n_causes)], axis=1)  # d_kj
    d = d_k.sum(axis=1)
    step = d > 0
    safe_risk = np.where(step, at_risk, 1.0)
    h_k = d_k / safe_risk[:, None]
    survival = np.cumprod(1.0 - h_k.sum(axis=1))
    before = np.append(1.0, survival[:-1])  # S_{j-1}
    increment = before[:, None] * h_k  # S_{j-1} h_kj
    cif = np.cumsum(increment, axis=0)

    # Survivors of time j, without a subtraction: exactly 0 when everyone at risk fails, where
    # G stops (S is 0 from then on, and so is every term G would enter).
    survivors = per_time(w * (code == 0)) + np.append(at_risk[1:], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(np.where(survivors > 0, d / (safe_risk * survivors), 0.0))  # G_j
    greenwood_before = np.append(0.0, greenwood[:-1])  # G_{j-1}
    p_minus_q = np.cumsum(increment * (greenwood_before - 1.0 / safe_risk)[:, None], axis=0)

    # Patients who have left by j: U_ik(j) = c_ik + V_i CIF_k(j).
    v = np.where(code > 0, greenwood_before.take(g) - 1.0 / safe_risk.take(g), greenwood.take(g))
    own = (before / safe_risk).take(g)[:, None] * cause  # [c = k] S_{L-1} / n_L
    c = p_minus_q.take(g, axis=0) + own - v[:, None] * cif.take(g, axis=0)
    w2 = w * w
    left_cc = np.cumsum(np.stack([per_time(w2 * c[:, k] ** 2) for k in range(n_causes)], 1), 0)
    left_cv = np.cumsum(np.stack([per_time(w2 * c[:, k] * v) for k in range(n_causes)], 1), 0)
    left_vv = np.cumsum(per_time(w2 * v * v))[:, None]
    later = np.append(reverse_cumsum(per_time(w2))[1:], 0.0)[:, None]  # sum of w^2 after j
    var = later * p_minus_q**2 + left_cc + 2.0 * cif * left_cv + cif**2 * left_vv
    return {
        "time_days": times,
        "n_risk": reverse_cumsum(np.bincount(g, minlength=n_times)),
        "cif": cif,
        "se": np.sqrt(np.maximum(var, 0.0)),
        "step": step,
    }


def _log_limits(cif: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """R's ``conf.type = "log"`` limits (``survfit_confint``, ``logse = FALSE``): missing where
    CIF = 0, the upper end capped at 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = np.where(cif > 0, cif, np.nan)
        se_log = np.where(se > 0, se / positive, 0.0)
    return positive * np.exp(-z * se_log), np.minimum(positive * np.exp(z * se_log), 1.0)


def cumulative_incidence(
    df: pd.DataFrame,
    duration: str,
    status: str,
    weights: str | None = None,
    *,
    group: str | None = None,
    causes: Sequence[str] | None = None,
    conf_level: float = 0.95,
    timefix: bool = True,
) -> pd.DataFrame:
    """Cumulative incidence of each cause of ``status`` (0 censored, k the k-th cause; see
    ``competing_events`` for ``causes``), optionally weighted, per level of ``group``.

    Returns, per group (a ``group`` column first, levels sorted), a row at time 0 and one at
    every time with an event of any cause of positive weight (R ``summary(survfit(...))``; an
    event at time 0 makes that row R's own): ``time_days``, ``n_risk`` (patients at risk, unweighted), then per cause
    ``cif_<cause>``, ``cif_<cause>_se``, ``cif_<cause>_low``, ``cif_<cause>_high`` in cause
    order. Each row holds the estimate at its time (right-continuous). The time-0 row without
    events has CIF 0, SE 0 and missing limits, as R's log limits at CIF 0. Weights must be >= 0;
    times closer than R's ``timefix`` tolerance are merged first, over the whole data.
    """
    z = normal_quantile(conf_level)
    time, codes, causes = competing_events(df, duration, status, causes, timefix=timefix)
    w = np.ones_like(time) if weights is None else checked_weights(column(df, weights), time.size)
    if group is None:
        parts = [(None, np.ones(time.size, dtype=bool))]
    else:
        labels = df[group]
        if labels.isna().any():
            raise ValueError(f"column {group!r} has missing values")
        levels, inverse = level_codes(labels.to_numpy())
        parts = [(level, inverse == k) for k, level in enumerate(levels)]
    tables = []
    for level, rows in parts:
        curve = _curve(time[rows], codes[rows], w[rows], len(causes))
        keep = curve.pop("step")
        if not (keep[0] and curve["time_days"][0] == 0):  # a start row: nothing has happened
            keep = np.append(True, keep)
            curve = {name: np.insert(values, 0, 0, axis=0) for name, values in curve.items()}
            curve["n_risk"][0] = rows.sum()
        table = {} if group is None else {group: level}
        table |= {"time_days": curve["time_days"][keep], "n_risk": curve["n_risk"][keep]}
        for k, cause in enumerate(causes):
            cif, se = curve["cif"][keep, k], curve["se"][keep, k]
            table[f"cif_{cause}"], table[f"cif_{cause}_se"] = cif, se
            table[f"cif_{cause}_low"], table[f"cif_{cause}_high"] = _log_limits(cif, se, z)
        tables.append(pd.DataFrame(table))
    return pd.concat(tables, ignore_index=True)
