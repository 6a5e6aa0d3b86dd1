"""Treatment groups and main agents on hand-made patients."""

import numpy as np
import pandas as pd
from test_derive_builders import derived, make_tables, medication, patient, visit

from myoild.derive import derive_cohort
from myoild.derive.groups import drugs_started, treatment_groups
from myoild.derive.keys import PatientAxis


def test_retrospective_groups_and_counted_exclusions():
    result = derived(
        [patient(pid) for pid in ("TAC", "CONV", "BOTH", "NONE", "LATE", "EARLY", "TAC_ADDED")],
        medications=[
            medication("TAC", "tacrolimus", 0),
            medication("CONV", "methotrexate", 30),  # day 30 is within 30 days
            medication("BOTH", "tacrolimus", 0),
            medication("BOTH", "cyclophosphamide", 12),
            medication("NONE", "prednisolone", 0, dose=50.0, dose_unit="mg/day"),
            medication("LATE", "azathioprine", 31),  # day 31 is not
            medication("EARLY", "azathioprine", -1),  # started before index: not "within 30 days"
            medication("TAC_ADDED", "tacrolimus", 2),
            medication("TAC_ADDED", "mycophenolate", 45),  # added later: the group stays tacrolimus
        ],
    )
    assert result["group"].to_dict() == {
        "BOTH": None,
        "CONV": "conventional",
        "EARLY": None,
        "LATE": None,
        "NONE": None,
        "TAC": "tacrolimus",
        "TAC_ADDED": "tacrolimus",
    }
    assert result["exclusion_reason"].to_dict() == {
        "BOTH": "tacrolimus_with_other_immunosuppressant",
        "CONV": None,
        "EARLY": "no_immunosuppressant_within_30_days",
        "LATE": "no_immunosuppressant_within_30_days",
        "NONE": "no_immunosuppressant_within_30_days",
        "TAC": None,
        "TAC_ADDED": None,
    }


def test_non_immunosuppressants_do_not_make_a_conventional_group():
    result = derived(
        [patient("HCQ")],
        medications=[
            medication("HCQ", drug) for drug in ("hydroxychloroquine", "pirfenidone", "ivig", "plasma_exchange")
        ],
    )
    assert result.loc["HCQ", "exclusion_reason"] == "no_immunosuppressant_within_30_days"


def test_main_agent_is_the_earliest_started_then_alphabetical():
    result = derived(
        [patient("EARLIEST"), patient("TIE"), patient("TAC"), patient("BEFORE")],
        medications=[
            medication("EARLIEST", "azathioprine", 10),
            medication("EARLIEST", "methotrexate", 3),
            medication("TIE", "methotrexate", 5),
            medication("TIE", "cyclophosphamide", 5),
            medication("TIE", "tripterygium", 1 + 30),  # after day 30: not a candidate
            medication("TAC", "tacrolimus", 0),
            # The studied treatment starts at index; an agent from before index is not the main agent.
            medication("BEFORE", "azathioprine", -20),
            medication("BEFORE", "leflunomide", 4),
        ],
    )
    assert result["main_agent"].to_dict() == {
        "BEFORE": "leflunomide",
        "EARLIEST": "methotrexate",
        "TAC": "tacrolimus",
        "TIE": "cyclophosphamide",
    }


