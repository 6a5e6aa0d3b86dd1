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
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .design import design_matrix
from .inference import ConvergenceWarning, WeightWarning
from .balance import kish_ess
from .columns import binary_column

ESTIMANDS = ("ATE", "ATT", "overlap")
_EPS = np.finfo(float).eps
_MU_MIN, _MU_MAX = _EPS / (1 + _EPS), 1 / (1 + _EPS)  # R's logit_linkinv clamps (family.c)
_ALIAS_TOLERANCE = 1e-10
_OUTPUT_COLUMNS = pd.Index(["ps", "weight"])


@dataclass(frozen=True)
class LogisticFit:
    """Coefficients (intercept first; NaN where aliased), fitted values, and the covariance of
    the coefficients (``cov``, R's ``vcov``: the inverse of X'WX from the last IRLS step)."""

    coef: np.ndarray
    fitted: np.ndarray
    deviance: float
    iterations: int
    converged: bool
    aliased: np.ndarray  # bool per covariate column
    # From the standardised fit: X'WX, the map back to the original columns, and where the
    # fitted columns go in the full coefficient vector.
    information: np.ndarray
    transform: np.ndarray
    index: np.ndarray

    @property
    def cov(self) -> np.ndarray:
        """Covariance of ``coef`` (computed on demand: the weights do not need it)."""
        size = self.coef.size
        cov = np.full((size, size), np.nan)
        kept = self.transform.dot(np.linalg.solve(self.information, self.transform.T))
        cov[np.ix_(self.index, self.index)] = kept
        return cov


def _inverse_logit(eta: np.ndarray) -> np.ndarray:
    """R's ``binomial()$linkinv``: the logit inverse, kept within [eps, 1/eps] odds."""
    mu = special.expit(eta)
    return np.maximum(np.minimum(mu, _MU_MAX, out=mu), _MU_MIN, out=mu)


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    return -2.0 * float(np.log(np.where(y, mu, 1.0 - mu)).sum())


def _independent(corr: np.ndarray) -> np.ndarray:
    """Columns kept in order, each with more than a 1e-10 share of its variance unexplained by
    the kept earlier ones (R's pivoted QR moves aliased columns out the same way)."""
    p = corr.shape[0]
    if p == 0:
        return np.arange(0)
    try:  # the usual case: no column is aliased, and the Cholesky factor shows it at once
        if (np.diag(np.linalg.cholesky(corr)) ** 2 > _ALIAS_TOLERANCE).all():
            return np.arange(p)
    except np.linalg.LinAlgError:
        pass
    keep: list[int] = []
    for j in range(p):
        residual = corr[j, j]
        if keep:
            v = corr[keep, j]
            residual -= v @ np.linalg.solve(corr[np.ix_(keep, keep)], v)
        if residual > _ALIAS_TOLERANCE:
            keep.append(j)
    return np.array(keep, dtype=np.int64)


