"""The proportional-hazards test of the two-group Cox model, as R's ``cox.zph(fit)``.

R survival >= 3.0 (``cox.zph`` and C ``zph1``; checked against 3.5-3) tests the proportional-hazards
assumption with the score test of adding ``beta_2 g(t) x`` to the model, at the fitted ``beta``
and ``beta_2 = 0`` (Therneau & Grambsch 2000, sec. 6.2; not the older Grambsch-Therneau
approximation). With ``g`` the transformed time centred on its mean over the event rows, and at
each Cox term k (the Efron or Breslow terms of ``myoild.stats.cox``: death weight ``t_k``,
group-1 share ``m_k`` of its risk set, information ``v_k = t_k m_k (1 - m_k)``):

- score ``U = sum_j g_j (D1_j - sum_{k at j} t_k m_k)`` (``D1_j``: the weight of group 1's deaths
  at event time j);
- the 2 x 2 information with entries ``sum v_k``, ``sum g_k v_k``, ``sum g_k^2 v_k``; R's
  ``u' I^-1 u`` with ``u = (0, U)`` is ``chisq = U^2 / sum v_k (g_k - gbar)^2``, ``gbar`` the
  ``v``-weighted mean of ``g`` (computed so here, without the cancellation); 1 df, and the same
  number as R's GLOBAL row (one covariate).

Case weights enter the score and the information as in the Cox fit; the test always uses this
model-based information, also for a fit with robust variance (R ignores ``fit$var`` here).
The time transform ignores the weights: ``"km"`` is ``1 - S(t-)``, the left-continuous
*unweighted* Kaplan-Meier estimate on all rows (R: ``survfitKM`` without weights), ``"rank"``
R's ``rank(time)`` (average ranks over all rows), ``"identity"`` the time, ``"log"`` its log.
Times are tie-fixed first as the fit (``aeq_times``); the mean of ``g`` is over event rows,
unweighted.

Scaled Schoenfeld residuals (R ``zph$y``): per event row, ``beta + (x_i - mbar_j) d / I``, with
``mbar_j`` the mean of the ``m_k`` at its time (Breslow: the one ``m``), ``d`` the number of event
rows and ``I = sum v_k``; ``d / I`` is R's ``zph$var``. They are unweighted (as R), listed in time
order (rows tied in time in data order).

Stratified (``strata``, R ``cox.zph(coxph(Surv(t, e) ~ x + strata(s)))``; C ``zph1`` walks the
rows by stratum and time): the Cox terms are those of the stratified fit, so ``m_k`` and ``v_k``
come from the risk set of the dying rows' stratum and the residuals are centred on it; the score
and the information are sums over all strata's terms, with the same formula. The time transform
and the mean of ``g`` still take all rows together, without strata (R's ``survfitKM`` and ``rank``
on all rows). The residuals are listed stratum by stratum (strata in sorted order of their
labels), in time order within a stratum, as R's ``order(istrat, time)``, with each row's stratum
in ``stratum``. ``d`` in ``zph$var`` counts only the event rows of strata in which treatment
varies (R's ``used``): a stratum with one group only adds no information, and its residuals are
``beta`` exactly (``x_i = mbar_j``). R 3.5-3 scales the residuals of the wrong rows when such a
stratum comes before another one (``cox.zph``'s ``sgrp`` skips it but its rows stay); here every
row of a varying stratum is scaled, as R does when the one-group strata come last.

The test is undefined, and ``chisq`` and ``p_value`` NaN with the reason in ``undefined``, when

- ``sum v_k (g_k - gbar)^2 = 0``: every term with both groups at risk (``v_k > 0``) has the
  same transformed time, e.g. all events at one time. R stops ("system is exactly singular")
  or returns roundoff;
- one group has no events: the log hazard ratio is infinite (``fit_cox`` warns) and R returns
  a statistic of the coefficient where the iterations stopped.

The residuals are still given, as R computes them (at that coefficient in the second case).

``zph_smooth`` gives the smooth of the residuals against ``x`` with its band that R's
``plot.cox.zph`` draws (an estimate of beta(t)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .columns import binary_column, column, weight_values
from .cox import TwoGroupCox
from .cox_likelihood import TwoGroupLikelihood, efron_terms
from .inference import chisq_p
from .levels import distinct, level_codes
from .strata import strata_labels
from .survdata import aeq_times, reverse_cumsum

TRANSFORMS = ("km", "rank", "identity", "log")


@dataclass(frozen=True)
class ZphResult:
    """R's ``cox.zph`` of a two-group Cox model: the test (``chisq``, ``df``, ``p_value``; NaN
    with the reason in ``undefined`` when the test is undefined, else ``undefined`` is None) and
    per event row ``time`` (tie-fixed), ``x`` (transformed time) and ``residual`` (scaled
    Schoenfeld residual, R ``zph$y``). ``coef`` is the fitted log hazard ratio and ``var`` R's
    ``zph$var`` (the number of event rows over the information at ``coef``). Stratified, the rows
    run stratum by stratum and ``stratum`` holds each one's stratum (0, 1, ... in the sorted
    order of the labels; R ``zph$strata``), else it is None."""

    chisq: float
    df: int
    p_value: float
    time: np.ndarray
    x: np.ndarray
    residual: np.ndarray
    transform: str
    coef: float
    var: float
    ties: str
    undefined: str | None
    stratum: np.ndarray | None = None


def _transformed_times(times: np.ndarray, rows: np.ndarray, n_dead: np.ndarray, transform: str) -> np.ndarray:
    """R's ``ttimes`` at the distinct times ``times`` of all rows, which have ``rows`` rows and
    ``n_dead`` event rows each: at the event times, the rest 0."""
    event_times = np.flatnonzero(n_dead)
    ttimes = np.zeros(times.size)
    ttimes[event_times] = _transformed_event_times(times, rows, n_dead, event_times, transform)
    return ttimes


def _transformed_event_times(
    times: np.ndarray, rows: np.ndarray, n_dead: np.ndarray, event_times: np.ndarray, transform: str
) -> np.ndarray:
    """R's ``ttimes`` at the event times (indices ``event_times`` into the distinct ``times``)."""
    if transform == "km":
        survival = np.cumprod(1.0 - n_dead / reverse_cumsum(rows))
        return 1.0 - np.concatenate(([1.0], survival[:-1])).take(event_times)  # 1 - S(t-)
    if transform == "rank":  # average ranks: a tie of c rows after a rows has rank a + (c + 1) / 2
        return (np.cumsum(rows) - (rows - 1.0) / 2.0).take(event_times)
    times = times.take(event_times)
    if transform == "log":
        if not times.min() > 0:
            raise ValueError("transform 'log' needs event times > 0")
        return np.log(times)
    return times


