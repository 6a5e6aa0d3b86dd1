"""Propensity scores from an unpenalised logistic regression, and the weights built on them.

The propensity model is R's ``glm(treatment ~ covariates, family = binomial)``: maximum
likelihood without a penalty (scikit-learn's default L2 penalty would shrink the scores),
fitted by iteratively reweighted least squares exactly as ``glm.fit`` -- start at
``mu = (y + 0.5) / 2``, R's clamped logit inverse, converged when
``|dev - dev_old| / (|dev| + 0.1) < 1e-8``, at most 25 iterations. Columns are centred and
scaled inside the fit for conditioning (the fitted scores do not change). A column that is
constant or (numerically) a linear combination of earlier ones is aliased: R reports an ``NA``
coefficient, here it is ``NaN`` and left out of the fit.

Weights (Austin & Stuart 2015; Li, Morgan & Zaslavsky 2018), ``ps`` = P(treated | covariates):

- ``ATE``: 1/ps for the treated, 1/(1 - ps) for controls; ``stabilized`` multiplies them by the
  marginal probability of the group received, P(treated) and P(control) (Xu et al. 2010);
- ``ATT``: 1 for the treated, ps/(1 - ps) for controls;
- ``overlap``: 1 - ps for the treated, ps for controls.

``truncate=(low, high)`` clips the weights at those percentiles of all weights (R's
``quantile`` type 7), after stabilisation.

Frequency counts (``counts``: row i stands for ``counts[i]`` identical rows, 0 allowed) give
the fit and the weights of the duplicated rows without making them: a bootstrap replicate is the
original rows with new counts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from scipy.linalg.lapack import dposv as _posv, dpotrf as _cholesky

from .design import design_matrix
from .inference import ConvergenceWarning, WeightWarning
from .balance import kish_ess
from .columns import binary_column, checked_counts

ESTIMANDS = ("ATE", "ATT", "overlap")
_EPS = np.finfo(float).eps
_MU_MIN, _MU_MAX = _EPS / (1 + _EPS), 1 / (1 + _EPS)  # R's logit_linkinv clamps (family.c)
_ALIAS_TOLERANCE = 1e-10
_LOG_3, _LOG_3_4 = np.log(3.0), np.log(0.75)
_OUTPUT_COLUMNS = pd.Index(["ps", "weight"])


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic regression: fitted values, deviance and the IRLS record; ``coef``
    (intercept first; NaN where aliased) and ``cov`` (R's ``vcov``: the inverse of X'WX from the
    last IRLS step) are computed on demand, since the weights need neither."""

    fitted: np.ndarray
    deviance: float
    iterations: int
    converged: bool
    aliased: np.ndarray  # bool per covariate column
    # The fit runs on centred and scaled columns: its coefficients and X'WX, with the centres
    # and scales of the kept columns to map them back.
    gamma: np.ndarray
    information: np.ndarray
    centre: np.ndarray
    scale: np.ndarray

    def _transform(self) -> np.ndarray:
        """The map from the standardised coefficients to the original ones:
        ``beta_j = gamma_j / s_j``, intercept ``gamma_0 - sum gamma_j m_j / s_j``."""
        transform = np.diag(np.concatenate(([1.0], 1.0 / self.scale)))
        transform[0, 1:] = -self.centre / self.scale
        return transform

    def _index(self) -> np.ndarray:
        return np.concatenate(([0], np.flatnonzero(~self.aliased) + 1))

    @property
    def coef(self) -> np.ndarray:
        """Coefficients of the original columns, intercept first, NaN where aliased."""
        coef = np.full(self.aliased.size + 1, np.nan)
        coef[self._index()] = self._transform().dot(self.gamma)
        return coef

    @property
    def cov(self) -> np.ndarray:
        """Covariance of ``coef`` (NaN rows and columns where aliased)."""
        size = self.aliased.size + 1
        cov = np.full((size, size), np.nan)
        transform, index = self._transform(), self._index()
        cov[np.ix_(index, index)] = transform.dot(np.linalg.solve(self.information, transform.T))
        return cov


