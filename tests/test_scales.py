"""tables/scales.tsv on hand-made visits, checked by hand and against R (make_reference.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from myoild.contract import SCALES, SCHEDULED_VISITS
from myoild.design import PAPER
from myoild.figures.scales import scale_boxplots, scale_group_panels, significance_label
from myoild.scales import SCALE_SUMMARY_COLUMNS, scale_summary

REFERENCE = Path(__file__).parent / "reference" / "prospective"
INTEGER_SCALES = ("mmrc", "hama", "hamd")


def _visits(rows: pd.DataFrame) -> pd.DataFrame:
    """Normalised visits (contract dtypes) from rows holding patient_id, visit and some scales."""
    visits = rows.copy()
    order = visits.groupby("patient_id").cumcount()
    visits["visit_date"] = pd.Timestamp("2019-01-07") + pd.to_timedelta(order * 30, unit="D")
    visits["symptom_exacerbation"] = pd.array([False] * len(visits), dtype="boolean")
    visits["respiratory_exacerbation"] = pd.array([False] * len(visits), dtype="boolean")
    for scale in SCALES:
        dtype = "Int64" if scale in INTEGER_SCALES else "float64"
        visits[scale] = visits[scale].astype(dtype) if scale in visits else pd.array([None] * len(visits), dtype=dtype)
    return visits


@pytest.fixture(scope="module")
def tiny():
    """scales_tiny.csv (T2 has no m3 visit, T3 no baseline 6MWT) plus rows that must not count."""
    rows = pd.read_csv(REFERENCE / "scales_tiny.csv")
    analysis_set = rows[["patient_id", "group"]].drop_duplicates().assign(cohort="prospective", included=True)
    noise = pd.DataFrame(
        {
            # an unscheduled visit, a second m1 dated after P1's first one, an excluded patient and
            # a retrospective patient: none of these may change the summary
            "patient_id": ["T1", "P1", "X1", "X1", "R1", "R1"],
            "visit": ["unscheduled", "m1", "baseline", "m1", "baseline", "m1"],
            "six_mwt_m": [999.0, 999.0, 10.0, 999.0, 10.0, 999.0],
            "mmrc": [0, 0, 4, 0, 4, 0],
        }
    )
    visits = _visits(pd.concat([rows.drop(columns="group"), noise], ignore_index=True))
    visits = visits.sort_values(["patient_id", "visit_date"], kind="mergesort").reset_index(drop=True)
    others = pd.DataFrame(
        {
            "patient_id": ["X1", "R1"],
            "group": ["tacrolimus", "tacrolimus"],
            "cohort": ["prospective", "retrospective"],
            "included": [False, True],
        }
    )
    analysis_set = pd.concat([analysis_set, others], ignore_index=True)
    analysis_set["included"] = analysis_set["included"].astype(bool)
    return visits, analysis_set


@pytest.fixture(scope="module")
def summary(tiny):
    return scale_summary(*tiny).set_index(["group", "scale", "visit"])


def test_columns_order_and_grid(tiny):
    table = scale_summary(*tiny)
    assert tuple(table.columns[: len(SCALE_SUMMARY_COLUMNS)]) == SCALE_SUMMARY_COLUMNS
    expected = pd.MultiIndex.from_product([PAPER.groups["prospective"] + ("all",), SCALES, SCHEDULED_VISITS])
    assert list(table.set_index(["group", "scale", "visit"]).index) == list(expected)
    unassessed = table[table["scale"].eq("hama")]
    assert (unassessed["n"] == 0).all() and unassessed["median"].isna().all()


def test_matches_r(summary):
    expected = pd.DataFrame(json.loads((REFERENCE / "scales_tiny.json").read_text()))
    columns = ["n", "median", "q1", "q3", "p_vs_baseline", "p_vs_baseline_adj", "p_between_groups"]
    columns.append("p_between_groups_change")
    got = summary.loc[pd.MultiIndex.from_frame(expected[["group", "scale", "visit"]]), columns]
    np.testing.assert_allclose(got.to_numpy(dtype=float), expected[columns].to_numpy(dtype=float), rtol=1e-12)


def test_missing_visit_and_missing_baseline_by_hand(summary):
    # tacrolimus 6MWT at baseline: T1 300, T2 250, T3 missing, T4 280 -> n 3, median 280,
    # q1 = 250 + 0.5 * (280 - 250) = 265 (type 7: position 1 + 0.25 * 2).
    row = summary.loc[("tacrolimus", "six_mwt_m", "baseline")]
    assert (row["n"], row["median"], row["q1"], row["q3"]) == (3, 280.0, 265.0, 290.0)
    # m3: T2 has no m3 visit and T3 no baseline value, so the pairs are T1 (+50) and T4 (+10):
    # V = 1 + 2 = 3, the largest of 4 sign patterns, exact p = 2 * 1/4.
    row = summary.loc[("tacrolimus", "six_mwt_m", "m3")]
    assert (row["n"], row["n_paired"], row["p_vs_baseline"], row["p_vs_baseline_method"]) == (3, 2, 0.5, "exact")
    # Bonferroni over the 4 post-baseline visits of that group and scale
    assert row["p_vs_baseline_adj"] == min(1.0, 4 * 0.5)
    # m6 differences +80, +50, +50 are tied: normal approximation
    assert summary.loc[("tacrolimus", "six_mwt_m", "m6"), "p_vs_baseline_method"] == "normal_cc"


def test_noise_rows_are_ignored(summary):
    assert summary["max"].max() < 999
    # all patients at m1: T1-T4 and P1-P5 once each
    assert summary.loc[("all", "six_mwt_m", "m1"), "n"] == 9


def test_between_groups_only_on_group_rows(summary):
    all_rows = summary.xs("all", level="group")
    assert all_rows["p_between_groups"].isna().all() and all_rows["p_between_groups_change"].isna().all()
    # 6MWT at m12: tacrolimus 400, 330, 310, 360 vs pirfenidone 420, 350, 455, 380, 401. W = number
    # of pairs with x > y = 2 (400) + 1 (360) = 3. Of the C(9, 4) = 126 rank patterns, U <= 3 in
    # 1 + 1 + 2 + 3 = 7 (U = 0, 1, 2, 3), so the exact two-sided p = 2 * 7 / 126 = 1/9.
    row = summary.loc[("tacrolimus", "six_mwt_m", "m12")]
    assert row["p_between_groups_method"] == "exact"
    assert row["p_between_groups"] == pytest.approx(1 / 9, rel=1e-12)
    assert np.isnan(summary.loc[("tacrolimus", "six_mwt_m", "baseline"), "p_between_groups_change"])


def test_figures_are_written_and_deterministic(tiny, tmp_path):
    table = scale_summary(*tiny)
    for draw in (scale_boxplots, scale_group_panels):
        first = draw(table, tmp_path / "a" / draw.__name__)
        second = draw(table, tmp_path / "b" / draw.__name__)
        assert [p.suffix for p in first] == [".png", ".pdf"]
        assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second))
    assert [significance_label(p) for p in (0.2, 0.04, 0.009, 0.0009, 0.00001, float("nan"))] == [
        "ns",
        "*",
        "**",
        "***",
        "****",
        "",
    ]
