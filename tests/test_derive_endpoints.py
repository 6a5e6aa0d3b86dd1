"""Death, relapse and respiratory relapse on hand-made patients (DATA_CONTRACT.md, "Derived endpoints").

Every patient weighs 60 kg, so the glucocorticoid threshold is 0.5 x 60 = 30 mg/day.
"""

import pandas as pd
from test_derive_builders import derived, on, patient, visit


def endpoint(result, pid, name):
    return int(result.loc[pid, f"{name}_time_days"]), int(result.loc[pid, f"{name}_event"])


def test_death_window_is_inclusive_of_day_365():
    result = derived(
        [
            patient("D365", death=365, last_contact=365),
            patient("D366", death=366, last_contact=366),
            patient("D0", death=0, last_contact=0),
            patient("LOST", last_contact=200),  # lost to follow-up before day 365
            patient("ALIVE", last_contact=500),
        ]
    )
    assert endpoint(result, "D365", "death") == (365, 1)
    assert endpoint(result, "D366", "death") == (365, 0)
    assert endpoint(result, "D0", "death") == (0, 1)
    assert endpoint(result, "LOST", "death") == (200, 0)
    assert endpoint(result, "ALIVE", "death") == (365, 0)
    assert result.loc["LOST", "followup_days"] == 200
    # Without a relapse, the relapse time is the death time, censored.
    assert endpoint(result, "D365", "relapse") == (365, 0)
    assert endpoint(result, "LOST", "relapse") == (200, 0)
    assert endpoint(result, "D0", "respiratory_relapse") == (0, 0)


def test_biomarker_criterion_needs_strictly_more_than_twice_baseline():
    result = derived(
        [patient(pid) for pid in ("EXACT", "ABOVE", "ESR", "NOBASE", "NOSYMPTOM")],
        visits=[
            visit("EXACT", 0, "baseline", ferritin_ug_l=400.0, esr_mm_h=20.0),
            visit("EXACT", 30, symptom_exacerbation=True, ferritin_ug_l=800.0, esr_mm_h=40.0),  # exactly 2x: no
            visit("ABOVE", 0, "baseline", ferritin_ug_l=400.0),
            visit("ABOVE", 30, symptom_exacerbation=True, ferritin_ug_l=800.5),
            visit("ESR", 0, "baseline", ferritin_ug_l=400.0, esr_mm_h=20.0),
            visit("ESR", 90, symptom_exacerbation=True, ferritin_ug_l=100.0, esr_mm_h=41.0),
            visit("NOBASE", 0, "baseline", esr_mm_h=20.0),  # no baseline ferritin: ferritin cannot fire
            visit("NOBASE", 30, symptom_exacerbation=True, ferritin_ug_l=5000.0, esr_mm_h=30.0),
            visit("NOSYMPTOM", 0, "baseline", ferritin_ug_l=100.0),
            visit("NOSYMPTOM", 30, ferritin_ug_l=1000.0),
        ],
    )
    assert endpoint(result, "EXACT", "relapse") == (365, 0)
    assert endpoint(result, "ABOVE", "relapse") == (30, 1)
    assert endpoint(result, "ESR", "relapse") == (90, 1)
    assert endpoint(result, "NOBASE", "relapse") == (365, 0)
    assert endpoint(result, "NOSYMPTOM", "relapse") == (365, 0)
    assert result.loc["ABOVE", "relapse_criterion"] == "biomarker"
    assert result.loc["ESR", "relapse_visit_date"] == on(90)


def test_radiological_criterion_and_empty_counts_as_not_true():
    result = derived(
        [patient("RAD"), patient("EMPTY")],
        visits=[
            visit("RAD", 60, symptom_exacerbation=True, radiological_progression=True),
            visit("EMPTY", 60, symptom_exacerbation=True, radiological_progression=None),
        ],
    )
    assert endpoint(result, "RAD", "relapse") == (60, 1)
    assert result.loc["RAD", "relapse_criterion"] == "radiological"
    assert endpoint(result, "EMPTY", "relapse") == (365, 0)


