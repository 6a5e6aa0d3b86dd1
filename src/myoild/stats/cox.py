"""Cox proportional hazards model with case weights and robust sandwich variance, as R's ``coxph``.

The engine ``fit_cox`` follows R survival 3.5 (``coxph.fit`` / C ``coxfit6`` and ``coxscore2``):

- partial likelihood with case weights ``w`` and Efron ties (Breslow as an option). For a
  distinct event time with ``d`` deaths, Efron's approximation has ``d`` terms k = 0..d-1 with
  risk-set sum ``S0 - (k/d) * D0`` (``D0``: the deaths' weighted risk), each entering with the
  deaths' mean weight ``sum(w_dead) / d`` (Therneau & Grambsch 2000, sec. 3.3; coxfit6.c);
  Breslow is the same with k/d replaced by 0;
- Newton-Raphson from beta = 0 with R's step halving, converged when
  ``|1 - loglik_old / loglik_new| <= eps`` (``coxph.control``: eps = 1e-9, iter.max = 20);
- model-based variance: the inverse information;
- robust variance (Lin & Wei 1989): ``D' D`` with ``D`` the weighted dfbeta residuals
  ``w_i * r_i I^{-1}`` (``r_i``: score residuals, Efron-corrected as coxscore2.c) summed within
  clusters -- R's ``crossprod(residuals(fit, "dfbeta", weighted = TRUE, collapse = cluster))``;
- robust score test (R ``summary(fit)$robscore``): ``U' (S'S)^{-1} U`` with ``S`` the weighted
  score residuals at beta = 0 summed within clusters and ``U`` their column sums.

Stratified (``strata``, R ``coxph(... + strata(s))``): each stratum has its own baseline hazard,
so risk sets hold only the rows of their stratum and the log partial likelihood, score,
information and score residuals are sums over the strata (Therneau & Grambsch 2000, sec. 3.2);
the sandwich and the robust score test then sum the residuals as above, over all rows. Times are
tie-fixed over all rows before the strata are formed, as R. See ``myoild.stats.strata``.

Frequency counts (``counts``: row i stands for ``counts[i]`` identical rows, as a bootstrap
resample) give exactly the fit on the duplicated rows. They are not case weights under Efron
ties: R counts tied deaths as rows (d is the number of rows), so the Efron steps ``k/d`` follow
the counts while the weights only enter the sums.

Risk-set sums are reverse cumulative sums over distinct times and the Efron terms are expanded
once per fit (one term per death; Breslow needs one per event time), so each Newton step costs
O(n) after one O(n log n) sort; with one 0/1 covariate (``TwoGroupCox``, the usual treatment
contrast) the rows are tabulated by (time, group, status) once and a step costs O(deaths)
(``myoild.stats.cox_likelihood``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .columns import binary_column, checked_counts, column, is_binary, weight_values
from .cox_likelihood import RowLikelihood, TwoGroupLikelihood
from .inference import ConvergenceWarning, chisq_p, normal_p, normal_quantile
from .logrank import survdiff
from .strata import stratified_data, stratum_codes, stratum_columns, strata_labels
from .survdata import (
    checked_survival,
    checked_weights,
    survival_data,
    time_order,
)

TIES = ("efron", "breslow")


@dataclass(frozen=True)
class CoxFit:
    """Coefficients and tests of a Cox model; ``var`` is robust when ``robust`` is true.

    ``n`` and ``events`` count rows (with ``counts``: duplicated rows)."""

    coef: np.ndarray
    var: np.ndarray
    naive_var: np.ndarray
    robust: bool
    loglik: tuple[float, float]  # at beta = 0 and at the estimate
    score_test: float  # model-based score test at beta = 0 (R: sctest)
    robust_score_test: float | None  # R: rscore; None for a model-based fit
    wald_test: float
    iterations: int
    converged: bool
    n: int
    events: int
    ties: str


def _solve(matrix, rhs):
    """``np.linalg.solve``; a scalar or 1 x 1 system as a division (a linalg call costs ~5 us). A
    zero 1 x 1 information gives a zero solution, as R's ``cholesky2``/``chsolve2`` drop a column
    with a non-positive pivot (the step is then 0, and so is the variance, which callers flag)."""
    if isinstance(matrix, float):
        return rhs / matrix if matrix != 0 else rhs * 0.0
    if matrix.shape == (1, 1):
        return rhs / matrix[0, 0] if matrix[0, 0] != 0 else rhs * 0.0
    return np.linalg.solve(matrix, rhs)


def _relative_change(old: float, new: float) -> float:
    """``|1 - old / new|``, coxfit6's convergence criterion; infinite (not converged) at new = 0
    unless old is 0 too (then no change)."""
    if new == 0:
        return 0.0 if old == 0 else math.inf
    return abs(1.0 - old / new)


def _quadratic_form(vector, matrix) -> float:
    """``v' M^{-1} v`` (R's ``coxph.wtest``); with ``_solve``'s rule, a zero 1 x 1 matrix drops the
    term (0), whatever the type of the numbers."""
    return float(np.dot(vector, _solve(matrix, vector)))


def _check_ties(ties: str) -> None:
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")


def _cluster_codes(cluster, n: int) -> np.ndarray | None:
    """Integer codes of the cluster labels (None: every row its own cluster)."""
    if cluster is None:
        return None
    codes = pd.factorize(np.asarray(cluster))[0]
    if codes.shape != (n,):
        raise ValueError("cluster must have one label per observation")
    if (codes < 0).any():
        raise ValueError("cluster labels must not be missing")
    return codes


def _fit_model(model, ties: str, robust: bool, sandwich, eps: float, max_iter: int) -> CoxFit:
    """Newton-Raphson on ``model`` (a ``RowLikelihood`` or ``TwoGroupLikelihood``) as coxfit6,
    then the variances and tests. ``sandwich(estimate, null)`` gives the sandwich's pieces: the
    crossproduct of the weighted score residuals (summed within clusters) at the estimate, and
    at beta = 0 their sum and crossproduct."""
    beta = model.zero
    scalar = isinstance(beta, float)  # one 0/1 covariate: the state holds floats
    start = model.evaluate(beta)
    if not (start.information > 0 if scalar else (np.diag(start.information) > 0).all()):
        raise ValueError("a covariate does not vary within the risk sets: no information")
    step = _solve(start.information, start.score)
    score_test = float(np.dot(start.score, step))
    best, current = start.loglik, start
    new_beta = beta + step
    halving, converged, iterations = 0, False, 0
    for iterations in range(1, max_iter + 1):
        trial = model.evaluate(new_beta)
        finite = math.isfinite(trial.loglik) and (
            math.isfinite(trial.information) if scalar else np.isfinite(trial.information).all()
        )
        if finite and _relative_change(best, trial.loglik) <= eps:
            beta, best, current, converged = new_beta, trial.loglik, trial, True
            break
        if not finite or trial.loglik < best:
            halving += 1
            new_beta = (new_beta + halving * beta) / (halving + 1.0)
        else:
            halving, best, current = 0, trial.loglik, trial
            beta = new_beta
            new_beta = beta + _solve(trial.information, trial.score)
    else:
        current = model.evaluate(beta)
        best = current.loglik
    naive_var = _solve(current.information, 1.0 if scalar else np.eye(beta.size))
    _warn_convergence(converged, np.dot(current.score, naive_var), beta, eps)

    var, robust_score = naive_var, None
    if robust:
        meat, total_null, meat_null = sandwich(current, start)
        var = naive_var * meat * naive_var if scalar else naive_var.dot(meat).dot(naive_var)
        robust_score = _quadratic_form(total_null, meat_null)
    wald_test = _quadratic_form(beta, var)
    if scalar:
        beta, var, naive_var = np.array([beta]), np.array([[var]]), np.array([[naive_var]])
    return CoxFit(
        coef=beta,
        var=var,
        naive_var=naive_var,
        robust=robust,
        loglik=(start.loglik, best),
        score_test=score_test,
        robust_score_test=robust_score,
        wald_test=wald_test,
        iterations=iterations,
        converged=converged,
        n=int(model.n),
        events=int(model.events),
        ties=ties,
    )


class TwoGroupCox:
    """Cox model of one 0/1 covariate (a treatment contrast), sorted and tabulated once.

    Rows fall into cells (distinct time, group, status); each fit with new ``weights`` or
    ``counts`` (a bootstrap replicate) costs a few ``bincount`` over the rows and O(deaths)
    per Newton step. ``fit`` gives what ``fit_cox`` gives on the same arrays. With ``strata``
    (one label per row) the cells' times are the (stratum, time) columns of
    ``myoild.stats.strata``, and ``n_times`` counts those columns.
    """

    def __init__(self, time, event, x, strata=None, *, timefix: bool = True):
        time, event = checked_survival(time, event)
        x = np.asarray(x, dtype=float)
        if x.shape != time.shape or not is_binary(x):
            raise ValueError("x must be one 0/1 value per observation")
        order, _, time_index, times = time_order(time, timefix)
        n, n_times = time.size, times.size
        index = np.empty(n, dtype=np.int64)
        index[order] = time_index
        #: the distinct times (after timefix); stratified, each column's index among them and
        #: the strata's blocks of columns (None: unstratified)
        self.times, self.column_time, self.strata = times, None, None
        if strata is not None:
            index, self.column_time, self.strata = stratum_columns(index, stratum_codes(strata, n), n_times)
            n_times = self.strata.size
        #: each row's cell: (2 group + status) n_times + its distinct time's (column's) index
        self.cell = ((2 * x + event) * n_times).astype(np.int64) + index
        self.n_times = n_times
        self.n = n

    def tabulate(self, values=None) -> np.ndarray:
        """The sum of ``values`` (one per row; None: 1) over each cell's rows, in row order:
        4 x ``n_times``, row ``2 group + status``."""
        return np.bincount(self.cell, values, 4 * self.n_times).reshape(4, -1)

    def by_time(self, table: np.ndarray) -> np.ndarray:
        """A ``tabulate`` table summed over the strata: 4 x distinct times (``times``)."""
        if self.column_time is None:
            return table
        return np.stack([np.bincount(self.column_time, row, self.times.size) for row in table])

    def _likelihood(self, totals: np.ndarray, rows: np.ndarray, ties: str) -> TwoGroupLikelihood:
        """The partial likelihood of the cell tables: ``totals`` of ``c w``, ``rows`` of ``c``."""
        n_dead = rows[1] + rows[3]
        if not n_dead.any():
            raise ValueError("no events: the Cox model cannot be fitted")
        return TwoGroupLikelihood(totals, n_dead, ties, rows.sum(), self.strata)

    def fit_tables(
        self, totals: np.ndarray, rows: np.ndarray, *, ties: str = "efron", eps: float = 1e-9, max_iter: int = 20
    ) -> CoxFit:
        """The model-based fit (R ``robust = FALSE``) from the cell tables ``totals =
        tabulate(weights * counts)`` and ``rows = tabulate(counts)``: ``fit(weights, counts,
        robust=False)``, for a caller that has checked the weights and counts and shares their
        products among several fits (a bootstrap replicate's endpoints)."""
        _check_ties(ties)
        return _fit_model(self._likelihood(totals, rows, ties), ties, False, None, eps, max_iter)

    def fit(
        self,
        weights=None,
        counts=None,
        *,
        ties: str = "efron",
        robust: bool | None = None,
        cluster=None,
        eps: float = 1e-9,
        max_iter: int = 20,
    ) -> CoxFit:
        """The Cox fit with case ``weights`` (> 0) and frequency ``counts`` (whole numbers >= 0;
        see ``fit_cox``)."""
        _check_ties(ties)
        n = self.n
        w = None if weights is None else checked_weights(weights, n, positive=True)
        c = None if counts is None else checked_counts(counts, n)
        codes = _cluster_codes(cluster, n)
        if robust is None:
            robust = weights is not None or cluster is not None
        if w is None:
            risk_weight = c
        else:
            risk_weight = w if c is None else w * c
        totals = self.tabulate(risk_weight)
        model = self._likelihood(totals, totals if w is None else self.tabulate(c), ties)

        def sandwich(estimate, null):
            residuals = model.cell_residuals(estimate, null)
            if codes is None:  # rows of a cell share their residual
                squares = totals if w is None else self.tabulate(risk_weight * w)
                meat, meat_null = (residuals * residuals).dot(squares.ravel())
                return meat, float(residuals[1].dot(totals.ravel())), meat_null
            row_residuals = residuals.take(self.cell, axis=1)
            if risk_weight is not None:
                row_residuals *= risk_weight
            summed, summed_null = (np.bincount(codes, row) for row in row_residuals)
            return summed.dot(summed), summed_null.sum(), summed_null.dot(summed_null)

        return _fit_model(model, ties, robust, sandwich, eps, max_iter)


def fit_cox(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    counts: np.ndarray | None = None,
    ties: str = "efron",
    robust: bool | None = None,
    cluster: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    timefix: bool = True,
    eps: float = 1e-9,
    max_iter: int = 20,
) -> CoxFit:
    """Fit a Cox model to arrays: ``x`` is n x p (p >= 1), ``weights`` positive case weights,
    ``counts`` frequency counts (row i stands for ``counts[i]`` identical rows, 0 allowed).

    ``robust`` defaults to true when weights or clusters are given; ``cluster`` holds one label
    per row (default: every row, and every duplicate of a counted row, its own cluster, as R
    without ``cluster``/``id``); ``strata`` one stratum label per row (default: one stratum).
    ``timefix`` merges near-equal times as R (``aeq_times``). See the module docstring for the
    method.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[1] == 1 and is_binary(x[:, 0]):
        return TwoGroupCox(time, event, x[:, 0], strata, timefix=timefix).fit(
            weights, counts, ties=ties, robust=robust, cluster=cluster, eps=eps, max_iter=max_iter
        )
    _check_ties(ties)
    time, event = checked_survival(time, event)
    n = time.size
    w = None if weights is None else checked_weights(weights, n, positive=True)
    c = None if counts is None else checked_counts(counts, n)
    codes = _cluster_codes(cluster, n)
    if x.shape[0] != n or not np.isfinite(x).all():
        raise ValueError("x must be finite with one row per observation")
    if robust is None:
        robust = weights is not None or cluster is not None
    if not (event if c is None else event * c).any():
        raise ValueError("no events: the Cox model cannot be fitted")
    data = survival_data(time, event, w, timefix=timefix)
    blocks = None
    if strata is not None:
        data, blocks = stratified_data(data, stratum_codes(strata, n))
    count = None if c is None else c.take(data.order)
    model = RowLikelihood(data, x.take(data.order, axis=0), ties, count, blocks)
    sorted_codes = None if codes is None else codes.take(data.order)

    def sandwich(estimate, null):
        _, meat = model.residual_sums(estimate, sorted_codes)
        return (meat, *model.residual_sums(null, sorted_codes))

    return _fit_model(model, ties, robust, sandwich, eps, max_iter)


def _exp(value: float) -> float:
    """``exp``, infinite past the float range (an infinite estimate has an infinite upper limit)."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _warn_convergence(converged: bool, change, beta, eps: float) -> None:
    """R's coxph warnings: no convergence, or a coefficient that may be infinite."""
    if not converged:
        warnings.warn("Cox model ran out of iterations and did not converge", ConvergenceWarning, 3)
        return
    change = abs(change)
    if np.any((change > eps) & (change > math.sqrt(eps) * abs(beta))):
        warnings.warn(
            "Cox partial likelihood converged before the coefficient; it may be infinite "
            "(e.g. no events in one group)",
            ConvergenceWarning,
            3,
        )


@dataclass(frozen=True)
class CoxResult:
    """Hazard ratio of ``treatment`` (1 vs 0) with its Wald CI and tests.

    ``se_log_hr`` is robust when ``variance == "robust"``; ``logrank_p`` is the robust score
    test for a robust fit (R ``summary(coxph)$robscore``), the ordinary log-rank test (R
    ``survdiff``) for an unweighted model-based fit, and the model-based score test of the
    weighted model otherwise (``logrank_method`` says which).
    """

    hr: float
    ci_low: float
    ci_high: float
    se_log_hr: float
    p_value: float
    logrank_p: float
    n: int
    events: int
    log_hr: float
    z: float
    naive_se_log_hr: float
    variance: str
    ties: str
    logrank_chisq: float
    logrank_method: str
    score_chisq: float
    iterations: int
    converged: bool


def weighted_cox(
    df: pd.DataFrame,
    duration: str,
    event: str,
    treatment: str,
    weights: str | np.ndarray | None = None,
    ties: str = "efron",
    *,
    cluster: str | None = None,
    strata: str | list[str] | None = None,
    robust: bool | None = None,
    conf_level: float = 0.95,
    timefix: bool = True,
) -> CoxResult:
    """Cox model of ``duration``/``event`` on the 0/1 ``treatment``, as R's
    ``coxph(Surv(duration, event) ~ treatment, weights = w, robust = TRUE, ties = ties)``;
    with ``strata`` (a column name or a list of them), ``... ~ treatment + strata(a, b)``.

    ``cluster`` names a column of ``df``; ``weights`` a column, or holds one weight per row (as
    R's ``weights = w``, without storing them in the frame first). Robust variance (clustered
    on ``cluster``, default one cluster per row) when weights are given, model-based otherwise,
    unless ``robust`` says. CI: ``exp(log_hr +- z * se)``; p: two-sided Wald. The log-rank test
    of an unweighted model-based fit is stratified as the model is (R ``survdiff(... +
    strata(a, b))``). An empty list of strata is no stratification.
    """
    time = column(df, duration)
    status = column(df, event)
    treated = binary_column(df, treatment)
    w = weight_values(df, weights)
    labels = None if cluster is None else df[cluster].to_numpy()
    stratum = strata_labels(df, strata) if strata else None
    fit = fit_cox(
        time,
        status,
        treated,
        w,
        ties=ties,
        robust=robust,
        cluster=labels,
        strata=stratum,
        timefix=timefix,
    )
    if fit.robust:
        chisq, method = fit.robust_score_test, "robust_score"
    elif weights is None:
        logrank = survdiff(time, status, treated, strata=stratum, timefix=timefix)
        chisq, method = logrank.chisq, "log-rank"
    else:
        chisq, method = fit.score_test, "score"
    return cox_result(fit, conf_level, chisq, method)


def cox_result(
    fit: CoxFit, conf_level: float, chisq: float, method: str, *, n: int | None = None, events: int | None = None
) -> CoxResult:
    """The ``CoxResult`` of a one-covariate ``fit``: HR with the Wald CI ``exp(log_hr +- z se)``
    and two-sided Wald p (none for a zero variance: a degenerate fit), and the test ``chisq`` on
    1 df named ``method``; ``n`` and ``events`` default to the fit's row counts."""
    log_hr = float(fit.coef[0])
    se = math.sqrt(fit.var[0, 0])
    half_width = normal_quantile(conf_level) * se
    z = log_hr / se if se > 0 else math.nan
    return CoxResult(
        hr=_exp(log_hr),
        ci_low=_exp(log_hr - half_width),
        ci_high=_exp(log_hr + half_width),
        se_log_hr=se,
        p_value=normal_p(z) if se > 0 else math.nan,
        logrank_p=chisq_p(chisq, 1),
        n=fit.n if n is None else n,
        events=fit.events if events is None else events,
        log_hr=log_hr,
        z=z,
        naive_se_log_hr=math.sqrt(fit.naive_var[0, 0]),
        variance="robust" if fit.robust else "model",
        ties=fit.ties,
        logrank_chisq=chisq,
        logrank_method=method,
        score_chisq=fit.score_test,
        iterations=fit.iterations,
        converged=fit.converged,
    )
