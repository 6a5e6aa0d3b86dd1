"""Two-group tests of Table 1 / Table 2, pinned to what R 4.x computes (paper: "Mann-Whitney U test or
Student's t-test for continuous variables and the Chi-squared or Fisher's exact test for categorical data").

- ``student_t``: two-sided Student's t-test with pooled (equal) variance, R ``t.test(var.equal = TRUE)``.
- ``mann_whitney``: two-sided Wilcoxon rank-sum test as R ``wilcox.test(x, y)``: exact when both
  groups have fewer than 50 values and there are no ties, else the normal approximation with
  tie-corrected variance and continuity correction.
- ``chi_square``: Pearson's chi-square test, R ``chisq.test(correct = TRUE | FALSE)`` (Yates'
  continuity correction applies to a 2 x 2 table only, as in R).
- ``fisher_exact_2xk``: the exact conditional test for a 2 x k table
  (``myoild.stats.nonparametric.fisher_exact``: enumeration, or a seeded Monte Carlo p-value when
  the tables are too many, labelled as such in the test detail).

Which test a row gets is the configured rule (config ``tables``; ``test_rule_sentence`` states it):

- ``categorical_test(table, rule)`` on a groups x levels count table (levels with no patient
  dropped; NaN when a single level or an empty group is left): ``auto`` (default) Fisher's exact
  test when any expected count is under 5, else ``chisq.test()``; ``pearson`` ``chisq.test(correct
  = FALSE)`` for every row (the rule that reproduces the paper's Table 2); ``yates``
  ``chisq.test()`` for every row; ``fisher`` ``fisher.test`` for every row. A chi-square test
  chosen by the rule despite an expected count under 5 says so in its detail (R warns
  "Chi-squared approximation may be incorrect").
- ``continuous_test(x, y, summary, rule)``: ``by_statistic`` (default) Student's t for rows
  summarised by mean (SD) and Mann-Whitney for rows summarised by median (IQR); ``t_test`` or
  ``mann_whitney``: that test for every continuous row.

A p-value within 1e-12 of 1 is reported as exactly 1 (``P_VALUE_ONE_TOLERANCE``): the exact value
is 1 and the difference is floating-point noise of the summation (Fisher's sum of table
probabilities gives e.g. 0.9999999999998742, which R prints as 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from myoild.stats.nonparametric import EXACT, MAX_ENUMERATED_TABLES, fisher_exact
from myoild.stats.nonparametric import mann_whitney as rank_sum
from myoild.tables.summaries import known

MIN_EXPECTED_FOR_CHI_SQUARE = 5.0
P_VALUE_ONE_TOLERANCE = 1e-12
#: Rules for n (%) rows (config ``tables.categorical_test``), the first the default.
CATEGORICAL_RULES = ("auto", "pearson", "yates", "fisher")
#: Rules for continuous rows (config ``tables.continuous_test``), the first the default.
CONTINUOUS_RULES = ("by_statistic", "t_test", "mann_whitney")


@dataclass(frozen=True)
class TestResult:
    """A p-value with the test's name (``t_test``, ``mann_whitney``, ``chi_square``, ``fisher_exact``) and how it was computed."""

    p_value: float
    test: str | None
    detail: str

    __test__ = False  # not a pytest test class


def _reported(p_value: float) -> float:
    """The p-value, with one within ``P_VALUE_ONE_TOLERANCE`` of 1 (or above it) as exactly 1."""
    p_value = float(p_value)
    return 1.0 if p_value >= 1.0 - P_VALUE_ONE_TOLERANCE else p_value


def _check_rule(rule: str, rules: tuple[str, ...], setting: str) -> None:
    if rule not in rules:
        raise ValueError(f"tables.{setting} must be one of {', '.join(rules)}, not {rule!r}")


def student_t(x, y) -> TestResult:
    x, y = known(x), known(y)
    if len(x) < 2 or len(y) < 2:
        return TestResult(np.nan, None, "not computable: fewer than 2 values in a group")
    # t = (mean_x - mean_y) / sqrt(s_p^2 (1/n_x + 1/n_y)), s_p^2 the pooled variance, n_x + n_y - 2 df;
    # the upper tail of t is scipy.special's stdtr(df, -|t|), which scipy.stats.t.sf calls.
    df = len(x) + len(y) - 2
    pooled = ((len(x) - 1) * np.var(x, ddof=1) + (len(y) - 1) * np.var(y, ddof=1)) / df
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.mean(x) - np.mean(y)) / np.sqrt(pooled * (1.0 / len(x) + 1.0 / len(y)))
    p_value = 2.0 * special.stdtr(df, -abs(t))
    return TestResult(_reported(p_value), "t_test", "Student, pooled variance, two-sided")