def test_glucocorticoids_above_threshold_from_baseline_are_not_a_relapse_but_a_rise_after_taper_is():
    result = derived(
        [patient(pid) for pid in ("STAYS", "RETURNS", "FIRST", "EQUAL", "GAP")],
        visits=[
            # 60 mg/day (1 mg/kg/day) from baseline on, still above 30 at every visit: no relapse
            visit("STAYS", 0, "baseline", prednisolone_mg_day=60.0),
            visit("STAYS", 30, "m1", symptom_exacerbation=True, prednisolone_mg_day=50.0),
            visit("STAYS", 90, "m3", symptom_exacerbation=True, prednisolone_mg_day=40.0),
            # tapered to 20, then back above 30: a relapse at day 180
            visit("RETURNS", 0, "baseline", prednisolone_mg_day=60.0),
            visit("RETURNS", 90, "m3", prednisolone_mg_day=20.0),
            visit("RETURNS", 180, "m6", symptom_exacerbation=True, prednisolone_mg_day=40.0),
            # the first visit after baseline can be the relapse (baseline 25 is not above 30)
            visit("FIRST", -3, "baseline", prednisolone_mg_day=25.0),
            visit("FIRST", 30, "m1", symptom_exacerbation=True, prednisolone_mg_day=35.0),
            # exactly 0.5 mg/kg/day is not strictly above
            visit("EQUAL", 0, "baseline", prednisolone_mg_day=10.0),
            visit("EQUAL", 30, "m1", symptom_exacerbation=True, prednisolone_mg_day=30.0),
            # a preceding visit with a missing dose was not known to be above: counts as not above
            visit("GAP", 0, "baseline", prednisolone_mg_day=60.0),
            visit("GAP", 30, "m1"),
            visit("GAP", 60, "unscheduled", symptom_exacerbation=True, prednisolone_mg_day=60.0),
        ],
    )
    assert endpoint(result, "STAYS", "relapse") == (365, 0)
    assert endpoint(result, "RETURNS", "relapse") == (180, 1)
    assert endpoint(result, "FIRST", "relapse") == (30, 1)
    assert endpoint(result, "EQUAL", "relapse") == (365, 0)
    assert endpoint(result, "GAP", "relapse") == (60, 1)
    assert set(result.loc[["RETURNS", "FIRST", "GAP"], "relapse_criterion"]) == {"glucocorticoid"}


def test_recorded_criterion_is_the_first_met_in_the_order_i_ii_iii():
    result = derived(
        [patient("ALL"), patient("II_III")],
        visits=[
            visit("ALL", 0, "baseline", ferritin_ug_l=100.0, prednisolone_mg_day=10.0),
            visit(
                "ALL",
                30,
                symptom_exacerbation=True,
                ferritin_ug_l=300.0,
                radiological_progression=True,
                prednisolone_mg_day=60.0,
            ),
            visit("II_III", 0, "baseline", prednisolone_mg_day=10.0),
            visit("II_III", 30, symptom_exacerbation=True, radiological_progression=True, prednisolone_mg_day=60.0),
        ],
    )
    assert result.loc["ALL", "relapse_criterion"] == "biomarker"
    assert result.loc["II_III", "relapse_criterion"] == "radiological"


def test_the_first_qualifying_visit_is_the_relapse():
    result = derived(
        [patient("P")],
        visits=[
            visit("P", 30, symptom_exacerbation=True),  # symptoms without a criterion
            visit("P", 100, symptom_exacerbation=True, radiological_progression=True),
            visit("P", 200, symptom_exacerbation=True, radiological_progression=True),
        ],
    )
    assert endpoint(result, "P", "relapse") == (100, 1)


def test_death_censors_relapse_and_a_relapse_on_the_day_of_death_counts():
    progression = {"symptom_exacerbation": True, "respiratory_exacerbation": True, "radiological_progression": True}
    result = derived(
        [
            patient("SAMEDAY", death=120, last_contact=120),
            patient("DEAD_FIRST", death=100, last_contact=100),
            patient("D366", death=366, last_contact=366),
        ],
        visits=[
            visit("SAMEDAY", 120, **progression),
            visit("DEAD_FIRST", 100),
            visit("DEAD_FIRST", 101, **progression),  # after the death day: outside the window
            visit("D366", 366, **progression),  # death on day 366 is censored at 365: so is this
        ],
    )
    assert endpoint(result, "SAMEDAY", "relapse") == (120, 1)
    assert endpoint(result, "SAMEDAY", "respiratory_relapse") == (120, 1)
    assert endpoint(result, "SAMEDAY", "death") == (120, 1)
    assert endpoint(result, "DEAD_FIRST", "relapse") == (100, 0)
    assert endpoint(result, "DEAD_FIRST", "respiratory_relapse") == (100, 0)
    assert endpoint(result, "D366", "relapse") == (365, 0)
    assert pd.isna(result.loc["DEAD_FIRST", "relapse_visit_date"])
    assert pd.isna(result.loc["DEAD_FIRST", "relapse_criterion"])