def logistic_regression(
    x: np.ndarray, y: np.ndarray, *, max_iter: int = 25, tol: float = 1e-8
) -> LogisticFit:
    """Unpenalised logistic regression of 0/1 ``y`` on the columns of ``x`` plus an intercept,
    by IRLS as R's ``glm.fit`` (see the module docstring)."""
    n, p = x.shape
    centre = x.mean(axis=0)
    z = np.empty((n, p + 1))
    z[:, 0] = 1.0
    standardised = z[:, 1:]
    np.subtract(x, centre, out=standardised)
    scale = np.sqrt(np.einsum("ij,ij->j", standardised, standardised) / n)
    np.divide(standardised, np.where(scale > 0, scale, 1.0), out=standardised)
    kept = _independent(standardised.T.dot(standardised) / n)  # constant columns are all zero
    if kept.size < p:
        z = z[:, np.concatenate(([0], kept + 1))]

    is_one = y > 0
    mu = (y + 0.5) / 2.0
    eta = np.log(mu / (1.0 - mu))
    dev_old = _deviance(is_one, mu)
    converged, iterations = False, 0
    root_weighted = np.empty_like(z)  # reused: fresh large arrays cost page faults
    for iterations in range(1, max_iter + 1):
        # Working weights mu (1 - mu) and response eta + (y - mu) / w (logit link): X'W z is
        # X'(w eta + y - mu); X'WX as (sqrt(w) X)'(sqrt(w) X), which BLAS does as one syrk.
        w = np.maximum(mu * (1.0 - mu), _EPS)
        np.multiply(z, np.sqrt(w)[:, None], out=root_weighted)
        crossprod = root_weighted.T.dot(root_weighted)
        gamma = np.linalg.solve(crossprod, z.T.dot(w * eta + y - mu))
        eta = z.dot(gamma)
        mu = _inverse_logit(eta)
        dev = _deviance(is_one, mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            converged = True
            break
        dev_old = dev
    if not converged:
        warnings.warn("propensity model: IRLS did not converge", ConvergenceWarning, 2)
    if (mu > 1 - 10 * _EPS).any() or (mu < 10 * _EPS).any():
        warnings.warn(
            "propensity model: fitted probabilities numerically 0 or 1 (separation)",
            ConvergenceWarning,
            2,
        )
    # Back to the original columns: beta_j = gamma_j / s_j, intercept - sum gamma_j m_j / s_j.
    transform = np.diag(np.concatenate(([1.0], 1.0 / scale[kept])))
    transform[0, 1:] = -centre[kept] / scale[kept]
    index = np.concatenate(([0], kept + 1))
    coef = np.full(p + 1, np.nan)
    coef[index] = transform.dot(gamma)
    aliased = np.ones(p, dtype=bool)
    aliased[kept] = False
    return LogisticFit(coef, mu, dev, iterations, converged, aliased, crossprod, transform, index)


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


def balancing_weights(
    ps: np.ndarray,
    treated: np.ndarray,
    estimand: str = "ATE",
    stabilized: bool = False,
    truncate: tuple[float, float] | None = None,
) -> np.ndarray:
    """Weights for the ``estimand`` from propensity scores (see the module docstring)."""
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {ESTIMANDS}, not {estimand!r}")
    if stabilized and estimand != "ATE":
        raise ValueError("stabilised weights are defined here for the ATE only")
    is_treated = np.asarray(treated) == 1
    if estimand == "ATE":
        weight = np.where(is_treated, 1.0 / ps, 1.0 / (1.0 - ps))
        if stabilized:
            share = is_treated.mean()
            weight *= np.where(is_treated, share, 1.0 - share)
    elif estimand == "ATT":
        weight = np.where(is_treated, 1.0, ps / (1.0 - ps))
    else:
        weight = np.where(is_treated, 1.0 - ps, ps)
    if truncate is not None:
        low, high = truncate
        if not 0 <= low < high <= 100:
            raise ValueError("truncate must be percentiles (low, high) with 0 <= low < high <= 100")
        weight = np.clip(weight, *np.percentile(weight, [low, high]))
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
    weight = balancing_weights(ps, treated, estimand, stabilized, truncate)
    if ps.min() < extreme_ps or ps.max() > 1 - extreme_ps:
        extreme = int(((ps < extreme_ps) | (ps > 1 - extreme_ps)).sum())
        warnings.warn(
            f"{extreme} propensity score(s) outside [{extreme_ps}, {1 - extreme_ps}]: "
            "positivity is doubtful and weights may be extreme",
            WeightWarning,
            2,
        )
    group = treated.astype(np.int64)
    size = np.bincount(group, minlength=2)
    ess = kish_ess(weight, group)  # control, treated
    for label, index in (("treated", 1), ("control", 0)):
        if ess[index] < min_ess_fraction * size[index]:
            warnings.warn(
                f"effective sample size of the {label} group is {ess[index]:.1f} of "
                f"{size[index]} (below {min_ess_fraction:.0%})",
                WeightWarning,
                2,
            )
    return pd.DataFrame(np.column_stack([ps, weight]), index=df.index, columns=_OUTPUT_COLUMNS)
