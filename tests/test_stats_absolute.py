"""Survival at fixed times, restricted mean survival time and the absolute-effects table against R.

Reference values: R survival 3.5 ``summary(survfit(...), times, extend = TRUE)`` (surv, std.err,
lower, upper) and ``summary(survfit(...), rmean = h)$table[, "rmean"]``, weighted and
unweighted, made by tests/reference/absolute/make_reference.R on the built-in cohort (ATE weights
from glm), ties.csv (times 1..10: 365 lies past the last follow-up; also its near-equal times) and
small sets with an arm without events, follow-up ending before 365 and a curve that drops to 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myoild.absolute_effects import COLUMNS, absolute_effect_rows, outcome_incidence
from myoild.stats import GroupedRmst, restricted_mean, survival_at

REFERENCE = Path(__file__).parent / "reference"
R = json.loads((REFERENCE / "absolute" / "reference.json").read_text())
RTOL = 1e-8
Z95 = 1.959963984540054  # R: qnorm(0.975)


def case_data(case: dict) -> pd.DataFrame:
    if case["file"] is None:
        data = pd.DataFrame(case["data"])
    else:
        data = pd.read_csv(REFERENCE / case["file"], keep_default_na=False, na_values=[""])
    if case["weights"] is not None:
        data["w"] = case["weights"]
    return data


FITS = [(name, fit) for name, case in R["km"].items() for fit in ("unweighted", "weighted") if fit in case]


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rtol, atol=0)


@pytest.mark.parametrize(("name", "fit"), FITS)
def test_survival_at_equals_summary_survfit(name, fit):
    case = R["km"][name]
    expected = case[fit]["survival"]
    ours = survival_at(
        case_data(case),
        case["duration"],
        case["event"],
        "w" if fit == "weighted" else None,
        group=case["group"],
        times=case["times"],
    )
    if case["group"] is not None:
        assert ours[case["group"]].astype(str).tolist() == expected["group"]
    close(ours["time_days"], expected["time"], rtol=0)
    close(ours["survival"], expected["surv"])
    close(ours["std_err"], expected["std_err"])  # NaN where R's is NaN (S = 0, Greenwood)
    close(ours["ci_low"], expected["lower"])
    close(ours["ci_high"], expected["upper"])


@pytest.mark.parametrize(("name", "fit"), FITS)
def test_restricted_mean_equals_survfit_rmean(name, fit):
    case = R["km"][name]
    expected = case[fit]["rmean"]
    data = case_data(case)
    for horizon, values in zip(expected["horizon"], expected["values"]):
        ours = restricted_mean(
            data,
            case["duration"],
            case["event"],
            "w" if fit == "weighted" else None,
            group=case["group"],
            horizon=horizon,
        )
        if case["group"] is not None:
            assert ours[case["group"]].astype(str).tolist() == expected["group"]
        assert (ours["horizon_days"] == horizon).all()
        close(ours["rmst"], values)


@pytest.mark.parametrize("name", [name for name, case in R["km"].items() if case["group"] is None])
def test_array_rmst_equals_survfit_rmean(name):
    case = R["km"][name]
    data = case_data(case)
    time, event = data[case["duration"]].to_numpy(), data[case["event"]].to_numpy()
    for fit, weight in (("unweighted", None), ("weighted", data["w"].to_numpy())):
        expected = case[fit]["rmean"]
        for horizon, values in zip(expected["horizon"], expected["values"]):
            assert GroupedRmst(time, event, horizon).rmst(weight)[0] == pytest.approx(values[0], rel=RTOL)


@pytest.mark.parametrize(
    ("name", "horizon"), [("builtin_relapse", 365), ("ties_near_times", 7), ("short_follow_up", 100)]
)
def test_array_rmst_with_counts_is_the_rmst_of_the_duplicated_rows(name, horizon):
    case = R["km"][name]
    data = case_data(case)
    counts = np.random.default_rng(7).integers(0, 4, len(data))
    duplicated = data.loc[np.repeat(data.index, counts)].reset_index(drop=True)
    time, event = data[case["duration"]].to_numpy(), data[case["event"]].to_numpy()
    for weights in (None, "w"):
        weight = None if weights is None else data[weights].to_numpy()
        expected = restricted_mean(duplicated, case["duration"], case["event"], weights, horizon=horizon)
        ours = GroupedRmst(time, event, horizon).rmst(weight, counts)[0]
        assert ours == pytest.approx(expected["rmst"].iloc[0], rel=1e-12)


def test_whole_weights_are_frequencies():
    """Whole-number weights (Greenwood SE, as R) give the curve of the duplicated rows."""
    case = R["km"]["short_follow_up_whole_weights"]
    data = case_data(case)
    duplicated = data.loc[np.repeat(data.index, data["w"].astype(int))]
    ours = survival_at(duplicated, "time", "event", group="arm", times=case["times"])
    close(ours["survival"], case["weighted"]["survival"]["surv"])
    close(ours["std_err"], case["weighted"]["survival"]["std_err"])


@pytest.mark.parametrize("endpoint", ["death", "relapse"])
@pytest.mark.parametrize("weighted", [True, False])
def test_absolute_effect_rows_equal_r(endpoint, weighted):
    case = R["km"][f"builtin_{endpoint}"]
    data = case_data(case).rename(columns={"w": "weight"})
    data["arm"] = data["treated"].map({1: "tacrolimus", 0: "conventional"})
    if not weighted:
        data = data.drop(columns="weight")
    table = absolute_effect_rows(data, "retrospective", "tacrolimus_vs_conventional", endpoint, weighted)
    assert list(table.columns) == COLUMNS
    assert table["measure"].tolist() == ["survival"] * 3 + ["rmst"] * 3
    assert table["group"].tolist() == ["tacrolimus", "conventional", "difference"] * 2
    assert (table["weighted"] == weighted).all() and (table["horizon_days"] == 365).all()
    assert (table["endpoint"] == endpoint).all()

    r = case["weighted" if weighted else "unweighted"]
    at = pd.DataFrame(r["survival"])
    at = at[at["time"] == 365].set_index("group")
    s1, s0 = at.loc["1"], at.loc["0"]
    survival = table[table["measure"] == "survival"]
    close(survival["estimate"].iloc[:2], [s1["surv"], s0["surv"]])
    close(survival["se"].iloc[:2], [s1["std_err"], s0["std_err"]])
    close(survival["ci_low"].iloc[:2], [s1["lower"], s0["lower"]])
    close(survival["ci_high"].iloc[:2], [s1["upper"], s0["upper"]])
    difference = s1["surv"] - s0["surv"]
    se = math.sqrt(s1["std_err"] ** 2 + s0["std_err"] ** 2)
    close(
        survival.iloc[2][["estimate", "se", "ci_low", "ci_high"]],
        [difference, se, difference - Z95 * se, difference + Z95 * se],
    )

    rmean = dict(zip(r["rmean"]["group"], r["rmean"]["values"][0]))
    rmst_rows = table[table["measure"] == "rmst"]
    close(rmst_rows["estimate"], [rmean["1"], rmean["0"], rmean["1"] - rmean["0"]])
    assert rmst_rows[["se", "ci_low", "ci_high"]].isna().all().all()

    incidence = outcome_incidence(data, endpoint, weighted)
    assert incidence.index.tolist() == ["tacrolimus", "conventional"]
    close(incidence, [1 - s1["surv"], 1 - s0["surv"]])


def test_invalid_horizon_and_times_are_refused():
    data = case_data(R["km"]["no_events"])
    with pytest.raises(ValueError, match="horizon"):
        restricted_mean(data, "time", "event", horizon=0)
    with pytest.raises(ValueError, match="horizon"):
        GroupedRmst(data["time"], data["event"], math.inf)
    with pytest.raises(ValueError, match="times"):
        survival_at(data, "time", "event", times=[-1])
    with pytest.raises(ValueError, match="one arm"):
        absolute_effect_rows(data.assign(treated=1), "c", "x", "y", False)


def test_grouped_rmst_equals_restricted_mean_per_group():
    case = R["km"]["builtin_relapse"]
    data = case_data(case)
    groups = data["treated"].to_numpy()
    counts = np.random.default_rng(3).integers(0, 3, len(data))
    duplicated = data.loc[np.repeat(data.index, counts)].reset_index(drop=True)
    model = GroupedRmst(data[case["duration"]], data[case["event"]], 365, groups)
    for weights in (None, "w"):
        weight = None if weights is None else data[weights].to_numpy()
        expected = restricted_mean(duplicated, case["duration"], case["event"], weights, group="treated", horizon=365)
        np.testing.assert_allclose(model.rmst(weight, counts), expected["rmst"], rtol=1e-12)
