"""myoild.stats.agreement against R psych (fixtures from tests/reference/prospective/make_reference.R)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from myoild.stats.agreement import icc_absolute_agreement, weighted_kappa

REFERENCE = json.loads((Path(__file__).parent / "reference" / "prospective" / "agreement.json").read_text())
RTOL = 1e-12
GRADES = range(5)


@pytest.mark.parametrize("name", sorted(REFERENCE["icc"]))
def test_icc_matches_psych(name):
    case = REFERENCE["icc"][name]
    result = icc_absolute_agreement(np.array(case["ratings"], dtype=float))
    for field in ("icc", "ci_low", "ci_high", "f_value", "p_value"):
        assert getattr(result, field) == pytest.approx(case[field], rel=1e-10), field


@pytest.mark.parametrize("name", sorted(REFERENCE["weighted_kappa"]))
@pytest.mark.parametrize("weighting", ["linear", "quadratic"])
def test_weighted_kappa_matches_psych(name, weighting):
    case = REFERENCE["weighted_kappa"][name]
    assert weighted_kappa(case["a"], case["b"], GRADES, weighting) == pytest.approx(case[weighting], rel=RTOL)


def test_icc_by_hand():
    # subjects (2, 4), (4, 6), (6, 8): reader 2 always 2 higher. Grand mean 5; row means 3, 5, 7
    # -> MSR = 2 * (4 + 0 + 4) / 2 = 8; column means 4, 6 -> MSC = 3 * (1 + 1) / 1 = 6; MSE = 0.
    # ICC = 8 / (8 + 0 + 2 * 6 / 3) = 8 / 12.
    result = icc_absolute_agreement([[2, 4], [4, 6], [6, 8]])
    assert result.icc == pytest.approx(2 / 3, rel=1e-14)


def test_icc_undefined_without_variation():
    result = icc_absolute_agreement([[0, 0], [0, 0], [0, 0]])
    assert math.isnan(result.icc) and math.isnan(result.ci_low)


def test_kappa_reader_two_grades_apart_by_hand():
    # 4 lobes graded 0, 1, 2, 3 by reader A; reader B agrees except 3 -> 1 (two grades apart).
    # Observed linear disagreement: (2/4) / 4 = 1/8. Margins: A = 1/4 on each of 0..3,
    # B = (1/4, 1/2, 1/4) on 0..2. Expected = (1/4) * sum_i sum_j b_j |i - j| / 4 with the inner
    # sums 1, 0.5, 1, 2 for i = 0..3 -> 4.5 / 16 = 9/32. kappa = 1 - (1/8) / (9/32) = 5/9.
    kappa = weighted_kappa([0, 1, 2, 3], [0, 1, 2, 1], GRADES, "linear")
    assert kappa == pytest.approx(5 / 9, rel=1e-14)


def test_kappa_perfect_and_degenerate():
    assert weighted_kappa([0, 2, 4], [0, 2, 4], GRADES) == 1.0
    assert math.isnan(weighted_kappa([1, 1], [1, 1], GRADES))
    with pytest.raises(ValueError):
        weighted_kappa([0, 5], [0, 1], GRADES)