def test_prospective_group_is_set_by_pirfenidone_within_30_days():
    result = derived(
        [patient(pid, cohort="prospective") for pid in ("PIRF30", "PIRF31", "TAC", "NOTAC", "TACMTX")],
        medications=[
            medication("PIRF30", "tacrolimus"),
            medication("PIRF30", "pirfenidone", 30),
            medication("PIRF31", "tacrolimus"),
            medication("PIRF31", "pirfenidone", 31),
            medication("TAC", "tacrolimus"),
            medication("NOTAC", "prednisolone", dose=1.0, dose_unit="mg/kg/day"),
            medication("TACMTX", "tacrolimus"),
            medication("TACMTX", "methotrexate", 3),
        ],
    )
    assert result["group"].to_dict() == {
        "NOTAC": "tacrolimus",
        "PIRF30": "tacrolimus+pirfenidone",
        "PIRF31": "tacrolimus",
        "TAC": "tacrolimus",
        "TACMTX": "tacrolimus",
    }
    assert (result["main_agent"] == "tacrolimus").all() and result["included"].all()
    # The contract excludes nobody here; departures from the protocol are flagged, not hidden.
    assert result["treatment_note"].to_dict() == {
        "NOTAC": "prospective_without_tacrolimus_within_30_days",
        "PIRF30": None,
        "PIRF31": None,
        "TAC": None,
        "TACMTX": "prospective_other_immunosuppressant_within_30_days",
    }


def test_drugs_started_marks_each_drug_started_within_30_days():
    tables = make_tables(
        [patient("A"), patient("B")],
        medications=[
            medication("A", "tacrolimus", 0),
            medication("B", "methotrexate", 0),
            medication("B", "azathioprine", 40),
        ],
    )
    started = drugs_started(tables["patients"], tables["medications"], ("tacrolimus", "methotrexate", "azathioprine"))
    assert list(started.index) == ["A", "B"]
    np.testing.assert_array_equal(started.to_numpy(), [[True, False, False], [False, True, False]])


def test_one_axis_looks_each_table_up_once_and_gives_the_same_groups():
    """derive_cohort passes one PatientAxis to every derivation: the medications' patients are
    found once (the positions are shared and read-only), a different frame is looked up afresh,
    and the groups are those derived from the patients table itself."""
    tables = make_tables(
        [patient(pid) for pid in ("A", "B", "C")],
        medications=[
            medication("A", "tacrolimus", 0),
            medication("B", "methotrexate", 3),
            medication("C", "azathioprine", 40),
        ],
    )
    patients, medications = tables["patients"], tables["medications"]
    axis = PatientAxis.of(patients)
    first = axis.positions(medications, "medications")
    assert axis.positions(medications, "medications") is first and not first.flags.writeable
    assert axis.positions(medications.copy(), "medications") is not first
    assert PatientAxis.of(axis) is axis
    pd.testing.assert_frame_equal(treatment_groups(axis, medications), treatment_groups(patients, medications))


def _derived_both_ways(tables):
    """derive_cohort's result or error with one worker and with the endpoints in a second thread."""
    outcomes = []
    for workers in (1, 2):
        try:
            outcomes.append(derive_cohort(tables, workers=workers))
        except ValueError as error:
            outcomes.append(str(error))
    return outcomes


def test_endpoints_derived_in_a_second_thread_give_the_same_result_and_the_same_first_error():
    visits = [visit("A", 0, "baseline"), visit("A", 40, symptom_exacerbation=True, ferritin_ug_l=900.0)]
    good = make_tables(
        [patient("A", death=200), patient("B", cohort="prospective"), patient("C")],
        medications=[
            medication("A", "tacrolimus", 0),
            medication("B", "tacrolimus", 0),
            medication("C", "azathioprine", 2),
        ],
        visits=visits + [visit("B", 0, "baseline", ferritin_ug_l=100.0)],
    )
    one, two = _derived_both_ways(good)
    pd.testing.assert_frame_equal(two.analysis_set, one.analysis_set)
    pd.testing.assert_frame_equal(two.flow, one.flow)
    # only the endpoints fail (a second baseline visit), then the groups fail first (an unknown patient)
    twice = make_tables([patient("A")], visits=[visit("A", 0, "baseline"), visit("A", 3, "baseline")])
    assert _derived_both_ways(twice)[0] == _derived_both_ways(twice)[1]
    assert "baseline" in _derived_both_ways(twice)[0]
    both = dict(twice, medications=pd.concat([twice["medications"], twice["medications"].assign(patient_id="Z")]))
    first_errors = _derived_both_ways(both)
    assert first_errors[0] == first_errors[1] and "medications: patient_id not in patients" in first_errors[0]
