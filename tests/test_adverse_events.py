"""tables/adverse_events.tsv on hand-made events."""

import math

import pandas as pd
import pytest

from myoild.adverse_events import ADVERSE_EVENT_COLUMNS, adverse_event_table, adverse_event_window_counts
from myoild.figures.adverse_events import adverse_event_chart

INDEX = pd.Timestamp("2020-01-01")


@pytest.fixture(scope="module")
def tables():
    ids = ["T1", "T2", "T3", "P1", "P2", "X1", "R1", "R2", "C1", "C2", "C3"]
    analysis_set = pd.DataFrame(
        {
            "patient_id": ids,
            "cohort": ["prospective"] * 6 + ["retrospective"] * 5,
            "included": [True] * 5 + [False] + [True] * 5,
            "group": ["tacrolimus"] * 3
            + ["tacrolimus+pirfenidone"] * 2
            + [None]
            + ["tacrolimus"] * 2
            + ["conventional"] * 3,
        }
    )
    patients = pd.DataFrame({"patient_id": ids, "index_date": [INDEX] * len(ids)})
    rows = [
        # patient, day, category, grade, serious, led to discontinuation
        ("T1", 10, "opportunistic_infection", 3, True, False),
        ("T1", 40, "opportunistic_infection", 2, False, False),
        ("T2", 100, "opportunistic_infection", 1, False, False),
        ("T3", 365, "hepatic", 4, True, True),  # last day of the window: counts
        ("T3", 366, "hepatic", 2, False, False),  # after the window
        ("P1", 0, "gastrointestinal", 1, False, False),  # index day: counts
        ("P2", -1, "other", 1, False, False),  # before treatment
        ("X1", 5, "opportunistic_infection", 3, True, True),  # excluded patient
        ("C1", 30, "other_infection", 2, False, False),
        ("C2", 50, "other_infection", 3, False, True),
    ]
    events = pd.DataFrame(
        rows, columns=["patient_id", "day", "category", "ctcae_grade", "serious", "led_to_discontinuation"]
    )
    events["onset_date"] = INDEX + pd.to_timedelta(events.pop("day"), unit="D")
    events["term"] = "term"
    events["ctcae_grade"] = events["ctcae_grade"].astype("Int64")
    for column in ("serious", "led_to_discontinuation"):
        events[column] = events[column].astype("boolean")
    return events, analysis_set, patients


@pytest.fixture(scope="module")
def table(tables):
    return adverse_event_table(*tables).set_index(["cohort", "category", "group"])


def test_columns_and_complete_grid(tables):
    result = adverse_event_table(*tables)
    assert tuple(result.columns[: len(ADVERSE_EVENT_COLUMNS)]) == ADVERSE_EVENT_COLUMNS
    # 2 cohorts x (9 categories + any) x 2 groups
    assert len(result) == 40
    assert result["cohort"].iloc[0] == "retrospective" and result["category"].iloc[-1] == "any"


def test_opportunistic_infections_by_hand(table):
    tacrolimus = table.loc[("prospective", "opportunistic_infection", "tacrolimus")]
    assert (tacrolimus["patients_with_event"], tacrolimus["patients_at_risk"], tacrolimus["events"]) == (2, 3, 3)
    assert tacrolimus["percent"] == pytest.approx(200 / 3)
    assert (tacrolimus["grade3plus"], tacrolimus["serious"], tacrolimus["led_to_discontinuation"]) == (1, 1, 0)
    combination = table.loc[("prospective", "opportunistic_infection", "tacrolimus+pirfenidone")]
    assert (combination["patients_with_event"], combination["patients_at_risk"], combination["percent"]) == (0, 2, 0)
    # 2/3 vs 0/2: margins 3, 2 (rows) and 2, 3 (columns); P(first cell = 0, 1, 2) = 0.1, 0.6, 0.3;
    # the observed 2 (0.3) and 0 (0.1) are at most as likely: p = 0.4
    assert tacrolimus["p_fisher"] == pytest.approx(0.4, rel=1e-12)
    assert combination["p_fisher"] == tacrolimus["p_fisher"]


def test_group_without_event_in_the_retrospective_cohort(table):
    # 0/2 tacrolimus vs 2/3 conventional: P(first cell = 0, 1, 2) = 0.3, 0.6, 0.1 -> p = 0.4
    row = table.loc[("retrospective", "other_infection", "tacrolimus")]
    assert (row["patients_with_event"], row["events"], row["p_fisher"]) == (0, 0, pytest.approx(0.4, rel=1e-12))
    conventional = table.loc[("retrospective", "other_infection", "conventional")]
    assert (conventional["grade3plus"], conventional["led_to_discontinuation"]) == (1, 1)


def test_window_and_no_events(table):
    hepatic = table.loc[("prospective", "hepatic", "tacrolimus")]
    assert (hepatic["events"], hepatic["grade3plus"], hepatic["serious"], hepatic["led_to_discontinuation"]) == (
        1,
        1,
        1,
        1,
    )
    assert table.loc[("prospective", "other", "tacrolimus+pirfenidone"), "events"] == 0
    rows = table.reset_index()
    prospective = rows[rows["cohort"].eq("prospective")].set_index("category")
    none = prospective.loc["renal"]
    assert (none["events"] == 0).all() and (none["p_fisher"] == 1.0).all()
    anything = prospective.loc["any"]
    assert anything["patients_with_event"].tolist() == [3, 1] and anything["events"].tolist() == [4, 1]


def test_no_events_at_all(tables):
    events, analysis_set, patients = tables
    result = adverse_event_table(events.iloc[0:0], analysis_set, patients)
    assert len(result) == 40 and (result["events"] == 0).all() and (result["p_fisher"] == 1.0).all()
    assert not math.isnan(result["percent"].iloc[0])


def test_window_counts(tables):
    counts = adverse_event_window_counts(*tables).set_index("cohort")
    assert counts.loc["prospective"].tolist() == [5, 2]
    assert counts.loc["retrospective"].tolist() == [2, 0]


def test_chart(tables, tmp_path):
    paths = adverse_event_chart(adverse_event_table(*tables), tmp_path / "adverse_events")
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in paths)
