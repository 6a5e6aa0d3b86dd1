"""E-values of hazard ratios against R EValue 4.1.3 ``evalues.HR`` and its published examples.

Reference values: the arithmetic of ``evalues.HR`` (``toRR.HR``, ``threshold``, ``evalues.RR``)
written out in tests/reference/absolute/make_reference.R (EValue is not in Debian), for HRs below
and above 1, intervals crossing 1 and an HR of exactly 1, each for a rare and a common outcome.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from myoild.stats import evalue_hr, outcome_is_rare

R = json.loads((Path(__file__).parent / "reference" / "absolute" / "reference.json").read_text())


@pytest.mark.parametrize(
    "case", R["evalue"], ids=lambda c: f"{c['hr']}({c['ci_low']},{c['ci_high']})-{'rare' if c['rare'] else 'common'}"
)
def test_evalue_hr_equals_evalue_package_arithmetic(case):
    result = evalue_hr(case["hr"], case["ci_low"], case["ci_high"], rare=case["rare"])
    assert result.point == pytest.approx(case["point"], rel=1e-12)
    assert result.ci == pytest.approx(case["ci"], rel=1e-12)


@pytest.mark.parametrize(
    ("hr", "ci_low", "ci_high", "rare", "point", "ci", "digits"),
    [
        # EValue documentation, ?evalues.HR: evalues.HR(0.56, 0.46, 0.69, rare = FALSE)
        (0.56, 0.46, 0.69, False, 2.349531, 1.9080039, 7),
        # ?evalues.RR, VanderWeele & Ding 2017 (leukemia): RR 0.80 (0.71, 0.91) -> 1.81, 1.43
        (0.80, 0.71, 0.91, True, 1.809017, 1.428571, 6),
        # VanderWeele & Ding 2017, Ann Intern Med 167:268, first example: RR 3.9 (1.8, 8.7)
        (3.9, 1.8, 8.7, True, 7.26, 3.00, 2),
    ],
)
def test_published_examples(hr, ci_low, ci_high, rare, point, ci, digits):
    result = evalue_hr(hr, ci_low, ci_high, rare)
    assert round(result.point, digits) == pytest.approx(point)
    assert round(result.ci, digits) == pytest.approx(ci)


def test_a_protective_and_a_harmful_rare_hr_are_symmetric():
    harmful, protective = evalue_hr(2.5, 1.5, 4.0, True), evalue_hr(1 / 2.5, 1 / 4.0, 1 / 1.5, True)
    assert protective.point == pytest.approx(harmful.point, rel=1e-14)
    assert protective.ci == pytest.approx(harmful.ci, rel=1e-14)


def test_missing_values_give_missing_evalues():
    result = evalue_hr(math.nan, 0.5, 0.9, False)
    assert math.isnan(result.point) and math.isnan(result.ci)
    result = evalue_hr(0.7, 0.5, math.nan, False)
    assert result.point > 1 and math.isnan(result.ci)


def test_extreme_hazard_ratios_have_infinite_evalues():
    assert evalue_hr(0.0, 0.0, 0.5, False).point == math.inf
    assert evalue_hr(math.inf, 2.0, math.inf, False).point == math.inf


@pytest.mark.parametrize(
    ("hr", "ci_low", "ci_high", "message"),
    [(-0.1, -0.2, 0.5, "negative"), (0.8, 0.9, 0.7, "exceeds"), (1.2, 1.3, 1.4, "outside")],
)
def test_impossible_inputs_are_refused(hr, ci_low, ci_high, message):
    with pytest.raises(ValueError, match=message):
        evalue_hr(hr, ci_low, ci_high, True)


def test_outcome_is_rare_below_fifteen_percent_in_every_arm():
    assert outcome_is_rare([0.02, 0.149])
    assert not outcome_is_rare([0.02, 0.15])
    assert not outcome_is_rare([0.3, 0.1])
    assert outcome_is_rare([0.3, 0.1], threshold=0.5)
    for bad in ([], [0.1, math.nan], [1.2]):
        with pytest.raises(ValueError):
            outcome_is_rare(bad)
