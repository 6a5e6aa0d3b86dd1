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

Risk-set sums are reverse cumulative sums over distinct times and the Efron terms are expanded
once per fit (one term per death; Breslow needs one per event time), so each Newton step costs
O(n) after one O(n log n) sort.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .columns import binary_column, column
from .inference import ConvergenceWarning, chisq_p, normal_p, normal_quantile
from .logrank import survdiff
from .survdata import SurvivalData, survival_data

TIES = ("efron", "breslow")


@dataclass(frozen=True)
class CoxFit:
    """Coefficients and tests of a Cox model; ``var`` is robust when ``robust`` is true."""

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


class _RiskSets(NamedTuple):  # a tuple: built four or more times a fit, cheaper than a dataclass
    """The partial likelihood at one beta, with its per-term quantities (Efron: one term per
    death; Breslow: one per event time)."""

    eta: np.ndarray  # linear predictor of the sorted rows
    loglik: float
    score: np.ndarray  # U, length p
    information: np.ndarray  # p x p
    hazard: np.ndarray  # per term: its death weight / its (Efron) risk-set sum
    mean: np.ndarray  # per term, p columns: weighted covariate mean of the Efron risk set


@functools.lru_cache(maxsize=16)
def _pairs(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower-triangle pairs (j, k) of a p x p matrix and the pair number of each entry."""
    pair_j, pair_k = np.tril_indices(p)
    square = np.empty((p, p), dtype=np.int64)
    square[pair_j, pair_k] = square[pair_k, pair_j] = np.arange(pair_j.size)
    return pair_j, pair_k, square


def _solve(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``np.linalg.solve``; a 1 x 1 system as a division (a linalg call costs ~5 us)."""
    if matrix.shape == (1, 1):
        return rhs / matrix[0, 0]
    return np.linalg.solve(matrix, rhs)


class _PartialLikelihood:
    """The weighted Cox partial likelihood of sorted data; set up once, evaluated per beta.

    Per-time sums of ``risk * [1, x, x_j x_k]`` come from one ``bincount`` over a flattened
    (time, column) table, so a Newton step is a fixed handful of vectorised operations.
    """

    def __init__(self, data: SurvivalData, x: np.ndarray, ties: str):
        self.data = data
        n, p = x.shape
        self.p = p
        # Centre on the weighted means, as coxfit6 does: nothing changes but exp() stays tame.
        self.x = x - data.weight.dot(x) / data.weight.sum()
        self.pair_j, self.pair_k, self.square = _pairs(p)
        basis = np.empty((n, 1 + p + self.pair_j.size))
        basis[:, 0] = 1.0
        basis[:, 1 : p + 1] = self.x
        basis[:, p + 1 :] = self.x.take(self.pair_j, axis=1) * self.x.take(self.pair_k, axis=1)
        self.basis = basis
        self.buffer = np.empty_like(basis)  # reused: fresh large arrays cost page faults
        width = self.width = basis.shape[1]
        # The table's times run in *descending* order, so that a plain cumulative sum down it
        # gives the risk-set sums.
        n_times = data.n_times
        self.cells = ((n_times - 1 - data.time_index)[:, None] * width + np.arange(width)).ravel()
        dead = np.flatnonzero(data.event)
        self.dead_flat = (dead[:, None] * width + np.arange(width)).ravel()
        self.dead_cells = self.cells.take(self.dead_flat)
        self.size = n_times * width

        # One term per death (Efron: the k-th of d deaths at a time has frac = k/d, weight the
        # deaths' mean weight). Breslow's d terms at a time are equal, so they are kept as one
        # term carrying the deaths' total weight.
        n_dead = data.per_time(data.event)
        event_times = np.flatnonzero(n_dead)
        dead_weight = data.per_time(data.weight * data.event)
        if ties == "efron":
            terms_per_time = np.maximum(n_dead, 1.0)
            repeats = n_dead.take(event_times).astype(np.int64)
            self.term_time = np.repeat(event_times, repeats)
            first = np.repeat(np.cumsum(repeats) - repeats, repeats)
            frac = (np.arange(self.term_time.size) - first) / n_dead.take(self.term_time)
        else:
            terms_per_time = np.ones(n_times)
            self.term_time = event_times
            frac = np.zeros(event_times.size)
        self.term_row = n_times - 1 - self.term_time
        self.frac = frac[:, None]
        self.term_weight = (dead_weight / terms_per_time).take(self.term_time)
        self.dead_weight = data.weight * data.event
        self.dead_x = self.dead_weight.dot(self.x)
        # For the score residuals: a death's share of its time's terms' means.
        self.dead_column = data.event[:, None]
        self.dead_share = (data.event / terms_per_time.take(data.time_index))[:, None]
        residual_width = 3 * p + 2
        self.term_cells = (
            self.term_time[:, None] * residual_width + np.arange(residual_width)
        ).ravel()

    # The hot loops use ndarray.take and .dot: on a few hundred rows they cost a third of
    # fancy indexing and the @ operator, and a fit calls them some 60 times.

    def evaluate(self, beta: np.ndarray) -> _RiskSets:
        """Log partial likelihood, score and information at ``beta`` (coxfit6_iter)."""
        p, width, rows = self.p, self.width, self.term_row
        eta = self.x.dot(beta)
        weighted = np.multiply(
            self.basis, (self.data.weight * np.exp(eta))[:, None], out=self.buffer
        ).ravel()
        risk_sets = np.bincount(self.cells, weighted, self.size).reshape(-1, width).cumsum(0)
        dying = np.bincount(self.dead_cells, weighted.take(self.dead_flat), self.size)
        sums = risk_sets.take(rows, axis=0) - self.frac * dying.reshape(-1, width).take(
            rows, axis=0
        )
        s0 = sums[:, 0]
        s1 = sums[:, 1 : p + 1]
        hazard = self.term_weight / s0
        mean = s1 / s0[:, None]
        loglik = float(self.dead_weight.dot(eta) - self.term_weight.dot(np.log(s0)))
        score = self.dead_x - hazard.dot(s1)
        pairs = hazard.dot(sums[:, p + 1 :]) - self.term_weight.dot(
            mean.take(self.pair_j, axis=1) * mean.take(self.pair_k, axis=1)
        )
        return _RiskSets(eta, loglik, score, pairs.take(self.square), hazard, mean)

    def score_residuals(self, sets: _RiskSets) -> np.ndarray:
        """Unweighted score residuals of the sorted rows, as coxscore2.c (Efron or Breslow).

        Row i at risk at an event time gets ``-exp(eta_i) * sum_k hazard_k (x_i - mean_k)`` over
        that time's terms; a death there gets ``x_i - mean(mean_k)`` instead, and its share of
        the k-th term is scaled by ``1 - k/d`` (it leaves the Efron risk set gradually).
        """
        p, g = self.p, self.data.time_index
        hazard = sets.hazard[:, None]
        leaving = hazard * self.frac  # the part of a term a death there does not carry
        terms = np.concatenate(
            (hazard, hazard * sets.mean, leaving, leaving * sets.mean, sets.mean), axis=1
        )
        width = 3 * p + 2
        per_time = np.bincount(self.term_cells, terms.ravel(), self.data.n_times * width)
        per_time = per_time.reshape(-1, width)
        # Columns, summed over each time's terms: hazard and hazard * mean, the same for the
        # part a death does not carry, and the Efron means; then each row's time picked out.
        cumulative = per_time[:, : p + 1].cumsum(0).take(g, axis=0)
        own_time = per_time.take(g, axis=0)
        at_risk = cumulative - self.dead_column * own_time[:, p + 1 : 2 * p + 2]
        own = self.dead_column * self.x - self.dead_share * own_time[:, 2 * p + 2 :]
        return own - np.exp(sets.eta)[:, None] * (self.x * at_risk[:, :1] - at_risk[:, 1:])


def _collapse(values: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    """Sum the rows of ``values`` within clusters (R's ``rowsum(x, cluster)``)."""
    if cluster is None:
        return values
    n_clusters = int(cluster.max()) + 1
    cells = (cluster[:, None] * values.shape[1] + np.arange(values.shape[1])).ravel()
    return np.bincount(cells, values.ravel(), n_clusters * values.shape[1]).reshape(n_clusters, -1)


def _quadratic_form(vector: np.ndarray, matrix: np.ndarray) -> float:
    """``v' M^{-1} v`` (R's ``coxph.wtest``)."""
    return float(vector @ _solve(matrix, vector))


def fit_cox(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    ties: str = "efron",
    robust: bool | None = None,
    cluster: np.ndarray | None = None,
    timefix: bool = True,
    eps: float = 1e-9,
    max_iter: int = 20,
) -> CoxFit:
    """Fit a Cox model to arrays: ``x`` is n x p (p >= 1), ``weights`` positive case weights.

    ``robust`` defaults to true when weights or clusters are given; ``cluster`` holds one label
    per row (default: every row its own cluster, as R without ``cluster``/``id``). ``timefix``
    merges near-equal times as R (``aeq_times``). See the module docstring for the method.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if weights is not None and (np.asarray(weights) <= 0).any():
        raise ValueError("Cox weights must be > 0 (as R's coxph)")
    clusters = None if cluster is None else pd.factorize(np.asarray(cluster))[0]
    if clusters is not None and (clusters < 0).any():
        raise ValueError("cluster labels must not be missing")
    data = survival_data(time, event, weights, timefix=timefix)
    if x.shape[0] != data.time.size or not np.isfinite(x).all():
        raise ValueError("x must be finite with one row per observation")
    if robust is None:
        robust = weights is not None or cluster is not None
    if not data.event.any():
        raise ValueError("no events: the Cox model cannot be fitted")
    model = _PartialLikelihood(data, x.take(data.order, axis=0), ties)

    beta = np.zeros(model.p)
    start = model.evaluate(beta)
    if not (np.diag(start.information) > 0).all():
        raise ValueError("a covariate does not vary within the risk sets: no information")
    step = _solve(start.information, start.score)
    score_test = float(start.score @ step)
    best, current = start.loglik, start
    new_beta = beta + step
    halving, converged, iterations = 0, False, 0
    for iterations in range(1, max_iter + 1):
        trial = model.evaluate(new_beta)
        finite = np.isfinite(trial.loglik) and np.isfinite(trial.information).all()
        if finite and abs(1.0 - best / trial.loglik) <= eps:
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
    naive_var = _solve(current.information, np.eye(model.p))
    _warn_convergence(converged, current.score @ naive_var, beta, eps)

    var, robust_score = naive_var, None
    if robust:
        w = data.weight[:, None]
        codes = None if clusters is None else clusters[data.order]
        dfbeta = _collapse(w * model.score_residuals(current) @ naive_var, codes)
        var = dfbeta.T @ dfbeta
        residuals_null = _collapse(w * model.score_residuals(start), codes)
        robust_score = _quadratic_form(
            residuals_null.sum(axis=0), residuals_null.T @ residuals_null
        )
    return CoxFit(
        coef=beta,
        var=var,
        naive_var=naive_var,
        robust=robust,
        loglik=(start.loglik, best),
        score_test=score_test,
        robust_score_test=robust_score,
        wald_test=_quadratic_form(beta, var),
        iterations=iterations,
        converged=converged,
        n=data.time.size,
        events=int(data.event.sum()),
        ties=ties,
    )


def _warn_convergence(converged: bool, change: np.ndarray, beta: np.ndarray, eps: float) -> None:
    """R's coxph warnings: no convergence, or a coefficient that may be infinite."""
    if not converged:
        warnings.warn("Cox model ran out of iterations and did not converge", ConvergenceWarning, 2)
        return
    change = np.abs(change)
    if ((change > eps) & (change > math.sqrt(eps) * np.abs(beta))).any():
        warnings.warn(
            "Cox partial likelihood converged before the coefficient; it may be infinite "
            "(e.g. no events in one group)",
            ConvergenceWarning,
            2,
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
    weights: str | None = None,
    ties: str = "efron",
    *,
    cluster: str | None = None,
    robust: bool | None = None,
    conf_level: float = 0.95,
    timefix: bool = True,
) -> CoxResult:
    """Cox model of ``duration``/``event`` on the 0/1 ``treatment``, as R's
    ``coxph(Surv(duration, event) ~ treatment, weights = w, robust = TRUE, ties = ties)``.

    ``weights``, ``cluster`` name columns of ``df``. Robust variance (clustered on ``cluster``,
    default one cluster per row) when weights are given, model-based otherwise, unless
    ``robust`` says. CI: ``exp(log_hr +- z * se)``; p: two-sided Wald.
    """
    time = column(df, duration)
    status = column(df, event)
    treated = binary_column(df, treatment)
    w = None if weights is None else column(df, weights)
    labels = None if cluster is None else df[cluster].to_numpy()
    fit = fit_cox(
        time, status, treated, w, ties=ties, robust=robust, cluster=labels, timefix=timefix
    )
    log_hr = float(fit.coef[0])
    se = math.sqrt(fit.var[0, 0])
    half_width = normal_quantile(conf_level) * se
    if fit.robust:
        chisq, method = fit.robust_score_test, "robust_score"
    elif weights is None:
        chisq, method = survdiff(time, status, treated, timefix=timefix).chisq, "log-rank"
    else:
        chisq, method = fit.score_test, "score"
    with np.errstate(over="ignore"):  # an infinite estimate has an infinite upper limit
        hr, ci_low, ci_high = np.exp([log_hr, log_hr - half_width, log_hr + half_width]).tolist()
    return CoxResult(
        hr=hr,
        ci_low=ci_low,
        ci_high=ci_high,
        se_log_hr=se,
        p_value=normal_p(log_hr / se),
        logrank_p=chisq_p(chisq, 1),
        n=fit.n,
        events=fit.events,
        log_hr=log_hr,
        z=log_hr / se,
        naive_se_log_hr=math.sqrt(fit.naive_var[0, 0]),
        variance="robust" if fit.robust else "model",
        ties=ties,
        logrank_chisq=chisq,
        logrank_method=method,
        score_chisq=fit.score_test,
        iterations=fit.iterations,
        converged=fit.converged,
    )
