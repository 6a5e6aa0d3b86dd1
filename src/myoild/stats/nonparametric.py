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
- Fisher's exact test, ``fisher.test`` on a 2 x k table, two-sided p-value only (scipy's odds
  ratio is the sample odds ratio, R's the conditional MLE, so none is reported).

scipy computes the p-values with the variant pinned: ``wilcoxon(d, zero_method="wilcox",
correction=True, method="exact" | "asymptotic")`` and ``mannwhitneyu(x, y, use_continuity=True,
method="exact" | "asymptotic")``; both checked against R on fixtures (tests/reference/prospective).
scipy.stats takes half a second to import, so the two rank tests import it when they run: a job
that only reads these results (the report, a figure) does not pay for it.

The statistic is R's: V = sum of the ranks of the positive differences x - y, and
W = sum of the ranks of x in the pooled sample - n_x (n_x + 1) / 2.
Where R returns NA (or stops) the p-value is NaN and the method ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln

EXACT = "exact"
#: Normal approximation with continuity correction and tie-corrected variance.
NORMAL_CC = "normal_cc"
#: R's ``wilcox.test`` uses exact p-values below this many values (per sample).
EXACT_BELOW_N = 50
#: R ``fisher.test``: tables this close in probability to the observed one count as "as extreme".
FISHER_RELATIVE_TOLERANCE = 1 + 1e-7
#: Fisher's test enumerates at most this many tables before it falls back to Monte Carlo.
MAX_ENUMERATED_TABLES = 5_000_000
MONTE_CARLO_RESAMPLES = 9_999
MONTE_CARLO_SEED = 20220902


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
    from scipy import stats

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
    from scipy import stats

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


def _log_choose(n, k):
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


@dataclass(frozen=True)
class FisherResult:
    """Two-sided p-value of Fisher's exact test and how it was computed."""

    p_value: float
    detail: str


def fisher_exact(table, max_tables: int = MAX_ENUMERATED_TABLES) -> FisherResult:
    """Two-sided Fisher exact test of a 2 x k table of counts (rows: the two groups), as R
    ``fisher.test``: with the margins fixed, p is the total probability of the tables no more
    probable than the observed one, up to R's relative tolerance 1e-7 (scipy uses 1e-14). All
    tables with the observed margins are enumerated; when they would exceed ``max_tables``, a
    seeded Monte Carlo p-value as R's ``simulate.p.value`` is returned, labelled as such. Defined
    with zero cells, rows or columns (p = 1 when a margin leaves one table only).
    """
    table = np.asarray(table, dtype=np.int64)
    first_row, columns = table[0], table.sum(axis=0)
    n, r1 = int(columns.sum()), int(first_row.sum())
    # The largest column goes last: its cell is then fixed by the others, keeping enumeration small.
    order = np.argsort(columns, kind="mergesort")
    columns, first_row = columns[order], first_row[order]
    sizes = np.minimum(columns[:-1], r1) + 1
    if np.prod(sizes.astype(float)) > max_tables:
        return _fisher_monte_carlo(table)
    partial_sum, log_p = np.zeros(1, dtype=np.int64), np.zeros(1)
    remaining = np.cumsum(columns[::-1])[::-1]  # remaining[j]: capacity of columns j..k-1
    for j, total in enumerate(columns[:-1]):
        x = np.arange(min(total, r1) + 1)
        partial_sum = np.add.outer(partial_sum, x).ravel()
        log_p = np.add.outer(log_p, _log_choose(total, x)).ravel()
        reachable = (partial_sum <= r1) & (partial_sum + remaining[j + 1] >= r1)
        partial_sum, log_p = partial_sum[reachable], log_p[reachable]
    log_p = log_p + _log_choose(columns[-1], r1 - partial_sum) - _log_choose(n, r1)
    observed = np.sum(_log_choose(columns, first_row)) - _log_choose(n, r1)
    more_extreme = log_p <= observed + np.log(FISHER_RELATIVE_TOLERANCE)
    p_value = min(1.0, float(np.exp(log_p[more_extreme]).sum()))
    return FisherResult(p_value, f"exact, 2x{table.shape[1]} table, two-sided")


def _fisher_monte_carlo(table: np.ndarray) -> FisherResult:
    """R ``fisher.test(simulate.p.value = TRUE)``: (1 + #{simulated P <= observed P}) / (B + 1).

    Tables with the observed margins are drawn as the first row's multivariate hypergeometric
    split of the column totals.
    """
    columns, r1 = table.sum(axis=0), int(table[0].sum())
    rng = np.random.default_rng(MONTE_CARLO_SEED)
    first_rows = rng.multivariate_hypergeometric(columns, r1, size=MONTE_CARLO_RESAMPLES, method="marginals")
    log_p = _log_choose(columns, first_rows).sum(axis=1)
    observed = _log_choose(columns, table[0]).sum()
    as_extreme = int((log_p <= observed + np.log(FISHER_RELATIVE_TOLERANCE)).sum())
    p_value = (1 + as_extreme) / (MONTE_CARLO_RESAMPLES + 1)
    detail = f"Monte Carlo, {MONTE_CARLO_RESAMPLES} tables, seed {MONTE_CARLO_SEED} (exact enumeration too large)"
    return FisherResult(float(p_value), detail)


def fisher_exact_p(table) -> float:
    """Two-sided p-value of Fisher's exact test on a 2 x k table, as R ``fisher.test``."""
    return fisher_exact(table).p_value


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
