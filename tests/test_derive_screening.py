"""Screening exclusions, in the contract's order, on hand-made patients."""

import pandas as pd
import pytest
from test_derive_builders import derived, make_tables, medication, patient

from myoild.derive import derive_cohort


def test_screened_out_diagnoses_are_excluded_and_malignancy_alone_is_not():
    result = derived(
        [
            patient("IBM", diagnosis="IBM"),
            patient("OVL", diagnosis="overlap"),
            patient("CAM", diagnosis="cancer_associated"),
            patient("MAL", diagnosis="PM", malignancy=True),
            patient("CAD", diagnosis="CADM"),
        ]
    )
    assert result["exclusion_reason"].to_dict() == {
        "CAD": None,
        "CAM": "diagnosis_cancer_associated",
        "IBM": "diagnosis_IBM",
        "MAL": None,
        "OVL": "diagnosis_overlap",
    }
    assert result["included"].to_dict() == {"CAD": True, "CAM": False, "IBM": False, "MAL": True, "OVL": False}


def test_prospective_criteria_and_age_apply_to_the_prospective_cohort_only():
    result = derived(
        [
            patient("R_TB", active_tuberculosis=True),
            patient("R_17", age_years=17.0),
            patient("P_TB", cohort="prospective", active_tuberculosis=True),
            patient("P_RENAL", cohort="prospective", renal_insufficiency=True),
            patient("P_17", cohort="prospective", age_years=17.9),
            patient("P_18", cohort="prospective", age_years=18.0),
            # A missing flag is not a met criterion.
            patient("P_NA", cohort="prospective", severe_respiratory_disease=None),
        ]
    )
    assert result["exclusion_reason"].to_dict() == {
        "P_17": "age_under_18",
        "P_18": None,
        "P_NA": None,
        "P_RENAL": "exclusion_criterion_renal_insufficiency",
        "P_TB": "exclusion_criterion_active_tuberculosis",
        "R_17": None,
        "R_TB": None,
    }


def test_each_patient_is_counted_under_the_first_reason_in_screening_order():
    result = derived(
        [
            # diagnosis before criteria before age
            patient("A", cohort="prospective", diagnosis="IBM", severe_immunodeficiency=True, age_years=16.0),
            # flags in contract order: severe_respiratory_disease before renal_insufficiency
            patient("B", cohort="prospective", renal_insufficiency=True, severe_respiratory_disease=True),
            # criteria before withdrawal
            patient("C", cohort="prospective", age_years=16.0, withdrawal=20, withdrawal_reason="other"),
            # diagnosis before the treatment rules
            patient("D", diagnosis="overlap"),
        ],
        medications=[medication("D", "tacrolimus"), medication("D", "methotrexate")],
    )
    assert result["exclusion_reason"].to_dict() == {
        "A": "diagnosis_IBM",
        "B": "exclusion_criterion_severe_respiratory_disease",
        "C": "age_under_18",
        "D": "diagnosis_overlap",
    }
    # Excluded before the treatment step: no group.
    assert result["group"].isna().all() and result["main_agent"].isna().all()


def test_withdrawals_are_excluded_by_reason_and_keep_their_group():
    result = derived(
        [
            patient("L", cohort="prospective", withdrawal=40, withdrawal_reason="lost_to_follow_up", last_contact=40),
            patient("D", cohort="prospective", withdrawal=90, withdrawal_reason="discontinued_intervention"),
            patient("O", cohort="prospective", withdrawal=10, withdrawal_reason="other"),
            patient("S", cohort="prospective"),
        ],
        medications=[medication(pid, "tacrolimus") for pid in "LDOS"] + [medication("D", "pirfenidone", 5)],
    )
    assert result["exclusion_reason"].to_dict() == {
        "D": "withdrawn_discontinued_intervention",
        "L": "withdrawn_lost_to_follow_up",
        "O": "withdrawn_other",
        "S": None,
    }
    assert result["group"].to_dict() == {
        "D": "tacrolimus+pirfenidone",
        "L": "tacrolimus",
        "O": "tacrolimus",
        "S": "tacrolimus",
    }
    assert result.loc["L", "withdrawal_reason"] == "lost_to_follow_up"
    assert result.loc["L", "withdrawal_date"] == pd.Timestamp("2020-02-10")


def test_a_withdrawal_without_its_reason_fails_instead_of_guessing():
    tables = make_tables([patient("P", cohort="prospective", withdrawal=10)])
    with pytest.raises(ValueError, match="withdrawal_reason"):
        derive_cohort(tables)