def mann_whitney(x, y) -> TestResult:
    result = rank_sum(known(x), known(y))
    if result.method is None:
        return TestResult(np.nan, None, "not computable: a group has no values or all values are equal")
    detail = (
        "exact, two-sided"
        if result.method == EXACT
        else "normal approximation, tie and continuity corrected, two-sided"
    )
    return TestResult(_reported(result.p_value), "mann_whitney", detail)


def continuous_test(x, y, summary: str, rule: str = "by_statistic") -> TestResult:
    """The test of a continuous row by ``rule`` (``CONTINUOUS_RULES``, module docstring); ``summary`` is
    how the row is summarised, ``mean_sd`` or ``median_iqr`` (it decides under ``by_statistic`` only)."""
    _check_rule(rule, CONTINUOUS_RULES, "continuous_test")
    if summary not in ("mean_sd", "median_iqr"):
        raise ValueError(f"summary must be 'mean_sd' or 'median_iqr', not {summary!r}")
    if rule == "by_statistic":
        rule = "t_test" if summary == "mean_sd" else "mann_whitney"
    return student_t(x, y) if rule == "t_test" else mann_whitney(x, y)


def fisher_exact_2xk(table, max_tables: int = MAX_ENUMERATED_TABLES) -> TestResult:
    result = fisher_exact(table, max_tables)
    return TestResult(_reported(result.p_value), "fisher_exact", result.detail)


def categorical_test(table, rule: str = "auto") -> TestResult:
    """The test of a 2 x k count table (rows: the two groups) by ``rule`` (``CATEGORICAL_RULES``,
    module docstring); levels with no patient are dropped first."""
    _check_rule(rule, CATEGORICAL_RULES, "categorical_test")
    table = np.asarray(table, dtype=np.int64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return TestResult(np.nan, None, "not computable: a single level or an empty group")
    if rule == "fisher" or (rule == "auto" and _smallest_expected(table) < MIN_EXPECTED_FOR_CHI_SQUARE):
        return fisher_exact_2xk(table)
    return chi_square(table, correct=rule != "pearson")


def _smallest_expected(table: np.ndarray) -> float:
    """The smallest expected count under independence, row total x column total / n."""
    return float((np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()).min())


def chi_square(table, correct: bool = True) -> TestResult:
    """Pearson's chi-square test as R ``chisq.test(table, correct = correct)``: with ``correct``, Yates'
    continuity correction (|O - E| reduced by min(0.5, |O - E|)) for a 2 x 2 table only."""
    from scipy import stats  # half a second to import: only the jobs that run the test load it

    table = np.asarray(table, dtype=np.int64)
    yates = correct and table.shape == (2, 2)
    p_value = stats.chi2_contingency(table, correction=yates).pvalue
    detail = "Pearson" + (" with Yates' continuity correction" if yates else "")
    if _smallest_expected(table) < MIN_EXPECTED_FOR_CHI_SQUARE:
        detail += (
            f"; an expected count is under {MIN_EXPECTED_FOR_CHI_SQUARE:g}: the chi-square approximation may be poor"
        )
    return TestResult(_reported(p_value), "chi_square", detail)


_CONTINUOUS_WORDS = {
    "by_statistic": "Student's t-test (pooled variance) for mean (SD) rows, Mann-Whitney U test for median (IQR) rows",
    "t_test": "Student's t-test (pooled variance) for every continuous row",
    "mann_whitney": "Mann-Whitney U test for every continuous row",
}
_CATEGORICAL_WORDS = {
    "auto": "chi-square test (Yates-corrected for 2 x 2 tables) for n (%) rows, or Fisher's exact test when an "
    "expected count is under 5",
    "pearson": "chi-square test without continuity correction for every n (%) row",
    "yates": "chi-square test (Yates-corrected for 2 x 2 tables) for every n (%) row",
    "fisher": "Fisher's exact test for every n (%) row",
}


def test_rule_sentence(categorical_test: str = "auto", continuous_test: str = "by_statistic") -> str:
    """The configured test rule in words, for a methods section or a table note, e.g. (the defaults)
    "Student's t-test (pooled variance) for mean (SD) rows, Mann-Whitney U test for median (IQR) rows;
    chi-square test (Yates-corrected for 2 x 2 tables) for n (%) rows, or Fisher's exact test when an
    expected count is under 5." ValueError for a rule not in ``CATEGORICAL_RULES`` / ``CONTINUOUS_RULES``."""
    _check_rule(categorical_test, CATEGORICAL_RULES, "categorical_test")
    _check_rule(continuous_test, CONTINUOUS_RULES, "continuous_test")
    return f"{_CONTINUOUS_WORDS[continuous_test]}; {_CATEGORICAL_WORDS[categorical_test]}."


test_rule_sentence.__test__ = False  # not a pytest test, though its name starts with test_
