"""myoild.stats.nonparametric against R (fixtures from tests/reference/prospective/make_reference.R)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from myoild.stats.nonparametric import EXACT, NORMAL_CC, fisher_exact_p, mann_whitney, wilcoxon_signed_rank

REFERENCE = json.loads((Path(__file__).parent / "reference" / "prospective" / "nonparametric.json").read_text())
#: jsonlite stores 15 significant digits.
RTOL = 1e-12


def _values(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _check(result, case):
    if case["p_value"] is None:
        assert math.isnan(result.p_value)
        assert result.method is None
        return
    assert result.p_value == pytest.approx(case["p_value"], rel=RTOL, abs=0)
    assert result.statistic == pytest.approx(case["statistic"], rel=RTOL)
    assert result.method == case["method"]


@pytest.mark.parametrize("name", sorted(REFERENCE["wilcoxon_signed_rank"]))
def test_signed_rank_matches_r(name):
    case = REFERENCE["wilcoxon_signed_rank"][name]
    _check(wilcoxon_signed_rank(_values(case["x"]), _values(case["y"])), case)


@pytest.mark.parametrize("name", sorted(REFERENCE["mann_whitney"]))
def test_mann_whitney_matches_r(name):
    case = REFERENCE["mann_whitney"][name]
    _check(mann_whitney(_values(case["x"]), _values(case["y"])), case)


@pytest.mark.parametrize("name", sorted(REFERENCE["fisher"]))
def test_fisher_matches_r(name):
    case = REFERENCE["fisher"][name]
    assert fisher_exact_p(case["table"]) == pytest.approx(case["p_value"], rel=RTOL)


def test_fixtures_cover_every_variant():
    methods = {c["method"] for c in REFERENCE["wilcoxon_signed_rank"].values()}
    methods |= {c["method"] for c in REFERENCE["mann_whitney"].values()}
    assert methods == {EXACT, NORMAL_CC, None}


def test_signed_rank_by_hand():
    # 5 positive differences: V = 1+2+3+4+5 = 15, the largest of 2^5 equally likely sign patterns,
    # two-sided exact p = 2/32.
    result = wilcoxon_signed_rank([2, 4, 6, 8, 10], [1, 2, 3, 4, 5])
    assert (result.statistic, result.p_value, result.method) == (15.0, 0.0625, EXACT)


def test_signed_rank_zero_difference_switches_to_normal_approximation():
    # differences 1, 2, 3, 0: the zero is dropped (n = 3, V = 6, mean 3, variance 3*4*7/24 = 3.5)
    # and R then uses z = (6 - 3 - 0.5) / sqrt(3.5).
    result = wilcoxon_signed_rank([1, 2, 3, 5], [0, 0, 0, 5])
    z = 2.5 / math.sqrt(3.5)
    assert result.method == NORMAL_CC
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)


def test_mann_whitney_by_hand():
    # x all below y (3 and 4 values): W = 0, P(W <= 0) = 1 / C(7, 3) = 1/35, two-sided 2/35.
    result = mann_whitney([1, 2, 3], [4, 5, 6, 7])
    assert (result.statistic, result.method) == (0.0, EXACT)
    assert result.p_value == pytest.approx(2 / 35, rel=1e-14)


def test_fisher_by_hand_with_a_group_without_events():
    # 0/3 vs 2/3: margins 3, 3 and 2, 4; P(first cell = 0, 1, 2) = 3/15, 9/15, 3/15; the observed
    # 0 is as likely as 2, so p = 6/15.
    assert fisher_exact_p([[0, 3], [2, 1]]) == pytest.approx(0.4, rel=1e-14)
