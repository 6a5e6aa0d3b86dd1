"""Inter-rater agreement: intraclass correlation ICC(2,1) and weighted Cohen's kappa."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

KAPPA_WEIGHTINGS = ("linear", "quadratic")


@dataclass(frozen=True)
class IccResult:
    """ICC estimate, its confidence interval, the F test of ICC = 0 and the number of subjects."""

    icc: float
    ci_low: float
    ci_high: float
    f_value: float
    p_value: float
    n_subjects: int


def icc_absolute_agreement(ratings, confidence: float = 0.95) -> IccResult:
    """ICC(2,1): two-way random effects, absolute agreement, single rater.

    ``ratings`` is an n x k array (subjects x raters, no missing values). With the mean squares
    of the two-way ANOVA without replication (rows MSR, columns MSC, residual MSE):

        ICC = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)

    Shrout & Fleiss (1979) ICC(2,1) = McGraw & Wong (1996) ICC(A,1). The confidence interval is
    McGraw & Wong's (1996, Table 7, case 2A) with Satterthwaite's degrees of freedom
    v = (a MSC + b MSE)^2 / ((a MSC)^2 / (k - 1) + (b MSE)^2 / ((n - 1)(k - 1))),
    a = k ICC / (n (1 - ICC)), b = 1 + k ICC (n - 1) / (n (1 - ICC)); the F test is MSR / MSE
    on (n - 1, (n - 1)(k - 1)) degrees of freedom. These are the ICC2 row of R
    ``psych::ICC(x, lmer = FALSE)``. NaN when n < 2 or all ratings are equal; the interval is
    NaN when agreement is perfect (MSE = 0). The F distribution's upper tail and quantiles are
    scipy.special's ``fdtrc`` and ``fdtri``, which scipy.stats.f calls (without its import cost).
    """
    x = np.asarray(ratings, dtype=float)
    n, k = x.shape
    if n < 2 or np.ptp(x) == 0:
        return IccResult(np.nan, np.nan, np.nan, np.nan, np.nan, n)
    grand = x.mean()
    row_means = x.mean(axis=1)
    col_means = x.mean(axis=0)
    df_rows, df_cols, df_error = n - 1, k - 1, (n - 1) * (k - 1)
    msr = k * np.sum((row_means - grand) ** 2) / df_rows
    msc = n * np.sum((col_means - grand) ** 2) / df_cols
    mse = np.sum((x - row_means[:, None] - col_means[None, :] + grand) ** 2) / df_error
    icc = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_value = msr / mse
        p_value = special.fdtrc(df_rows, df_error, f_value)
        a = k * icc / (n * (1 - icc))
        b = 1 + k * icc * (n - 1) / (n * (1 - icc))
        v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / df_cols + (b * mse) ** 2 / df_error)
        tail = 1 - (1 - confidence) / 2
        f_upper = special.fdtri(df_rows, v, tail)
        f_lower = special.fdtri(v, df_rows, tail)
        denominator = k * msc + (k * n - k - n) * mse
        ci_low = n * (msr - f_upper * mse) / (f_upper * denominator + n * msr)
        ci_high = n * (f_lower * msr - mse) / (denominator + n * f_lower * msr)
    return IccResult(float(icc), float(ci_low), float(ci_high), float(f_value), float(p_value), n)


def weighted_kappa(rater_a, rater_b, categories, weighting: str = "linear") -> float:
    """Cohen's (1968) weighted kappa of two raters' ordinal ratings.

    kappa_w = 1 - sum(w_ij o_ij) / sum(w_ij e_ij), with o the observed and e the chance-expected
    (product of margins) proportions over the ordered ``categories``, and disagreement weights
    w_ij = |i - j| / (K - 1) (``linear``) or (i - j)^2 / (K - 1)^2 (``quadratic``), i, j the
    category positions. The categories are fixed (not the ones observed), so the weights do not
    depend on which grades happen to occur; this equals R ``psych::cohen.kappa(x, w,
    levels = categories)``. NaN when no pair is given or both raters use one category only.
    """
    if weighting not in KAPPA_WEIGHTINGS:
        raise ValueError(f"weighting must be one of {KAPPA_WEIGHTINGS}, got {weighting!r}")
    levels = pd.Index(categories)
    index_a = levels.get_indexer(np.asarray(rater_a))
    index_b = levels.get_indexer(np.asarray(rater_b))
    if (index_a < 0).any() or (index_b < 0).any():
        raise ValueError(f"ratings outside the categories {list(levels)}")
    if index_a.size == 0:
        return np.nan
    n_categories = len(levels)
    observed = np.zeros((n_categories, n_categories))
    np.add.at(observed, (index_a, index_b), 1.0)
    observed /= index_a.size
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    distance = np.abs(np.subtract.outer(np.arange(n_categories), np.arange(n_categories))) / (n_categories - 1)
    weights = distance if weighting == "linear" else distance**2
    expected_disagreement = np.sum(weights * expected)
    if expected_disagreement == 0:
        return np.nan
    return float(1 - np.sum(weights * observed) / expected_disagreement)