def test_loss_to_follow_up_ends_the_relapse_window():
    result = derived(
        [patient("LOST", last_contact=150)],
        visits=[
            visit("LOST", 150, symptom_exacerbation=True, radiological_progression=True),
            visit("LOST", 151, symptom_exacerbation=True, radiological_progression=True),
        ],
    )
    assert endpoint(result, "LOST", "relapse") == (150, 1)
    result = derived(
        [patient("LOST", last_contact=149)],
        visits=[visit("LOST", 150, symptom_exacerbation=True, radiological_progression=True)],
    )
    assert endpoint(result, "LOST", "relapse") == (149, 0)


def test_only_visits_after_the_baseline_visit_and_from_day_0_count():
    result = derived(
        [patient("BEFORE_INDEX"), patient("BASELINE")],
        visits=[
            visit("BEFORE_INDEX", -10, "baseline", prednisolone_mg_day=10.0),
            visit(
                "BEFORE_INDEX", -2, symptom_exacerbation=True, radiological_progression=True, prednisolone_mg_day=60.0
            ),
            # the day -2 visit is above 30, so the rise is not at day 30: no relapse
            visit("BEFORE_INDEX", 30, symptom_exacerbation=True, prednisolone_mg_day=60.0),
            visit("BASELINE", 0, "baseline", symptom_exacerbation=True, radiological_progression=True),
        ],
    )
    assert endpoint(result, "BEFORE_INDEX", "relapse") == (365, 0)
    assert endpoint(result, "BASELINE", "relapse") == (365, 0)


def test_respiratory_relapse_needs_respiratory_exacerbation_and_radiological_progression():
    result = derived(
        [patient(pid) for pid in ("BOTH", "RESP_ONLY", "RAD_ONLY", "SYMPTOM_RAD")],
        visits=[
            visit("BOTH", 45, respiratory_exacerbation=True, radiological_progression=True),
            visit("RESP_ONLY", 45, respiratory_exacerbation=True, radiological_progression=False),
            visit("RAD_ONLY", 45, radiological_progression=True),
            visit("SYMPTOM_RAD", 45, symptom_exacerbation=True, radiological_progression=True),
        ],
    )
    assert endpoint(result, "BOTH", "respiratory_relapse") == (45, 1)
    assert result.loc["BOTH", "respiratory_relapse_visit_date"] == on(45)
    assert endpoint(result, "RESP_ONLY", "respiratory_relapse") == (365, 0)
    assert endpoint(result, "RAD_ONLY", "respiratory_relapse") == (365, 0)
    assert endpoint(result, "SYMPTOM_RAD", "respiratory_relapse") == (365, 0)
    # (a respiratory relapse needs no symptom_exacerbation; a relapse does)
    assert endpoint(result, "BOTH", "relapse") == (365, 0)
    assert endpoint(result, "SYMPTOM_RAD", "relapse") == (45, 1)


def test_prednisolone_at_baseline_and_at_the_last_visit_with_a_dose():
    result = derived(
        [patient("P", last_contact=365)],
        visits=[
            visit("P", -2, "baseline", prednisolone_mg_day=50.0),
            visit("P", 180, "m6", prednisolone_mg_day=20.0),
            visit("P", 360, "m12", prednisolone_mg_day=10.0),
            visit("P", 363, "unscheduled"),  # no dose recorded
            visit("P", 370, "unscheduled", prednisolone_mg_day=5.0),  # outside the window
        ],
    )
    assert result.loc["P", "pred_baseline_mg_day"] == 50.0
    assert result.loc["P", "pred_last_mg_day"] == 10.0
    assert result.loc["P", "pred_last_visit_date"] == on(360)
    assert result.loc["P", "baseline_visit_date"] == on(-2)
