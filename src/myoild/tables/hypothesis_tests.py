"""Two-group tests of Table 1 / Table 2, pinned to what R 4.x computes (paper: "Mann-Whitney U test or
Student's t-test for continuous variables and the Chi-squared or Fisher's exact test for categorical data").

- ``student_t``: two-sided Student's t-test with pooled (equal) variance, R ``t.test(var.equal = TRUE)``.
- ``mann_whitney``: two-sided Wilcoxon rank-sum test as R ``wilcox.test(x, y)``: exact when both
  groups have fewer than 50 values and there are no ties, else the normal approximation with
  tie-corrected variance and continuity correction.
- ``categorical_test``: a groups x levels count table (levels with no patient dropped). Fisher's
  exact test (R ``fisher.test``) when any expected count is under 5, else Pearson's chi-square
  (R ``chisq.test``, i.e. with Yates' continuity correction for a 2 x 2 table only).
- ``fisher_exact_2xk``: the exact conditional test for a 2 x k table by full enumeration of the
  tables with the observed margins; the two-sided p sums the probabilities of the tables no more
  probable than the observed one, up to R's relative tolerance 1e-7. When the enumeration would
  exceed ``max_tables``, it falls back to a seeded Monte Carlo p-value (as R's
  ``simulate.p.value``), labelled as such in the test detail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln

from myoild.tables.summaries import known

#: R's relative tolerance for "no more probable than the observed table" (fisher.test).
FISHER_RELATIVE_TOLERANCE = 1e-7
#: R wilcox.test: exact p-values only below this many values per group.
EXACT_WILCOXON_MAX_N = 50
MIN_EXPECTED_FOR_CHI_SQUARE = 5.0
MAX_ENUMERATED_TABLES = 5_000_000
MONTE_CARLO_RESAMPLES = 9_999
MONTE_CARLO_SEED = 20220902


@dataclass(frozen=True)
class TestResult:
    """A p-value with the test's name (``t_test``, ``mann_whitney``, ``chi_square``, ``fisher_exact``) and how it was computed."""

    p_value: float
    test: str | None
    detail: str

    __test__ = False  # not a pytest test class


def student_t(x, y) -> TestResult:
    x, y = known(x), known(y)
    if len(x) < 2 or len(y) < 2:
        return TestResult(np.nan, None, "not computable: fewer than 2 values in a group")
    # t = (mean_x - mean_y) / sqrt(s_p^2 (1/n_x + 1/n_y)), s_p^2 the pooled variance, n_x + n_y - 2 df.
    df = len(x) + len(y) - 2
    pooled = ((len(x) - 1) * np.var(x, ddof=1) + (len(y) - 1) * np.var(y, ddof=1)) / df
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.mean(x) - np.mean(y)) / np.sqrt(pooled * (1.0 / len(x) + 1.0 / len(y)))
    p_value = 2.0 * stats.t.sf(abs(t), df)
    return TestResult(float(p_value), "t_test", "Student, pooled variance, two-sided")


def mann_whitney(x, y) -> TestResult:
    x, y = known(x), known(y)
    if len(x) == 0 or len(y) == 0:
        return TestResult(np.nan, None, "not computable: a group has no values")
    ties = len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)
    if len(x) < EXACT_WILCOXON_MAX_N and len(y) < EXACT_WILCOXON_MAX_N and not ties:
        method, detail = "exact", "exact, two-sided"
    else:
        method, detail = "asymptotic", "normal approximation, tie and continuity corrected, two-sided"
    p_value = stats.mannwhitneyu(x, y, use_continuity=True, alternative="two-sided", method=method).pvalue
    return TestResult(float(p_value), "mann_whitney", detail)


def _log_choose(n, k):
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


def fisher_exact_2xk(table, max_tables: int = MAX_ENUMERATED_TABLES) -> TestResult:
    """Two-sided Fisher exact test of a 2 x k table of counts (see module docstring)."""
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
    last = r1 - partial_sum
    log_p = log_p + _log_choose(columns[-1], last) - _log_choose(n, r1)

    observed = np.sum(_log_choose(columns, first_row)) - _log_choose(n, r1)
    more_extreme = log_p <= observed + np.log1p(FISHER_RELATIVE_TOLERANCE)
    p_value = min(1.0, float(np.exp(log_p[more_extreme]).sum()))
    return TestResult(p_value, "fisher_exact", f"exact, 2x{table.shape[1]} table, two-sided")


def _fisher_monte_carlo(table: np.ndarray) -> TestResult:
    """R ``fisher.test(simulate.p.value = TRUE)``: (1 + #{simulated P <= observed P}) / (B + 1).

    Tables with the observed margins are drawn as the first row's multivariate hypergeometric
    split of the column totals.
    """
    columns, r1 = table.sum(axis=0), int(table[0].sum())
    rng = np.random.default_rng(MONTE_CARLO_SEED)
    first_rows = rng.multivariate_hypergeometric(columns, r1, size=MONTE_CARLO_RESAMPLES, method="marginals")
    log_p = _log_choose(columns, first_rows).sum(axis=1)
    observed = _log_choose(columns, table[0]).sum()
    as_extreme = int((log_p <= observed + np.log1p(FISHER_RELATIVE_TOLERANCE)).sum())
    p_value = (1 + as_extreme) / (MONTE_CARLO_RESAMPLES + 1)
    detail = f"Monte Carlo, {MONTE_CARLO_RESAMPLES} tables, seed {MONTE_CARLO_SEED} (exact enumeration too large)"
    return TestResult(float(p_value), "fisher_exact", detail)


def categorical_test(table) -> TestResult:
    """Chi-square, or Fisher's exact test when an expected count is under 5, for a 2 x k count table."""
    table = np.asarray(table, dtype=np.int64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return TestResult(np.nan, None, "not computable: a single level or an empty group")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if (expected < MIN_EXPECTED_FOR_CHI_SQUARE).any():
        return fisher_exact_2xk(table)
    return chi_square(table)


def chi_square(table) -> TestResult:
    """Pearson's chi-square test as R ``chisq.test``: Yates' continuity correction for a 2 x 2 table only."""
    table = np.asarray(table, dtype=np.int64)
    yates = table.shape == (2, 2)
    p_value = stats.chi2_contingency(table, correction=yates).pvalue
    detail = "Pearson" + (" with Yates' continuity correction" if yates else "")
    return TestResult(float(p_value), "chi_square", detail)