def _inverse_logit(eta: np.ndarray) -> np.ndarray:
    """R's ``binomial()$linkinv``: the logit inverse, kept within [eps, 1/eps] odds."""
    mu = special.expit(eta)
    return np.maximum(np.minimum(mu, _MU_MAX, out=mu), _MU_MIN, out=mu)


def _deviance(is_one: np.ndarray, mu: np.ndarray, complement: np.ndarray, counts) -> float:
    """Binomial deviance of 0/1 data: ``-2 sum log(mu)`` over ones, ``log(1 - mu)`` over zeros."""
    log_likelihood = np.log(np.where(is_one, mu, complement))
    return -2.0 * float(log_likelihood.sum() if counts is None else counts.dot(log_likelihood))


def _independent(corr: np.ndarray) -> np.ndarray:
    """Columns kept in order, each with more than a 1e-10 share of its variance unexplained by
    the kept earlier ones (R's pivoted QR moves aliased columns out the same way)."""
    p = corr.shape[0]
    if p == 0:
        return np.arange(0)
    # The usual case: no column is aliased, and the Cholesky factor shows it at once.
    factor, info = _cholesky(corr, lower=True)
    if info == 0 and (np.diagonal(factor) ** 2 > _ALIAS_TOLERANCE).all():
        return np.arange(p)
    keep: list[int] = []
    for j in range(p):
        residual = corr[j, j]
        if keep:
            v = corr[keep, j]
            residual -= v @ np.linalg.solve(corr[np.ix_(keep, keep)], v)
        if residual > _ALIAS_TOLERANCE:
            keep.append(j)
    return np.array(keep, dtype=np.int64)


