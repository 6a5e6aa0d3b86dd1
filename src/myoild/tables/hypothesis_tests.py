"""Two-group tests of Table 1 / Table 2, pinned to what R 4.x computes (paper: "Mann-Whitney U test or
Student's t-test for continuous variables and the Chi-squared or Fisher's exact test for categorical data").

- ``student_t``: two-sided Student's t-test with pooled (equal) variance, R ``t.test(var.equal = TRUE)``.
- ``mann_whitney``: two-sided Wilcoxon rank-sum test as R ``wilcox.test(x, y)``: exact when both
  groups have fewer than 50 values and there are no ties, else the normal approximation with
  tie-corrected variance and continuity correction.
- ``categorical_test``: a groups x levels count table (levels with no patient dropped). Fisher's
  exact test (R ``fisher.test``) when any expected count is under 5, else Pearson's chi-square
  (R ``chisq.test``, i.e. with Yates' continuity correction for a 2 x 2 table only).
- ``fisher_exact_2xk``: the exact conditional test for a 2 x k table
  (``myoild.stats.nonparametric.fisher_exact``: enumeration, or a seeded Monte Carlo p-value when
  the tables are too many, labelled as such in the test detail).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from myoild.stats.nonparametric import EXACT, MAX_ENUMERATED_TABLES, fisher_exact
from myoild.stats.nonparametric import mann_whitney as rank_sum
from myoild.tables.summaries import known

MIN_EXPECTED_FOR_CHI_SQUARE = 5.0


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
    result = rank_sum(known(x), known(y))
    if result.method is None:
        return TestResult(np.nan, None, "not computable: a group has no values or all values are equal")
    detail = "exact, two-sided" if result.method == EXACT else "normal approximation, tie and continuity corrected, two-sided"
    return TestResult(result.p_value, "mann_whitney", detail)


def fisher_exact_2xk(table, max_tables: int = MAX_ENUMERATED_TABLES) -> TestResult:
    result = fisher_exact(table, max_tables)
    return TestResult(result.p_value, "fisher_exact", result.detail)


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
