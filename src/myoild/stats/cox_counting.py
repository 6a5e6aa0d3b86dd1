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

The steps after the rows (``time_columns``, ``CountingCells``, ``fit_two_group_totals``) also
serve ``myoild.stats.fine_gray_rows``, which forms the same totals and per-cluster residual sums
of R's ``finegray`` rows without building them.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .columns import is_binary
from .cox import CoxFit, _check_ties, _cluster_codes, _fit_model
from .cox_likelihood import TwoGroupLikelihood
from .levels import level_codes
from .strata import Blocks, stratum_codes, stratum_columns
from .survdata import aeq_times, checked_survival, checked_weights


def time_columns(
    times: np.ndarray, strata: np.ndarray | None = None, *, timefix: bool = True
) -> tuple[np.ndarray, int, Blocks | None]:
    """Each of ``times``'s column, the number of columns and the strata's blocks: a column is a
    distinct time (merged as R's ``aeqSurv`` when ``timefix``; no blocks), or with ``strata``
    (one integer code per time) a distinct (stratum, time) pair (``myoild.stats.strata``)."""
    if timefix:
        times = aeq_times(times)
    distinct, index = level_codes(times)
    if strata is None:
        return index, distinct.size, None
    index, _, blocks = stratum_columns(index, strata, distinct.size)
    return index, blocks.size, blocks


class CountingCells(NamedTuple):
    """Where counting-process rows ``(start, stop]`` fall among ``TwoGroupLikelihood``'s cells
    (group g, status e; column t), flattened as ``(2 g + e) n_columns + t``: ``stop`` holds each
    row's cell at its stop time, ``start`` the cell of a censored row of its group at its start
    time (module docstring)."""

    start: np.ndarray
    stop: np.ndarray

    @classmethod
    def of_rows(cls, x, event, start_column, stop_column, n_columns: int) -> CountingCells:
        """The cells of rows in group ``x`` (0/1) with ``event`` (0/1) and their columns."""
        stop = ((2 * x + event) * n_columns).astype(np.int64) + stop_column
        start = (2 * x * n_columns).astype(np.int64) + start_column
        return cls(start, stop)

    def totals(self, weight: np.ndarray, size: int) -> np.ndarray:
        """Per cell, the weight of the rows at risk from it on: each row's ``weight`` added at
        its stop cell and taken off at its start cell."""
        return np.bincount(self.stop, weight, size) - np.bincount(self.start, weight, size)

    def residuals(self, cell_residuals: np.ndarray) -> np.ndarray:
        """Each row's unweighted score residual (states x rows) from the residuals of the
        cells (states x cells, ``TwoGroupLikelihood.cell_residuals``)."""
        return cell_residuals.take(self.stop, axis=1) - cell_residuals.take(self.start, axis=1)


def fit_two_group_totals(
    totals: np.ndarray,
    n_dead: np.ndarray,
    n: float,
    blocks: Blocks | None,
    cluster_sums: Callable[[np.ndarray], np.ndarray],
    *,
    ties: str,
    robust: bool,
    eps: float,
    max_iter: int,
) -> CoxFit:
    """The Cox fit of one 0/1 covariate from its cell ``totals`` (4 x columns, the risk-set
    weights of ``CountingCells.totals``), deaths per column ``n_dead`` and ``n`` rows, as
    ``fit_cox_counting``. ``cluster_sums(cell_residuals)`` turns the cells' score residuals at
    the estimate and at beta = 0 (2 x cells) into the weighted score residuals summed within
    each cluster (2 x clusters), from which the robust sandwich and score test are made."""
    model = TwoGroupLikelihood(totals.reshape(4, -1), n_dead, ties, n, blocks)

    def sandwich(estimate, null):
        summed, summed_null = cluster_sums(model.cell_residuals(estimate, null))
        return summed.dot(summed), summed_null.sum(), summed_null.dot(summed_null)

    return _fit_model(model, ties, robust, sandwich, eps, max_iter)


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
    row_strata = None
    if strata is not None:
        row_stratum = stratum_codes(strata, n)
        row_strata = np.concatenate([row_stratum, row_stratum])
    columns, n_columns, blocks = time_columns(np.concatenate([start, stop]), row_strata, timefix=timefix)
    cells = CountingCells.of_rows(x, event, columns[:n], columns[n:], n_columns)
    risk_weight = np.ones(n) if w is None else w
    totals = cells.totals(risk_weight, 4 * n_columns)
    n_dead = np.bincount(columns[n:], event, n_columns)

    def cluster_sums(cell_residuals):
        rows = cells.residuals(cell_residuals) * risk_weight
        return rows if codes is None else np.stack([np.bincount(codes, row) for row in rows])

    return fit_two_group_totals(
        totals,
        n_dead,
        n,
        blocks,
        cluster_sums,
        ties=ties,
        robust=robust,
        eps=eps,
        max_iter=max_iter,
    )
