"""Derivation under a non-default study design (config key ``study``): every window and threshold
of the data contract's rules follows it. Every patient weighs 60 kg."""

import pytest
from test_derive_builders import derived, medication, patient, visit

from myoild.design import PAPER, StudyDesign

LONG = StudyDesign(followup_days=730, treatment_window_days=60, relapse_lab_ratio=3.0, relapse_gc_mg_kg=1.0)


def times(result, pid, name):
    return int(result.loc[pid, f"{name}_time_days"]), int(result.loc[pid, f"{name}_event"])


def test_deaths_on_before_and_after_the_end_of_a_730_day_window():
    people = [
        patient("D729", death=729, last_contact=729),
        patient("D730", death=730, last_contact=730),
        patient("D731", death=731, last_contact=731),
        patient("D400", death=400, last_contact=400),
        patient("ALIVE", last_contact=1000),
    ]
    result = derived(people, design=LONG)
    assert times(result, "D729", "death") == (729, 1)
    assert times(result, "D730", "death") == (730, 1)  # the last day of the window counts
    assert times(result, "D731", "death") == (730, 0)  # a day later is censored at the window's end
    assert times(result, "D400", "death") == (400, 1)
    assert times(result, "ALIVE", "death") == (730, 0)
    paper = derived(people)
    assert times(paper, "D400", "death") == (365, 0)  # outside the paper's 365-day window
    assert times(paper, "ALIVE", "death") == (365, 0)


def test_relapses_on_before_and_after_the_end_of_the_window():
    people = [patient(pid, last_contact=1000) for pid in ("R729", "R730", "R731")]
    visits = []
    for pid, day in (("R729", 729), ("R730", 730), ("R731", 731)):
        visits += [
            visit(pid, 0, "baseline"),
            visit(pid, day, symptom_exacerbation=True, radiological_progression=True, respiratory_exacerbation=True),
        ]
    result = derived(people, visits=visits, design=LONG)
    assert times(result, "R729", "relapse") == (729, 1)
    assert times(result, "R730", "relapse") == (730, 1)
    assert times(result, "R731", "relapse") == (730, 0)
    assert times(result, "R730", "respiratory_relapse") == (730, 1)
    assert times(derived(people, visits=visits), "R729", "relapse") == (365, 0)


def test_treatment_window_sets_groups_and_rescue_therapies():
    people = [patient(pid) for pid in ("CONV45", "CONV61", "TAC_AZA50", "IVIG55")]
    medications = [
        medication("CONV45", "methotrexate", 45),
        medication("CONV61", "methotrexate", 61),
        medication("TAC_AZA50", "tacrolimus", 0),
        medication("TAC_AZA50", "azathioprine", 50),
        medication("IVIG55", "tacrolimus", 0),
        medication("IVIG55", "ivig", 55, end=56),
    ]
    wide = derived(people, medications, design=LONG)
    assert wide.loc["CONV45", "group"] == "conventional"  # day 45 is within 60 days
    assert wide.loc["CONV61", "exclusion_reason"] == "no_immunosuppressant_within_30_days"
    assert wide.loc["TAC_AZA50", "exclusion_reason"] == "tacrolimus_with_other_immunosuppressant"
    assert wide.loc["IVIG55", "ivig"] == 1
    paper = derived(people, medications)
    assert paper.loc["CONV45", "exclusion_reason"] == "no_immunosuppressant_within_30_days"
    assert paper.loc["TAC_AZA50", "group"] == "tacrolimus"  # azathioprine on day 50 came too late
    assert paper.loc["IVIG55", "ivig"] == 0


@pytest.mark.parametrize(("design", "fires"), [(PAPER, {"X2_5": True, "GC40": True}), (LONG, {"X2_5": False, "GC40": False})])
def test_relapse_thresholds_follow_the_design(design, fires):
    people = [patient("X2_5"), patient("GC40")]
    visits = [
        visit("X2_5", 0, "baseline", ferritin_ug_l=100.0),
        visit("X2_5", 30, symptom_exacerbation=True, ferritin_ug_l=250.0),  # 2.5 x: above 2, not above 3
        visit("GC40", 0, "baseline", prednisolone_mg_day=20.0),
        visit("GC40", 30, symptom_exacerbation=True, prednisolone_mg_day=40.0),  # > 30 (0.5 x 60), not > 60
    ]
    result = derived(people, visits=visits, design=design)
    for pid, expected in fires.items():
        assert bool(result.loc[pid, "relapse_event"]) is expected, pid


def test_design_from_config_and_numbers_at_risk():
    assert StudyDesign.from_config({}) == PAPER
    assert StudyDesign.from_config({"study": {"followup_days": 730}}).followup_days == 730
    config = {"study": {"treatment_window_days": 45}, "propensity": {"covariates": ["age_years", "anti_mda5"]}}
    design = StudyDesign.from_config(config | {"survival": {"strata": ["site"]}})
    assert (design.treatment_window_days, design.covariates, design.strata) == (45, ("age_years", "anti_mda5"), ("site",))
    assert StudyDesign.from_dict(design.as_dict()) == design  # as a workflow parameter carries it
    assert PAPER.at_risk_days == (0, 90, 180, 270, 365)
    assert StudyDesign(followup_days=730).at_risk_days == (0, 180, 360, 540, 730)
    assert StudyDesign(followup_days=180).at_risk_days == (0, 45, 90, 135, 180)
