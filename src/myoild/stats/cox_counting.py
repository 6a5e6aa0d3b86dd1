"""Cox model of counting-process data ``(start, stop]`` with one 0/1 covariate, as R's
``coxph(Surv(start, stop, event) ~ x, weights = w, cluster = id)``.

R survival 3.5 (``agreg.fit`` / C ``agfit4``): a row is at risk at an event time t when
``start < t <= stop``; otherwise the partial likelihood, Efron or Breslow ties, Newton-Raphson,
model-based and robust (clustered sandwich) variances are those of ``coxph`` on right-censored
data, so the fit reuses ``myoild.stats.cox`` and its two-group likelihood. The risk set becomes
a reverse cumulative sum again once every row adds its weight at its stop time and removes it at
its start time (the distinct times are those of starts and stops together): the sum over times
``>= t`` then counts exactly the rows with ``start < t <= stop``. Likewise a row's score
residual is its stop-time cell's residual (coxscore2.c: the sum over event times up to stop)
minus the residual a censored row of its group would have at its start time (the sum over event
times up to start), which is what R's ``residuals(fit, "dfbeta")`` sums over ``(start, stop]``.
Stratified (R ``... ~ x + strata(s)``), the distinct times become (stratum, time) columns and the
risk-set sums run within each stratum's block (``myoild.stats.strata``): a row's start and stop
lie in its stratum's block, so the same difference counts it at risk there only.
"""

from __future__ import annotations

import numpy as np

from .columns import is_binary
from .cox import CoxFit, _check_ties, _cluster_codes, _fit_model
from .cox_likelihood import TwoGroupLikelihood
from .levels import level_codes
from .strata import stratum_codes, stratum_columns
from .survdata import aeq_times, checked_survival, checked_weights


def fit_cox_counting(
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    ties: str = "efron",
    robust: bool | None = None,
    cluster: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    timefix: bool = True,
    eps: float = 1e-9,
    max_iter: int = 20,
) -> CoxFit:
    """Fit a Cox model of ``(start, stop]``/``event`` on the 0/1 covariate ``x`` (arrays, one
    row each), with positive case ``weights``, stratified by ``strata`` (one label per row;
    default one stratum).

    ``robust`` defaults to true when weights or clusters are given; ``cluster`` holds one label
    per row (default: every row its own cluster, as R without ``cluster``). ``timefix`` merges
    near-equal start and stop times together, as R's ``aeqSurv`` on a counting-process
    ``Surv``. Rows need ``start < stop`` (R's ``Surv`` refuses others). ``n`` and ``events`` of
    the result count rows.
    """
    _check_ties(ties)
    stop, event = checked_survival(stop, event)
    n = stop.size
    start = np.asarray(start, dtype=float)
    x = np.asarray(x, dtype=float)
    if start.shape != (n,) or x.shape != (n,) or not is_binary(x):
        raise ValueError("start and a 0/1 x must have one value per row")
    if not (start < stop).all():  # NaN fails too
        raise ValueError("every row needs start < stop")
    w = None if weights is None else checked_weights(weights, n, positive=True)
    codes = _cluster_codes(cluster, n)
    if robust is None:
        robust = weights is not None or cluster is not None
    if not event.any():
        raise ValueError("no events: the Cox model cannot be fitted")
    times = np.concatenate([start, stop])
    if timefix:
        times = aeq_times(times)
    distinct, index = level_codes(times)
    n_times = distinct.size
    blocks = None
    if strata is not None:
        row_stratum = stratum_codes(strata, n)
        index, _, blocks = stratum_columns(index, np.concatenate([row_stratum, row_stratum]), n_times)
        n_times = blocks.size
    # Cells (group g, status e; distinct time) flattened as in TwoGroupCox: (2g + e) n_times + t.
    stop_cell = ((2 * x + event) * n_times).astype(np.int64) + index[n:]
    start_cell = (2 * x * n_times).astype(np.int64) + index[:n]
    size = 4 * n_times
    risk_weight = np.ones(n) if w is None else w
    totals = np.bincount(stop_cell, risk_weight, size) - np.bincount(start_cell, risk_weight, size)
    totals = totals.reshape(4, -1)
    n_dead = np.bincount(index[n:], event, n_times)
    model = TwoGroupLikelihood(totals, n_dead, ties, n, blocks)

    def sandwich(estimate, null):
        residuals = model.cell_residuals(estimate, null)
        rows = residuals.take(stop_cell, axis=1) - residuals.take(start_cell, axis=1)
        rows *= risk_weight
        if codes is None:
            return rows[0].dot(rows[0]), rows[1].sum(), rows[1].dot(rows[1])
        summed, summed_null = (np.bincount(codes, row) for row in rows)
        return summed.dot(summed), summed_null.sum(), summed_null.dot(summed_null)

    return _fit_model(model, ties, robust, sandwich, eps, max_iter)
