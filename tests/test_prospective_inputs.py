"""The prospective-cohort stages read only their cohort's rows and the columns they use (registry scale).

Rules scales, glucocorticoids and hrct_deltas read the prospective rows of the analysis set's
declared columns (``ANALYSIS_COLUMNS``); rule scales reads of the visits the declared columns of the
rows of the analysed patients (``scales.read_cohort_inputs``), rule hrct_deltas the declared columns
of every score. Rule adverse_events, which tabulates both cohorts, reads every row but only the
declared columns. Each test builds the stage's table from those reads, as its script does, and
from the whole files, as the script did before: the two must be equal. A column a stage uses but
its list lacks is a KeyError here; rows chosen wrongly give another table. On the built-in cohort
under the paper's design and under a changed one, and on its retrospective patients alone (no
HRCT reads, so a scores file without rows).
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_registry_scale import validated  # noqa: F401 (the built-in cohort's validated tables)

from myoild import adverse_events, glucocorticoids, hrct, scales
from myoild.derive import derive_cohort
from myoild.design import PAPER, StudyDesign
from myoild.tabular import read_analysis_columns, write_parquet

#: A shorter treatment window moves patients to the other group and out of the analysis; a
#: shorter follow-up leaves more adverse events outside the window.
CHANGED = StudyDesign(followup_days=180, treatment_window_days=14)


@pytest.fixture(scope="module", params=["paper_design", "changed_design", "no_prospective_patients"])
def files(request, validated, tmp_path_factory):  # noqa: F811 (the imported fixture)
    """The built-in cohort's files as the workflow writes them: the validated tables, the analysis
    set and tables/hrct_scores.parquet; the design, and whether there are prospective patients."""
    folder = tmp_path_factory.mktemp(request.param)
    design = CHANGED if request.param == "changed_design" else PAPER
    prospective = request.param != "no_prospective_patients"
    if not prospective:
        patients = validated["patients"]
        retrospective = patients.loc[patients["cohort"].eq("retrospective"), "patient_id"]
        validated = {name: table[table["patient_id"].isin(retrospective)] for name, table in validated.items()}
    for name, table in validated.items():
        write_parquet(table, folder / f"{name}.parquet")
    write_parquet(derive_cohort(validated, design).analysis_set, folder / "analysis_set.parquet")
    write_parquet(hrct.hrct_scores(validated["hrct_reads"]), folder / "hrct_scores.parquet")
    return folder, design, prospective


def whole(folder, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def prospective_inputs(folder, analysis_columns, name: str, columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The analysis set and the table ``name`` as ``read_cohort_inputs`` reads them, checked to be
    only the analysed prospective patients' rows and the declared columns."""
    analysis_set, tables = scales.read_cohort_inputs(
        "prospective", folder / "analysis_set.parquet", analysis_columns, {name: (folder / f"{name}.parquet", columns)}
    )
    everyone = whole(folder, "analysis_set")
    analysed = scales.analysed_patients(everyone, "prospective")["patient_id"]
    assert len(analysis_set) == everyone["cohort"].eq("prospective").sum()
    assert list(analysis_set.columns) == list(dict.fromkeys(analysis_columns))
    assert set(tables[name]["patient_id"]) == set(whole(folder, name)["patient_id"]) & set(analysed)
    assert list(tables[name].columns) == list(columns)
    return analysis_set, tables[name]


def prospective_analysis_set(folder, columns) -> pd.DataFrame:
    analysis_set = read_analysis_columns(folder / "analysis_set.parquet", columns, "prospective")
    assert set(analysis_set["cohort"]) <= {"prospective"}
    return analysis_set


def test_scales_of_the_prospective_rows_and_declared_columns_equal_scales_of_the_whole_tables(files):
    folder, design, prospective = files
    analysis_set, visits = prospective_inputs(folder, scales.ANALYSIS_COLUMNS, "visits", scales.VISIT_COLUMNS)
    expected = scales.scale_summary(whole(folder, "visits"), whole(folder, "analysis_set"), design)
    assert expected["n"].gt(0).any() == expected["p_between_groups"].notna().any() == prospective
    pd.testing.assert_frame_equal(scales.scale_summary(visits, analysis_set, design), expected)


def test_glucocorticoids_of_the_prospective_rows_and_declared_columns_equal_those_of_the_whole_analysis_set(files):
    folder, design, prospective = files
    analysis_set = prospective_analysis_set(folder, glucocorticoids.ANALYSIS_COLUMNS)
    expected = glucocorticoids.glucocorticoid_sparing(whole(folder, "analysis_set"), design)
    assert expected["n"].gt(0).all() == prospective
    pd.testing.assert_frame_equal(glucocorticoids.glucocorticoid_sparing(analysis_set, design), expected)


def test_hrct_deltas_of_the_prospective_rows_and_declared_columns_equal_those_of_the_whole_tables(files):
    folder, design, prospective = files
    analysis_set = prospective_analysis_set(folder, hrct.ANALYSIS_COLUMNS)
    scores = pd.read_parquet(folder / "hrct_scores.parquet", columns=list(hrct.SCORE_COLUMNS))
    expected = hrct.hrct_deltas(whole(folder, "hrct_scores"), whole(folder, "analysis_set"), design)
    assert expected[0]["n"].gt(0).all() == expected[1]["n"].gt(0).any() == prospective
    for read, full in zip(hrct.hrct_deltas(scores, analysis_set, design), expected):
        pd.testing.assert_frame_equal(read, full)


def test_adverse_events_of_the_declared_columns_equal_those_of_the_whole_tables(files):
    folder, design, prospective = files
    read = (
        pd.read_parquet(folder / "adverse_events.parquet", columns=list(adverse_events.EVENT_COLUMNS)),
        read_analysis_columns(folder / "analysis_set.parquet", adverse_events.ANALYSIS_COLUMNS),
        pd.read_parquet(folder / "patients.parquet", columns=list(adverse_events.PATIENT_COLUMNS)),
    )
    full = (whole(folder, "adverse_events"), whole(folder, "analysis_set"), whole(folder, "patients"))
    expected = adverse_events.adverse_event_table(*full, design)
    assert expected.groupby("cohort")["events"].sum().gt(0).to_dict() == {
        "prospective": prospective,
        "retrospective": True,
    }
    pd.testing.assert_frame_equal(adverse_events.adverse_event_table(*read, design), expected)
    pd.testing.assert_frame_equal(
        adverse_events.adverse_event_window_counts(*read, design.followup_days),
        adverse_events.adverse_event_window_counts(*full, design.followup_days),
    )
