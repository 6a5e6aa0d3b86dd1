"""Propensity-model covariates: prednisolone-equivalent dose on the index date, IVIg, plasma exchange."""

import numpy as np
from test_derive_builders import derived, medication, patient


def dose_of(medications, weight_kg=60.0):
    result = derived([patient("P", weight_kg=weight_kg)], medications=[medication("P", "tacrolimus"), *medications])
    return result.loc["P", "initial_pred_mg_day"], result.loc["P", "initial_pred_issue"]


def test_units_weight_and_methylprednisolone_conversion():
    # 40 mg/day prednisolone
    assert dose_of([medication("P", "prednisolone", -3, None, 40.0, "mg/day")]) == (40.0, None)
    # 1 mg/kg/day x 72 kg = 72 mg/day
    assert dose_of([medication("P", "prednisolone", 0, 20, 1.0, "mg/kg/day")], weight_kg=72.0) == (72.0, None)
    # 40 mg methylprednisolone = 40 x 5/4 = 50 mg prednisolone
    assert dose_of([medication("P", "methylprednisolone", 0, None, 40.0, "mg/day")]) == (50.0, None)
    # 20 mg/day prednisolone + 0.8 mg/kg/day methylprednisolone x 60 kg x 5/4 = 20 + 60 = 80
    assert dose_of(
        [
            medication("P", "prednisolone", -10, 5, 20.0, "mg/day"),
            medication("P", "methylprednisolone", 0, 3, 0.8, "mg/kg/day"),
        ]
    ) == (80.0, None)


def test_only_episodes_active_on_the_index_date_count():
    dose, issue = dose_of(
        [
            medication("P", "prednisolone", -30, -1, 100.0, "mg/day"),  # ended the day before index
            medication("P", "prednisolone", 1, None, 200.0, "mg/day"),  # starts the day after
            medication("P", "prednisolone", -5, 0, 30.0, "mg/day"),  # ends on the index date: active
            medication("P", "prednisolone", 0, None, 15.0, "mg/day"),  # starts on it, ongoing: active
        ]
    )
    assert (dose, issue) == (45.0, None)


def test_dose_issues_are_decided_and_counted():
    # mg/week is converted exactly: 140 mg/week / 7 = 20 mg/day
    assert dose_of([medication("P", "prednisolone", 0, None, 140.0, "mg/week")]) == (20.0, "converted_from_mg_week")
    # no glucocorticoid on the index date: the empty sum, 0 mg/day
    assert dose_of([]) == (0.0, "no_glucocorticoid_on_index_date")
    # an active episode without a dose makes the sum unknown, not smaller
    dose, issue = dose_of(
        [medication("P", "prednisolone", 0, None, 30.0, "mg/day"), medication("P", "methylprednisolone", 0)]
    )
    assert np.isnan(dose) and issue == "dose_missing"
    dose, issue = dose_of([medication("P", "methylprednisolone", 0, None, 500.0, "mg/m2")])
    assert np.isnan(dose) and issue == "unit_not_convertible"


def test_ivig_and_plasma_exchange_overlap_days_0_to_30():
    result = derived(
        [patient(pid, last_contact=200) for pid in ("D30", "D31", "BEFORE", "ONGOING", "ENDS0", "PE")],
        medications=[
            *[medication(pid, "tacrolimus") for pid in ("D30", "D31", "BEFORE", "ONGOING", "ENDS0", "PE")],
            medication("D30", "ivig", 30, 34),  # starts on day 30
            medication("D31", "ivig", 31, 35),  # starts on day 31
            medication("BEFORE", "ivig", -10, -1),  # ended before index
            medication("ONGOING", "ivig", -10),  # ongoing: lasts until last contact
            medication("ENDS0", "plasma_exchange", -5, 0),  # ends on the index date
            medication("PE", "plasma_exchange", 12, 14),
        ],
    )
    assert result["ivig"].to_dict() == {"BEFORE": 0, "D30": 1, "D31": 0, "ENDS0": 0, "ONGOING": 1, "PE": 0}
    assert result["plasma_exchange"].to_dict() == {"BEFORE": 0, "D30": 0, "D31": 0, "ENDS0": 1, "ONGOING": 0, "PE": 1}
    assert str(result["ivig"].dtype) == "Int64"