def _score_test(score: float, g: np.ndarray, info: np.ndarray) -> tuple[float, float, str | None]:
    """``(chisq, p, undefined)``: ``score^2 / sum v (g - gbar)^2`` over the Cox terms (their
    centred times ``g`` and informations ``v``), NaN with the reason when it is undefined."""
    informative = g[info > 0]
    if informative.size == 0 or informative.min() == informative.max():
        reason = (
            "every event time with both groups at risk has the same transformed time "
            "(e.g. a single event time): the time term has no information"
        )
        return float("nan"), float("nan"), reason
    centred = g - info.dot(g) / info.sum()
    chisq = score * score / float(info.dot(centred * centred))
    return chisq, chisq_p(chisq, 1), None


def _stratum_numbers(df: pd.DataFrame, strata: str | list[str] | None) -> np.ndarray:
    """Each row's stratum, 0, 1, ... in the sorted order of the labels (R's ``strata()`` levels
    that occur); all 0 without strata (None or an empty list)."""
    if not strata:
        return np.zeros(len(df), dtype=np.int64)
    return level_codes(strata_labels(df, strata))[1]


def _varying_strata_events(stratum: np.ndarray, treated: np.ndarray, status: np.ndarray) -> float:
    """The number of event rows in the strata in which treatment varies (R ``zph1``'s ``used``)."""
    rows = np.bincount(stratum)
    ones = np.bincount(stratum, treated, rows.size)
    varies = (ones > 0) & (ones < rows)
    return float(status[varies.take(stratum)].sum())


