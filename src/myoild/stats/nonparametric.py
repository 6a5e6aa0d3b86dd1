"""Rank tests and Fisher's exact test that give the p-values of R's defaults; median and quartiles.

scipy's defaults differ from R's ``wilcox.test`` (no continuity correction, another rule for
choosing the exact test, other zero handling), so every scipy call here pins its variant and
the choice between exact and approximate p-values follows R 4.x (``stats::wilcox.test.default``):

- Wilcoxon signed-rank, ``wilcox.test(x, y, paired = TRUE)``: pairs with a missing value are
  dropped, zero differences are dropped (Wilcoxon's method); the exact p-value is used when
  fewer than 50 non-zero differences remain, their absolute values have no ties and there was
  no zero; otherwise the normal approximation with continuity correction and tie-corrected
  variance.
- Mann-Whitney (Wilcoxon rank-sum), ``wilcox.test(x, y)``: exact when both samples have fewer
  than 50 values and the pooled sample has no ties; otherwise the normal approximation with
  continuity correction and tie-corrected variance.
- Fisher's exact test, ``fisher.test`` on a 2 x 2 table, two-sided p-value only (scipy's odds
  ratio is the sample odds ratio, R's the conditional MLE, so none is reported).

scipy computes the p-values with the variant pinned: ``wilcoxon(d, zero_method="wilcox",
correction=True, method="exact" | "asymptotic")`` and ``mannwhitneyu(x, y, use_continuity=True,
method="exact" | "asymptotic")``; both checked against R on fixtures (tests/reference/prospective).

The statistic is R's: V = sum of the ranks of the positive differences x - y, and
W = sum of the ranks of x in the pooled sample - n_x (n_x + 1) / 2.
Where R returns NA (or stops) the p-value is NaN and the method ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

EXACT = "exact"
#: Normal approximation with continuity correction and tie-corrected variance.
NORMAL_CC = "normal_cc"
#: R's ``wilcox.test`` uses exact p-values below this many values (per sample).
EXACT_BELOW_N = 50
#: R ``fisher.test``: tables this close in probability to the observed one count as "as extreme".
FISHER_RELATIVE_TOLERANCE = 1 + 1e-7


@dataclass(frozen=True)
class RankTestResult:
    """R's statistic (V or W), the two-sided p-value and the variant used (``EXACT``, ``NORMAL_CC``)."""

    statistic: float
    p_value: float
    method: str | None


_NOT_COMPUTED = RankTestResult(np.nan, np.nan, None)


def _has_ties(ranks: np.ndarray) -> bool:
    return np.unique(ranks).size != ranks.size


def wilcoxon_signed_rank(x, y) -> RankTestResult:
    """Paired two-sided Wilcoxon signed-rank test of x against y, as R ``wilcox.test(x, y, paired = TRUE)``.

    NaN p-value when no complete pair has a non-zero difference (R gives NA or stops).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    complete = ~(np.isnan(x) | np.isnan(y))
    differences = x[complete] - y[complete]
    nonzero = differences[differences != 0]
    if nonzero.size == 0:
        return _NOT_COMPUTED
    ranks = stats.rankdata(np.abs(nonzero))
    statistic = float(ranks[nonzero > 0].sum())
    exact = nonzero.size < EXACT_BELOW_N and not _has_ties(ranks) and nonzero.size == differences.size
    result = stats.wilcoxon(
        differences,
        zero_method="wilcox",
        correction=True,
        alternative="two-sided",
        method="exact" if exact else "asymptotic",
    )
    return RankTestResult(statistic, float(result.pvalue), EXACT if exact else NORMAL_CC)


def mann_whitney(x, y) -> RankTestResult:
    """Two-sided Mann-Whitney (Wilcoxon rank-sum) test, as R ``wilcox.test(x, y)``; missing values dropped.

    NaN p-value when a sample is empty (R stops) or all pooled values are equal (R gives NA).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x = x[~np.isnan(x)]
    y = y[~np.isnan(y)]
    pooled = np.concatenate([x, y])
    if x.size == 0 or y.size == 0 or np.unique(pooled).size == 1:
        return _NOT_COMPUTED
    ranks = stats.rankdata(pooled)
    statistic = float(ranks[: x.size].sum() - x.size * (x.size + 1) / 2)
    exact = x.size < EXACT_BELOW_N and y.size < EXACT_BELOW_N and not _has_ties(ranks)
    result = stats.mannwhitneyu(
        x,
        y,
        use_continuity=True,
        alternative="two-sided",
        method="exact" if exact else "asymptotic",
    )
    return RankTestResult(statistic, float(result.pvalue), EXACT if exact else NORMAL_CC)


def fisher_exact_p(table) -> float:
    """Two-sided p-value of Fisher's exact test on a 2 x 2 table of counts, as R ``fisher.test``.

    R's rule (``stats::fisher.test``): with the margins fixed, the first cell follows the
    hypergeometric distribution; p is the total probability of the values of that cell whose
    probability is at most the observed one times (1 + 1e-7). scipy compares with a tolerance
    of 1e-14 instead, so R's rule is coded here. Defined with zero cells, rows or columns
    (p = 1 when a margin is zero).
    """
    counts = np.asarray(table, dtype=np.int64)
    first_column, second_column = counts[:, 0].sum(), counts[:, 1].sum()
    first_row = counts[0].sum()
    support = np.arange(max(0, first_row - second_column), min(first_row, first_column) + 1)
    log_density = stats.hypergeom.logpmf(support, first_column + second_column, first_column, first_row)
    density = np.exp(log_density - log_density.max())
    density /= density.sum()
    observed = density[counts[0, 0] - support[0]]
    return float(min(1.0, density[density <= observed * FISHER_RELATIVE_TOLERANCE].sum()))


def median_quartiles(frame: pd.DataFrame, value: str, by: list[str]) -> pd.DataFrame:
    """``n``, ``median``, ``q1``, ``q3``, ``min``, ``max`` of the non-missing ``value`` per ``by`` group.

    Quartiles by linear interpolation between order statistics, R's default ``quantile`` type 7.
    Only groups with at least one value appear; the index is ``by``.
    """
    grouped = frame.dropna(subset=[value]).groupby(by, sort=True, observed=True)[value]
    summary = grouped.agg(n="size", median="median", min="min", max="max")
    summary["q1"] = grouped.quantile(0.25, interpolation="linear")
    summary["q3"] = grouped.quantile(0.75, interpolation="linear")
    return summary[["n", "median", "q1", "q3", "min", "max"]]
