"""The analysis set's shape and the patient flow: counts add up, and a lost patient fails loudly."""

import pandas as pd
import pytest
from test_derive_builders import make_tables, medication, patient

from myoild.derive import ANALYSIS_SET_COLUMNS, FlowError, check_flow, derive_cohort, site_flow
from myoild.derive.screening import exclusion_reasons
from myoild.tabular import read_tsv, write_parquet, write_tsv


@pytest.fixture(scope="module")
def derivation():
    retro = [
        patient("R1"), patient("R2"), patient("R3"),
        patient("R4", diagnosis="IBM"), patient("R5", diagnosis="overlap"),
        patient("R6"), patient("R7"),
    ]  # fmt: skip
    prosp = [
        patient("P1", cohort="prospective"), patient("P2", cohort="prospective"),
        patient("P3", cohort="prospective", age_years=16.0),
        patient("P4", cohort="prospective", withdrawal=30, withdrawal_reason="lost_to_follow_up"),
        patient("P5", cohort="prospective", withdrawal=60, withdrawal_reason="lost_to_follow_up"),
        patient("P6", cohort="prospective", diagnosis="cancer_associated"),
    ]  # fmt: skip
    medications = [
        medication("R1", "tacrolimus"), medication("R2", "cyclophosphamide"), medication("R3", "methotrexate"),
        medication("R6", "tacrolimus"), medication("R6", "azathioprine", 10),
        medication("R7", "prednisolone", dose=1.0, dose_unit="mg/kg/day"),
        medication("P2", "tacrolimus"), medication("P2", "pirfenidone", 14),
    ]  # fmt: skip
    # Patients given in scrambled order: the analysis set comes back sorted by patient_id.
    return derive_cohort(make_tables(prosp[::-1] + retro, medications))


def test_analysis_set_has_the_contract_columns_one_row_per_patient_sorted(derivation):
    analysis_set = derivation.analysis_set
    assert tuple(analysis_set.columns[: len(ANALYSIS_SET_COLUMNS)]) == ANALYSIS_SET_COLUMNS
    assert list(analysis_set["patient_id"]) == sorted(
        f"{c}{i}" for c, n in (("P", 6), ("R", 7)) for i in range(1, n + 1)
    )
    assert analysis_set["included"].dtype == bool
    assert {str(analysis_set[c].dtype) for c in ANALYSIS_SET_COLUMNS if c.endswith(("_event", "_time_days"))} == {
        "Int64"
    }
    assert analysis_set["relapse_visit_date"].dtype == "datetime64[ns]"


def test_flow_counts_every_reason_and_adds_up(derivation):
    flow = derivation.flow
    counts = {(row.cohort, row.step, row.reason): row.n for row in flow.itertuples()}
    # Hand count of the fixture above.
    assert counts[("retrospective", "screened", None)] == 7
    assert counts[("retrospective", "excluded", "diagnosis_IBM")] == 1
    assert counts[("retrospective", "excluded", "diagnosis_overlap")] == 1
    assert counts[("retrospective", "excluded", "tacrolimus_with_other_immunosuppressant")] == 1
    assert counts[("retrospective", "excluded", "no_immunosuppressant_within_30_days")] == 1
    assert counts[("retrospective", "analysed", "tacrolimus")] == 1
    assert counts[("retrospective", "analysed", "conventional")] == 2
    assert counts[("prospective", "screened", None)] == 6
    assert counts[("prospective", "excluded", "diagnosis_cancer_associated")] == 1
    assert counts[("prospective", "excluded", "age_under_18")] == 1
    assert counts[("prospective", "excluded", "withdrawn_lost_to_follow_up")] == 2
    assert counts[("prospective", "analysed", "tacrolimus")] == 1
    assert counts[("prospective", "analysed", "tacrolimus+pirfenidone")] == 1
    for cohort in ("retrospective", "prospective"):
        steps = flow[flow["cohort"] == cohort]
        assert list(steps.loc[steps["step"] == "excluded", "reason"]) == list(exclusion_reasons()[cohort])
        screened = steps.loc[steps["step"] == "screened", "n"].item()
        assert screened == steps.loc[steps["step"] != "screened", "n"].sum()