def proportional_hazards_test(
    df: pd.DataFrame,
    duration: str,
    event: str,
    treatment: str,
    weights: str | np.ndarray | None = None,
    ties: str = "efron",
    transform: str = "km",
    *,
    strata: str | list[str] | None = None,
    timefix: bool = True,
) -> ZphResult:
    """Test of proportional hazards for the Cox model of ``duration``/``event`` on the 0/1
    ``treatment``, as R's ``cox.zph(coxph(Surv(duration, event) ~ treatment, weights = w,
    ties = ties), transform = transform)``, or with ``strata`` (one column name or several) of
    ``coxph(Surv(duration, event) ~ treatment + strata(...), ...)`` (see the module docstring for
    the method).

    ``weights`` names a column of ``df`` or holds one case weight per row. The model is fitted
    by ``TwoGroupCox`` (a fit without events, or without a stratum in which treatment varies,
    raises ValueError; its ConvergenceWarning, e.g. for an infinite coefficient, passes through).
    ``timefix`` merges near-equal times as R; a missing stratum label is an error. An empty list
    of strata is no stratification, as for ``weighted_cox``.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}, not {transform!r}")
    time = column(df, duration)
    status = column(df, event)
    treated = binary_column(df, treatment)
    w = weight_values(df, weights)
    stratum = _stratum_numbers(df, strata)
    model = TwoGroupCox(time, status, treated, stratum if strata else None, timefix=timefix)
    beta = float(model.fit(w, ties=ties, robust=False).coef[0])

    # The Cox terms at beta, from the cell totals (group, status; column) of the fit. A column is
    # a distinct time (stratified: a distinct (stratum, time) pair).
    n_columns = model.n_times
    totals = np.bincount(model.cell, w, 4 * n_columns).reshape(4, -1)
    rows = totals if w is None else np.bincount(model.cell, None, 4 * n_columns).reshape(4, -1)
    n_dead = rows[1] + rows[3]
    likelihood = TwoGroupLikelihood(totals, n_dead, ties, model.n, model.strata)
    share = likelihood.evaluate(beta).mean  # m_k
    terms = efron_terms(n_dead, ties)
    info = likelihood.term_weight * share * (1.0 - share)  # v_k
    events = n_dead.sum()

    # Transformed times of all rows together (no strata), centred on their mean over the event
    # rows; 0 in a column where no one dies.
    column_index = model.cell % n_columns  # each row's column
    column_times = np.empty(n_columns)
    column_times[column_index] = aeq_times(time) if timefix else time
    times, time_of_column = level_codes(column_times)
    per_time = (np.bincount(time_of_column, values) for values in (rows.sum(axis=0), n_dead))
    ttimes = _transformed_times(times, *per_time, transform).take(time_of_column)
    g = np.where(n_dead > 0, ttimes - ttimes.dot(n_dead) / events, 0.0)
    expected = np.bincount(terms.time, likelihood.term_weight * share, n_columns)
    if not (totals[1].any() and totals[3].any()):
        chisq = p_value = float("nan")
        undefined = "no events in one group: the fitted log hazard ratio is infinite"
    else:
        chisq, p_value, undefined = _score_test(float(g.dot(totals[3] - expected)), g.take(terms.time), info)

    # Event rows in order of their column (stratum, then tie-fixed time), tied rows in data
    # order (R: order(istrat, time)).
    dead = column_index.argsort(kind="stable")
    dead = dead[status.take(dead) == 1]
    dead_column = column_index.take(dead)
    mean_share = np.bincount(terms.time, share, n_columns) / terms.per_time  # mbar_j
    var = _varying_strata_events(stratum, treated, status) / float(info.sum())
    return ZphResult(
        chisq=chisq,
        df=1,
        p_value=p_value,
        time=column_times.take(dead_column),
        x=ttimes.take(dead_column),
        residual=beta + (treated.take(dead) - mean_share.take(dead_column)) * var,
        transform=transform,
        coef=beta,
        var=var,
        ties=ties,
        undefined=undefined,
        stratum=stratum.take(dead) if strata else None,
    )


def _natural_spline_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """A basis of the natural cubic splines with ``knots`` (boundary knots first and last):
    ``1, x, d_k - d_{K-1}`` with ``d_k = ((x - k_k)_+^3 - (x - k_K)_+^3) / (k_K - k_k)``
    (Hastie, Tibshirani & Friedman 2009, eq. 5.4-5.5). It spans the space of R's
    ``ns(x, knots, intercept = TRUE)``, so fits and their standard errors are R's."""

    def d(k: int) -> np.ndarray:
        cube = np.maximum(x - knots[k], 0.0) ** 3 - np.maximum(x - knots[-1], 0.0) ** 3
        return cube / (knots[-1] - knots[k])

    last = d(knots.size - 2)
    return np.column_stack([np.ones_like(x), x] + [d(k) - last for k in range(knots.size - 2)])


def zph_smooth(result: ZphResult, df: int = 4, n_points: int = 40) -> pd.DataFrame:
    """The smooth of ``result.residual`` against ``result.x`` that R's ``plot.cox.zph`` draws:
    a least-squares natural cubic spline with ``df`` parameters (interior knots at the
    quantiles ``1/(df-1), ..., (df-2)/(df-1)`` of the evaluation points and ``x`` together,
    boundary knots at the range, as ``ns(c(pred.x, x), df, intercept = TRUE)``), at ``n_points``
    equally spaced ``x``, with the band ``+- 2 sqrt(var * p' (X'X)^-1 p)`` (``var``:
    ``result.var``).

    Columns ``x``, ``beta``, ``lower``, ``upper``; ``beta`` and the band are NaN when the spline
    cannot be fitted (its design has rank < ``df``, e.g. fewer than ``df`` distinct ``x``; R skips
    the plot with a warning). ``df`` must be at least 2 (a straight line).
    """
    if df < 2:
        raise ValueError("df must be at least 2")
    x = result.x
    low, high = x.min(), x.max()
    grid = np.linspace(low, high, n_points)
    table = pd.DataFrame({"x": grid, "beta": np.nan, "lower": np.nan, "upper": np.nan})
    if distinct(x).size < df:
        return table
    # Rescaled to [0, 1] (the same spline space) to keep the cubes well conditioned.
    scale = high - low
    both = (np.concatenate((grid, x)) - low) / scale
    knots = np.quantile(both, np.arange(df) / (df - 1))  # R's type-7 quantiles
    basis = _natural_spline_basis(both, knots)
    at_grid, design = basis[:n_points], basis[n_points:]
    if np.linalg.matrix_rank(design) < df:
        return table
    q, r = np.linalg.qr(design)
    fitted = at_grid.dot(np.linalg.solve(r, q.T.dot(result.residual)))
    leverage = (np.linalg.solve(r.T, at_grid.T) ** 2).sum(axis=0)  # p' (X'X)^-1 p
    half_width = 2.0 * np.sqrt(result.var * leverage)
    table["beta"] = fitted
    table["lower"] = fitted - half_width
    table["upper"] = fitted + half_width
    return table
