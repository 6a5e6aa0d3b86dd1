"""Table 1 tests, summaries and SMDs against R 4.2.2 (tests/reference/table1: data.csv, reference.R, reference.json)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from myoild.tables import summaries
from myoild.tables.hypothesis_tests import categorical_test, chi_square, fisher_exact_2xk, mann_whitney, student_t

REFERENCE = Path(__file__).parent / "reference" / "table1"
DATA = pd.read_csv(REFERENCE / "data.csv", keep_default_na=False)
R = json.loads((REFERENCE / "reference.json").read_text())


def groups_of(case):
    rows = DATA[DATA["small"]] if case["subset"] == "small" else DATA
    values = rows[case["variable"]]
    return values[rows["group"] == "A"].to_numpy(), values[rows["group"] == "B"].to_numpy()


def count_table(case):
    return np.array([case["counts_a"], case["counts_b"]])


CONTINUOUS = {f"{c['variable']}_{c['subset']}": c for c in R["continuous"]}
CATEGORICAL = {f"{c['variable']}_{c['subset']}": c for c in R["categorical"]}


def test_fixture_covers_every_required_case():
    assert {c["wilcox_exact"] for c in R["continuous"]} == {True, False}
    assert any(not c["wilcox_exact"] and c["variable"] == "score" for c in R["continuous"])  # with ties
    chosen = {(len(c["levels"]), c["rule_test"]) for c in R["categorical"]}
    assert {
        (2, "chi_square"),
        (2, "fisher_exact"),
        (3, "chi_square"),
        (3, "fisher_exact"),
        (6, "fisher_exact"),
    } <= chosen


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_student_t_and_mann_whitney_match_r(name):
    case = CONTINUOUS[name]
    a, b = groups_of(case)
    t = student_t(a, b)
    assert t.test == "t_test" and t.p_value == pytest.approx(case["t_p"], rel=1e-10)
    w = mann_whitney(a, b)
    assert w.test == "mann_whitney" and w.p_value == pytest.approx(case["wilcox_p"], rel=1e-9)
    assert w.detail.startswith("exact") == case["wilcox_exact"]


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_summaries_and_continuous_smd_match_r(name):
    case = CONTINUOUS[name]
    a, b = groups_of(case)
    assert summaries.format_mean_sd(a) == f"{case['mean_a']:.2f} ({case['sd_a']:.2f})"
    q1, median, q3 = case["quartiles_b"]
    decimals = 0 if all(float(q).is_integer() for q in (q1, median, q3)) else 2
    assert summaries.format_median_iqr(b) == f"{median:.{decimals}f} ({q1:.{decimals}f}-{q3:.{decimals}f})"
    assert summaries.smd_continuous(a, b) == pytest.approx(case["smd"], rel=1e-12)


@pytest.mark.parametrize("name", sorted(CATEGORICAL))
def test_fisher_chi_square_and_the_choice_between_them_match_r(name):
    case = CATEGORICAL[name]
    table = count_table(case)
    assert fisher_exact_2xk(table).p_value == pytest.approx(case["fisher_p"], rel=1e-9)
    assert chi_square(table).p_value == pytest.approx(case["chisq_p"], rel=1e-10)
    chosen = categorical_test(table)
    assert chosen.test == case["rule_test"]
    assert chosen.p_value == pytest.approx(case["rule_p"], rel=1e-9)


@pytest.mark.parametrize("name", sorted(CATEGORICAL))
def test_binary_smd_per_level_matches_r(name):
    case = CATEGORICAL[name]
    a, b = groups_of(case)
    for level, expected in zip(case["levels"], case["level_smd"]):
        assert summaries.smd_binary(a.astype(str) == level, b.astype(str) == level) == pytest.approx(
            expected, rel=1e-12
        )


def test_fisher_2x2_agrees_with_scipy_and_its_worked_example():
    # scipy's documented example: [[6, 2], [1, 4]] has p = 0.0163 + 0.0816 + 0.00466 = 0.10256
    assert fisher_exact_2xk([[6, 2], [1, 4]]).p_value == pytest.approx(0.10256410256410257, rel=1e-12)
    for table in ([[3, 0], [0, 3]], [[10, 2], [3, 15]], [[0, 5], [7, 1]], [[20, 30], [25, 25]]):
        assert fisher_exact_2xk(table).p_value == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-10)


def test_fisher_falls_back_to_a_seeded_monte_carlo_when_enumeration_is_too_large():
    table = count_table(CATEGORICAL["cat6_small"])
    exact = fisher_exact_2xk(table).p_value
    fallback = fisher_exact_2xk(table, max_tables=10)
    assert fallback.test == "fisher_exact" and fallback.detail.startswith("Monte Carlo")
    assert fallback.p_value == fisher_exact_2xk(table, max_tables=10).p_value  # deterministic
    assert abs(fallback.p_value - exact) < 0.02  # 9,999 draws: SE about sqrt(0.2 * 0.8 / 9999) = 0.004


def test_categorical_test_drops_empty_levels_and_declines_a_single_level():
    with_empty = categorical_test([[5, 0, 7], [9, 0, 2]])
    assert with_empty.p_value == pytest.approx(categorical_test([[5, 7], [9, 2]]).p_value, rel=1e-12)
    single = categorical_test([[4, 0], [6, 0]])
    assert np.isnan(single.p_value) and single.test is None


def test_summary_formats_follow_the_paper():
    assert summaries.format_n_percent([1, 1, 0, np.nan]) == "2 (66.7)"  # denominator: 3 known values
    # R quantile type 7 of 1..5: Q1 = 2, median 3, Q3 = 4, all whole: no decimals
    assert summaries.format_median_iqr([1, 2, 3, 4, 5]) == "3 (2-4)"
    # of (1, 3, 4, 10): Q1 = 1 + 0.75 x 2 = 2.5, median 3.5, Q3 = 4 + 0.25 x 6 = 5.5
    assert summaries.format_median_iqr([1, 3, 10, 4]) == "3.50 (2.50-5.50)"
    # of (1, 3, 10): Q3 = 3 + 0.5 x 7 = 6.5, so every number gets two decimals
    assert summaries.format_median_iqr([1, 3, 10]) == "3.00 (2.00-6.50)"
    assert summaries.format_mean_sd([1, 2, 3]) == "2.00 (1.00)"
    assert summaries.format_mean_sd([]) == summaries.NOT_AVAILABLE
    assert np.isnan(summaries.smd_binary([1, 1], [1, 1]))  # 0/0