def _solve_positive(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve a symmetric positive definite system by LAPACK posv (Cholesky), a fifth of
    ``np.linalg.solve``'s call cost; LU where the Cholesky fails."""
    _, solution, info = _posv(matrix, rhs)
    return solution if info == 0 else np.linalg.solve(matrix, rhs)


def logistic_regression(
    x: np.ndarray,
    y: np.ndarray,
    *,
    counts: np.ndarray | None = None,
    max_iter: int = 25,
    tol: float = 1e-8,
) -> LogisticFit:
    """Unpenalised logistic regression of 0/1 ``y`` on the columns of ``x`` plus an intercept,
    by IRLS as R's ``glm.fit`` (see the module docstring).

    ``counts``: frequency counts, row i standing for ``counts[i]`` identical rows (0 allowed; a
    bootstrap resample). The fit is the fit on the duplicated rows, start included: each row
    starts at ``mu = (y + 1/2) / 2`` (R with ``weights = counts`` would start at
    ``(c y + 1/2) / (c + 1)`` and stop at a slightly different iterate).
    """
    n, p = x.shape
    if counts is None:
        total = float(n)
        centre = x.sum(axis=0) / total
    else:
        counts = checked_counts(counts, n)
        total = float(counts.sum())
        centre = counts.dot(x) / total
    z = np.empty((n, p + 1))
    z[:, 0] = 1.0
    standardised = z[:, 1:]
    np.subtract(x, centre, out=standardised)
    squares = standardised * standardised
    scale = np.sqrt((squares.sum(axis=0) if counts is None else counts.dot(squares)) / total)
    scale[scale == 0] = 1.0  # a constant column stays all zero, and is aliased below
    standardised /= scale
    weighted = standardised if counts is None else standardised * counts[:, None]
    kept = _independent(weighted.T.dot(standardised) / total)
    if kept.size < p:
        z = z[:, np.concatenate(([0], kept + 1))]

    # R's start mu = (y + 1/2) / 2 is 3/4 (y = 1) or 1/4 (y = 0): eta = +-log 3, and every row's
    # observed outcome has probability 3/4, so the starting deviance is -2 N log(3/4).
    is_one = y > 0
    mu = np.where(is_one, 0.75, 0.25)
    complement = 1.0 - mu
    eta = np.where(is_one, _LOG_3, -_LOG_3)
    dev_old = -2.0 * total * _LOG_3_4
    converged, iterations = False, 0
    weighted_z = np.empty_like(z)  # reused: fresh large arrays cost page faults
    for iterations in range(1, max_iter + 1):
        # Working weights mu (1 - mu) and response eta + (y - mu) / w (logit link), so that
        # X'W z is X'(w eta + y - mu); counts multiply both. (R's weights are the same, about
        # eps where mu is clamped.)
        w = mu * complement
        residual = y - mu
        if counts is not None:
            w *= counts
            residual *= counts
        np.multiply(z, w[:, None], out=weighted_z)
        information = weighted_z.T.dot(z)
        gamma = _solve_positive(information, z.T.dot(w * eta + residual))
        eta = z.dot(gamma)
        mu = _inverse_logit(eta)
        complement = 1.0 - mu
        dev = _deviance(is_one, mu, complement, counts)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            converged = True
            break
        dev_old = dev
    if not converged:
        warnings.warn("propensity model: IRLS did not converge", ConvergenceWarning, 2)
    drawn = mu if counts is None else mu[counts > 0]
    if drawn.max() > 1 - 10 * _EPS or drawn.min() < 10 * _EPS:
        warnings.warn(
            "propensity model: fitted probabilities numerically 0 or 1 (separation)",
            ConvergenceWarning,
            2,
        )
    aliased = np.ones(p, dtype=bool)
    aliased[kept] = False
    return LogisticFit(mu, dev, iterations, converged, aliased, gamma, information, centre[kept], scale[kept])


@dataclass(frozen=True)
class PropensityModel:
    """The fitted propensity model: coefficients by design column, scores aligned with df."""

    coefficients: pd.Series
    std_errors: pd.Series
    ps: pd.Series
    deviance: float
    iterations: int
    converged: bool
    aliased: tuple[str, ...]


def _fit(df: pd.DataFrame, treatment: str, covariates: list[str]):
    treated = binary_column(df, treatment)
    if treated.min() == treated.max():
        raise ValueError(f"{treatment!r} must have both treated (1) and control (0) rows")
    design = design_matrix(df, list(covariates))
    fit = logistic_regression(design.values, treated)
    if fit.aliased.any():
        aliased = [name for name, out in zip(design.columns, fit.aliased) if out]
        warnings.warn(
            f"propensity model: aliased (constant or collinear) columns left out: {aliased}",
            ConvergenceWarning,
            3,
        )
    return treated, design, fit


def propensity_model(df: pd.DataFrame, treatment: str, covariates: list[str]) -> PropensityModel:
    """Logistic regression of the 0/1 ``treatment`` on ``covariates`` (categoricals dummy-coded,
    first sorted level the reference), equal to R's ``glm(..., family = binomial)``."""
    _, design, fit = _fit(df, treatment, covariates)
    names = ["(Intercept)", *design.columns]
    return PropensityModel(
        coefficients=pd.Series(fit.coef, index=names),
        std_errors=pd.Series(np.sqrt(np.diag(fit.cov)), index=names),
        ps=pd.Series(fit.fitted, index=df.index, name="ps"),
        deviance=fit.deviance,
        iterations=fit.iterations,
        converged=fit.converged,
        aliased=tuple(name for name, out in zip(design.columns, fit.aliased) if out),
    )


def weighted_percentiles(values: np.ndarray, percents, counts: np.ndarray | None = None) -> np.ndarray:
    """Percentiles of ``values`` by R's ``quantile`` type 7 (numpy's "linear"), each value
    repeated ``counts`` times (frequency counts; None: once): at the 0-based position
    ``h = (N - 1) q`` of the N sorted values, ``v[floor h] + (h - floor h) (v[floor h + 1] -
    v[floor h])``."""
    order = values.argsort(kind="stable")
    ranked = values.take(order)
    ends = np.arange(1, values.size + 1) if counts is None else np.cumsum(counts.take(order))
    size = ends[-1]
    position = (size - 1) * np.asarray(percents, dtype=float) / 100.0
    below = np.floor(position)
    # The value at position k of the repeated sorted values is the first whose run ends after k.
    low = ranked.take(np.searchsorted(ends, below, side="right"))
    high = ranked.take(np.searchsorted(ends, np.minimum(below + 1, size - 1), side="right"))
    return low + (position - below) * (high - low)


def balancing_weights(
    ps: np.ndarray,
    treated: np.ndarray,
    estimand: str = "ATE",
    stabilized: bool = False,
    truncate: tuple[float, float] | None = None,
    *,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """Weights for the ``estimand`` from propensity scores (see the module docstring).

    ``counts``: frequency counts (row i stands for ``counts[i]`` identical rows, as in
    ``logistic_regression``); the group shares of the stabilised weights and the truncation
    percentiles are then those of the duplicated rows."""
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {ESTIMANDS}, not {estimand!r}")
    if stabilized and estimand != "ATE":
        raise ValueError("stabilised weights are defined here for the ATE only")
    is_treated = np.asarray(treated) == 1
    if counts is not None:
        counts = checked_counts(counts, is_treated.size)
    if estimand == "ATE":
        weight = np.where(is_treated, 1.0 / ps, 1.0 / (1.0 - ps))
        if stabilized:
            share = is_treated.mean() if counts is None else counts.dot(is_treated) / counts.sum()
            weight *= np.where(is_treated, share, 1.0 - share)
    elif estimand == "ATT":
        weight = np.where(is_treated, 1.0, ps / (1.0 - ps))
    else:
        weight = np.where(is_treated, 1.0 - ps, ps)
    if truncate is not None:
        low, high = truncate
        if not 0 <= low < high <= 100:
            raise ValueError("truncate must be percentiles (low, high) with 0 <= low < high <= 100")
        weight = np.clip(weight, *weighted_percentiles(weight, [low, high], counts))
    return weight


def propensity_scores(df: pd.DataFrame, treatment: str, covariates: list[str]) -> np.ndarray:
    """The fitted scores of ``propensity_model`` (as an array, without its standard errors)."""
    return _fit(df, treatment, covariates)[2].fitted


def score_weights(
    ps: np.ndarray,
    treated: np.ndarray,
    estimand: str = "ATE",
    stabilized: bool = False,
    *,
    truncate: tuple[float, float] | None = None,
    extreme_ps: float = 0.01,
    min_ess_fraction: float = 0.5,
) -> np.ndarray:
    """``balancing_weights`` of fitted scores ``ps`` for the 0/1 ``treated``, with the warnings of
    ``propensity_weights`` (one model serves several estimands and truncations)."""
    weight = balancing_weights(ps, treated, estimand, stabilized, truncate)
    if ps.min() < extreme_ps or ps.max() > 1 - extreme_ps:
        extreme = int(((ps < extreme_ps) | (ps > 1 - extreme_ps)).sum())
        warnings.warn(
            f"{extreme} propensity score(s) outside [{extreme_ps}, {1 - extreme_ps}]: "
            "positivity is doubtful and weights may be extreme",
            WeightWarning,
            3,
        )
    group = np.asarray(treated).astype(np.int64)
    size = np.bincount(group, minlength=2)
    ess = kish_ess(weight, group)  # control, treated
    for label, index in (("treated", 1), ("control", 0)):
        if ess[index] < min_ess_fraction * size[index]:
            warnings.warn(
                f"effective sample size of the {label} group is {ess[index]:.1f} of "
                f"{size[index]} (below {min_ess_fraction:.0%})",
                WeightWarning,
                3,
            )
    return weight


def propensity_weights(
    df: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    estimand: str = "ATE",
    stabilized: bool = False,
    *,
    truncate: tuple[float, float] | None = None,
    extreme_ps: float = 0.01,
    min_ess_fraction: float = 0.5,
) -> pd.DataFrame:
    """Propensity scores and weights, a DataFrame aligned with ``df`` (columns ``ps``, ``weight``).

    Warns (``WeightWarning``) when a score lies below ``extreme_ps`` or above
    ``1 - extreme_ps``, and when a group's Kish effective sample size
    ``(sum w)^2 / sum w^2`` falls below ``min_ess_fraction`` of its size.
    """
    treated, _, fit = _fit(df, treatment, covariates)
    ps = fit.fitted
    weight = score_weights(
        ps,
        treated,
        estimand,
        stabilized,
        truncate=truncate,
        extreme_ps=extreme_ps,
        min_ess_fraction=min_ess_fraction,
    )
    return pd.DataFrame(np.column_stack((ps, weight)), index=df.index, columns=_OUTPUT_COLUMNS)
