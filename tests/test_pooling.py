"""myoild.stats.rubin_pool against R mice 3.15 (tests/reference/pooling/reference.json, made by
make_reference.R beside it): pool.scalar with mice's summary/confint on hand-made estimates, and
mice::pool of weighted robust coxph fits, whose complete-data df is the number of events - 1."""

import json
import math
from pathlib import Path

import pytest

from myoild.stats import rubin_pool

REFERENCE = json.loads((Path(__file__).parent / "reference" / "pooling" / "reference.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cases"]}
RTOL = 1e-12
FIELDS = {
    "estimate": "estimate",
    "within": "ubar",
    "between": "b",
    "total": "t",
    "se": "std_error",
    "df": "df",
    "riv": "riv",
    "lambda_": "lambda",
    "fmi": "fmi",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "p_value": "p_value",
}


def _dfcom(case: dict) -> float:
    if case["kind"] == "coxph":  # what mice's get.dfcom takes for a coxph fit
        return case["nevent"] - case["n_coefficients"]
    return math.inf if case["pooled"]["dfcom"] is None else case["pooled"]["dfcom"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_rubin_pool_equals_mice(name):
    case = CASES[name]
    pooled = rubin_pool(case["estimates"], case["variances"], dfcom=_dfcom(case), conf_level=case["conf_level"])
    assert pooled.m == len(case["estimates"])
    for ours, theirs in FIELDS.items():
        assert getattr(pooled, ours) == pytest.approx(case["pooled"][theirs], rel=RTOL, abs=1e-300), ours


def test_coxph_dfcom_is_events_minus_coefficients():
    """The rule documented in myoild.stats.pooling, as mice applied it to the R fits."""
    case = CASES["coxph_weighted_robust"]
    assert case["pooled"]["dfcom"] == case["nevent"] - 1


def test_the_reference_covers_the_edge_cases():
    between = [case["pooled"]["b"] for case in CASES.values()]
    assert 0.0 in between  # identical estimates: lambda floored inside the df formula
    assert any(case["pooled"]["dfcom"] is None for case in CASES.values())
    assert {len(case["estimates"]) for case in CASES.values()} >= {2, 20}
    assert max(case["pooled"]["fmi"] for case in CASES.values()) > 0.5


@pytest.mark.parametrize(
    ("estimates", "variances", "dfcom"),
    [
        ([0.1], [0.01], math.inf),
        ([0.1, 0.2], [0.01], math.inf),
        ([0.1, 0.2], [0.01, 0.0], 10),
        ([0.1, 0.2], [0.01, 0.01], 0),
    ],
)
def test_rubin_pool_refuses_what_it_cannot_pool(estimates, variances, dfcom):
    with pytest.raises(ValueError):
        rubin_pool(estimates, variances, dfcom=dfcom)