def test_check_flow_fails_loudly_on_a_lost_patient_or_a_wrong_count(derivation):
    analysis_set, flow = derivation.analysis_set, derivation.flow
    check_flow(analysis_set, flow)
    with pytest.raises(FlowError, match="retrospective: screened"):
        check_flow(analysis_set[analysis_set["patient_id"] != "R2"], flow)
    wrong = flow.copy()
    wrong.loc[(wrong["reason"] == "age_under_18"), "n"] = 0
    with pytest.raises(FlowError, match="age_under_18: flow says 0, analysis set has 1"):
        check_flow(analysis_set, wrong)
    unlisted = analysis_set.copy()
    unlisted.loc[unlisted["patient_id"] == "R4", "exclusion_reason"] = "made_up_reason"
    with pytest.raises(FlowError, match="made_up_reason"):
        check_flow(unlisted, flow)
    both = analysis_set.copy()
    both.loc[both["patient_id"] == "R4", "included"] = True
    with pytest.raises(FlowError, match="exactly where exclusion_reason is null"):
        check_flow(both, flow)


def test_notes_count_the_dose_decisions(derivation):
    notes = derivation.notes.set_index(["cohort", "note"])
    # R7 has prednisolone but no immunosuppressant; every other patient has no glucocorticoid at all.
    assert notes.loc[("retrospective", "no_glucocorticoid_on_index_date"), "n"] == 6
    assert notes.loc[("retrospective", "no_glucocorticoid_on_index_date"), "n_included"] == 3
    # Every prospective patient has tacrolimus (given explicitly or by the builder's default).
    assert notes.loc[("prospective", "prospective_without_tacrolimus_within_30_days"), "n"] == 0
    assert ("retrospective", "prospective_without_tacrolimus_within_30_days") not in notes.index


def test_outputs_round_trip_through_the_pipeline_writers(derivation, tmp_path):
    write_parquet(derivation.analysis_set, tmp_path / "cohort/analysis_set.parquet")
    write_tsv(derivation.flow, tmp_path / "cohort/flow.tsv")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cohort/analysis_set.parquet"), derivation.analysis_set)
    flow = read_tsv(tmp_path / "cohort/flow.tsv")
    assert list(flow.columns) == ["cohort", "step", "n", "reason"]
    assert flow["n"].tolist() == derivation.flow["n"].tolist()
    check_flow(pd.read_parquet(tmp_path / "cohort/analysis_set.parquet"), flow)


def test_the_flow_by_site_counts_each_sites_patients_and_adds_up_to_the_flow():
    tables = make_tables(
        [
            patient("A1", site="A"), patient("A2", site="A", diagnosis="IBM"),
            patient("B1", site="B"), patient("B2", site="B", cohort="prospective"),
        ],  # fmt: skip
        medications=[medication("A1", "tacrolimus"), medication("B1", "methotrexate"), medication("B2", "tacrolimus")],
    )
    derivation = derive_cohort(tables)
    by_site = site_flow(derivation.analysis_set)
    assert list(by_site.columns) == ["cohort", "site", "step", "n", "reason"]
    counts = by_site[by_site["n"] > 0].fillna({"reason": ""}).set_index(["site", "cohort", "step", "reason"])["n"]
    assert counts.to_dict() == {
        ("A", "retrospective", "screened", ""): 2,
        ("A", "retrospective", "excluded", "diagnosis_IBM"): 1,
        ("A", "retrospective", "analysed", "tacrolimus"): 1,
        ("B", "retrospective", "screened", ""): 1,
        ("B", "retrospective", "analysed", "conventional"): 1,
        ("B", "prospective", "screened", ""): 1,
        ("B", "prospective", "analysed", "tacrolimus"): 1,
    }
    for site, rows in by_site.groupby("site"):
        check_flow(derivation.analysis_set[derivation.analysis_set["site"] == site], rows.drop(columns="site"))
    keys = ["cohort", "step", "reason"]
    summed = by_site.fillna({"reason": ""}).groupby(keys, sort=False)["n"].sum().reset_index()
    pd.testing.assert_frame_equal(summed, derivation.flow.fillna({"reason": ""})[[*keys, "n"]])
