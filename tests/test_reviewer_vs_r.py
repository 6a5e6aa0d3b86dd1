"""The pipeline's reviewer analyses on the built-in cohort, through its own path (files ->
validation -> derivation -> contrast weights -> survival tables), against R: cox.zph
(tests/reference/zph), finegray + coxph (tests/reference/competing), survfit at 365 days and its
rmean (tests/reference/absolute), and EValue's arithmetic on R's hazard ratio and incidence."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from test_builtin_vs_r import CONTRAST, analysis_set, pipeline  # noqa: F401 (the module-scoped fixtures)

REFERENCE = Path(__file__).parent / "reference"
RTOL = 1e-8


def load(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


@pytest.mark.parametrize("endpoint", ["death", "relapse"])
@pytest.mark.parametrize(("model", "weighted"), [("cox_iptw", True), ("cox_unadjusted", False)])
def test_ph_tests_equal_cox_zph(pipeline, endpoint, model, weighted):  # noqa: F811
    _, results = pipeline
    ours = results.ph_tests.set_index(["endpoint", "model"]).loc[(endpoint, model)]
    r = next(
        item
        for item in load("zph/reference.json")["models"]
        if item["data"] == f"builtin_{endpoint}" and item["ties"] == "efron" and item["weighted"] == weighted
    )
    assert ours["chisq"] == pytest.approx(r["chisq"], rel=RTOL)
    assert ours["p_value"] == pytest.approx(r["p"], rel=RTOL)
    assert ours["df"] == r["df"] and ours["note"] == ""


@pytest.mark.parametrize(("model", "key"), [("fine_gray_iptw", "weighted_efron"), ("fine_gray_unadjusted", "unweighted_efron")])
def test_fine_gray_rows_equal_finegray_coxph(pipeline, model, key):  # noqa: F811
    _, results = pipeline
    ours = results.models.set_index("model").loc[model]
    r = load("competing/reference.json")["builtin"]["fine_gray"]["relapse"][key]
    for column, name in (("hr", "hr"), ("ci_low", "ci_low"), ("ci_high", "ci_high"), ("se_log_hr", "se"), ("p_value", "p")):
        assert ours[column] == pytest.approx(r[name], rel=1e-6), column
    assert ours["logrank_p"] == pytest.approx(r["robscore_p"], rel=1e-6)
    assert ours["events"] == r["nevent"] and ours["endpoint"] == "relapse"


@pytest.mark.parametrize("endpoint", ["death", "relapse"])
def test_absolute_effects_equal_survfit_at_the_horizon(pipeline, endpoint):  # noqa: F811
    _, results = pipeline
    absolute = results.absolute
    r = load("absolute/reference.json")["km"][f"builtin_{endpoint}"]["weighted"]
    ours = absolute[absolute["weighted"].astype(bool) & (absolute["endpoint"] == endpoint)].set_index(["measure", "group"])
    survival = r["survival"]
    at_horizon = {
        g: i for i, (g, t) in enumerate(zip(survival["group"], survival["time"])) if t == 365
    }  # group "1" tacrolimus, "0" conventional
    for group, code in (("tacrolimus", "1"), ("conventional", "0")):
        i = at_horizon[code]
        assert ours.loc[("survival", group), "estimate"] == pytest.approx(survival["surv"][i], rel=RTOL)
        assert ours.loc[("survival", group), "se"] == pytest.approx(survival["std_err"][i], rel=RTOL)
        assert ours.loc[("survival", group), "ci_low"] == pytest.approx(survival["lower"][i], rel=RTOL)
        rmean = dict(zip(r["rmean"]["group"], r["rmean"]["values"][r["rmean"]["horizon"].index(365)]))
        assert ours.loc[("rmst", group), "estimate"] == pytest.approx(rmean[code], rel=RTOL)
    difference = ours.loc[("survival", "difference")]
    s1, s0 = (survival["surv"][at_horizon[c]] for c in ("1", "0"))
    e1, e0 = (survival["std_err"][at_horizon[c]] for c in ("1", "0"))
    assert difference["estimate"] == pytest.approx(s1 - s0, rel=RTOL)
    assert difference["se"] == pytest.approx(math.hypot(e1, e0), rel=RTOL)
    assert difference["ci_high"] - difference["ci_low"] == pytest.approx(2 * 1.959963984540054 * math.hypot(e1, e0), rel=1e-9)


def evalue_by_hand(hr: float, low: float, high: float, rare: bool) -> tuple[float, float]:
    """EValue::evalues.HR's arithmetic (VanderWeele & Ding 2017; VanderWeele 2020)."""

    def rr(value):
        return value if rare else (1 - 0.5 ** math.sqrt(value)) / (1 - 0.5 ** math.sqrt(1 / value))

    def e(value):
        value = 1 / value if value < 1 else value
        return value + math.sqrt(value * (value - 1))

    point = e(rr(hr))
    limit = high if hr < 1 else low
    return point, 1.0 if low <= 1 <= high else e(rr(limit))


@pytest.mark.parametrize("endpoint", ["death", "relapse"])
def test_e_values_follow_evalue_on_r_numbers(pipeline, endpoint):  # noqa: F811
    _, results = pipeline
    ours = results.models.set_index(["endpoint", "model"]).loc[(endpoint, "cox_iptw")]
    cox = load(f"builtin_{endpoint}.json")["cox"]["efron_weighted"]
    survival = load("absolute/reference.json")["km"][f"builtin_{endpoint}"]["weighted"]["survival"]
    incidence = [1 - s for s, t in zip(survival["surv"], survival["time"]) if t == 365]
    rare = all(value < 0.15 for value in incidence)
    point, ci = evalue_by_hand(cox["hr"], cox["ci_low"], cox["ci_high"], rare)
    assert bool(ours["outcome_rare"]) is rare
    assert ours["e_value"] == pytest.approx(point, rel=1e-8)
    assert ours["e_value_ci"] == pytest.approx(ci, rel=1e-8)
    assert np.isfinite(ours["e_value"]) and ours["e_value"] > 1
