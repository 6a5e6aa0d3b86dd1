"""Rubin's rules: one estimate from the analyses of m multiply imputed data sets, as R
``mice::pool`` (mice 3.15, ``pool.fitlist``, ``barnard.rubin``, ``summary.mipo``,
``confint.mipo``).

With complete-data estimates ``Q_1..Q_m`` and their variances ``U_1..U_m`` (Rubin 1987, ch. 3):

- pooled estimate ``Qbar = mean(Q)``; within-imputation variance ``W = mean(U)`` (mice's ``ubar``);
  between-imputation variance ``B = var(Q)`` (denominator m - 1);
- total variance ``T = W + (1 + 1/m) B``;
- relative increase in variance ``riv = (1 + 1/m) B / W``; proportion of the variance due to the
  missing data ``lambda = (1 + 1/m) B / T``;
- degrees of freedom of Barnard & Rubin (1999), with the complete-data df ``dfcom``:
  ``df_old = (m - 1) / lambda^2``, ``df_obs = (dfcom + 1) / (dfcom + 3) dfcom (1 - lambda)``,
  ``df = df_old df_obs / (df_old + df_obs)`` (``df_old`` alone when ``dfcom`` is infinite); as
  mice, ``lambda`` is taken as at least 1e-4 inside this formula only, so that ``B = 0`` gives a
  finite df;
- fraction of missing information ``fmi = (riv + 2 / (df + 3)) / (riv + 1)``;
- confidence interval ``Qbar -/+ t_{df, (1 + level)/2} sqrt(T)``; two-sided p-value of
  ``Qbar / sqrt(T)`` on the t distribution with ``max(df, 0.001)`` degrees of freedom (mice's
  ``summary.mipo``).

For a Cox model mice takes ``dfcom`` = number of events - number of coefficients (``get.dfcom``: a
coxph fit's ``glance`` has no residual df), and pools the robust standard error when the fit has
one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

#: mice's ``barnard.rubin`` floor on lambda (so that B = 0 gives a finite df).
_MIN_LAMBDA = 1e-4


@dataclass(frozen=True)
class RubinPool:
    """Rubin's rules applied to m estimates (see the module docstring). ``lambda_`` is mice's
    ``lambda``; ``se = sqrt(total)``."""

    m: int
    estimate: float
    within: float
    between: float
    total: float
    se: float
    dfcom: float
    df: float
    riv: float
    lambda_: float
    fmi: float
    ci_low: float
    ci_high: float
    p_value: float


def _mean(values: np.ndarray) -> float:
    """The mean as R's ``mean`` computes it (a second pass adds the mean residual), so that equal
    estimates have a between-imputation variance of exactly 0, as in R."""
    mean = math.fsum(values) / values.size
    return mean + math.fsum(values - mean) / values.size


def barnard_rubin_df(m: int, between: float, total: float, dfcom: float = math.inf) -> float:
    """Barnard & Rubin (1999) degrees of freedom of the pooled estimate (mice's ``barnard.rubin``)."""
    lam = max((1 + 1 / m) * between / total, _MIN_LAMBDA)
    df_old = (m - 1) / lam**2
    if math.isinf(dfcom):
        return df_old
    df_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
    return df_old * df_obs / (df_old + df_obs)


def rubin_pool(estimates, variances, dfcom: float = math.inf, conf_level: float = 0.95) -> RubinPool:
    """Pool m >= 2 complete-data ``estimates`` with their ``variances`` (squared standard errors)
    by Rubin's rules with Barnard-Rubin degrees of freedom, ``dfcom`` being the complete-data
    degrees of freedom (infinite: the large-sample rule of Rubin 1987)."""
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = q.size
    if m < 2 or u.shape != q.shape:
        raise ValueError("rubin_pool needs at least two estimates, each with its variance")
    if not (np.isfinite(q).all() and np.isfinite(u).all() and (u > 0).all()):
        raise ValueError("estimates and variances must be finite, variances positive")
    if not dfcom > 0:
        raise ValueError("dfcom must be positive (math.inf: large sample)")
    if not 0 < conf_level < 1:
        raise ValueError("conf_level must lie strictly between 0 and 1")
    estimate = _mean(q)
    within = _mean(u)
    between = math.fsum((q - estimate) ** 2) / (m - 1)
    total = within + (1 + 1 / m) * between
    df = barnard_rubin_df(m, between, total, dfcom)
    riv = (1 + 1 / m) * between / within
    se = math.sqrt(total)
    half_width = float(special.stdtrit(df, 0.5 + conf_level / 2)) * se
    return RubinPool(
        m=m,
        estimate=estimate,
        within=within,
        between=between,
        total=total,
        se=se,
        dfcom=float(dfcom),
        df=df,
        riv=riv,
        lambda_=(1 + 1 / m) * between / total,
        fmi=(riv + 2 / (df + 3)) / (riv + 1),
        ci_low=estimate - half_width,
        ci_high=estimate + half_width,
        p_value=2 * float(special.stdtr(max(df, 0.001), -abs(estimate) / se)),
    )
