"""The study's drugs in the config (issue 12, item 4): ``study.treatment``, ``study.comparators``
and ``study.add_on`` name the groups, the contrasts, their patients and the flow's reasons."""

import pandas as pd
import pytest
from test_derive_builders import derived, make_tables, medication, patient
from test_workflow_one_cohort import cohorts, run  # noqa: F401 (the cohorts fixture)

from myoild.contrasts import Contrast, contrast_patients, parse_contrast
from myoild.derive import derive_cohort
from myoild.design import PAPER, StudyDesign

MYCOPHENOLATE = StudyDesign(treatment="mycophenolate", comparators=("tacrolimus", "methotrexate"), add_on="tacrolimus")


def test_the_paper_design_names_the_results_contracts_groups_and_contrasts():
    assert PAPER.groups == {
        "retrospective": ("tacrolimus", "conventional"),
        "prospective": ("tacrolimus", "tacrolimus+pirfenidone"),
    }
    assert PAPER.contrasts == (
        "tacrolimus_vs_conventional",
        "tacrolimus_vs_cyclophosphamide",
        "tacrolimus_vs_methotrexate",
        "tacrolimus_vs_azathioprine",
        "tacrolimus+pirfenidone_vs_tacrolimus",
    )
    assert PAPER.treated_group == {"retrospective": "tacrolimus", "prospective": "tacrolimus+pirfenidone"}


def test_another_design_names_its_own_groups_and_contrasts_from_the_config():
    design = StudyDesign.from_config(
        {"study": {"treatment": "mycophenolate", "comparators": ["tacrolimus"], "add_on": "tacrolimus"}}
    )
    assert design.comparators == ("tacrolimus",)
    assert design.contrasts == (
        "mycophenolate_vs_conventional",
        "mycophenolate_vs_tacrolimus",
        "mycophenolate+tacrolimus_vs_mycophenolate",
    )
    assert StudyDesign.from_config({"study": {"comparators": []}}).retrospective_contrasts == ("tacrolimus_vs_conventional",)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tacrolimus_vs_conventional", Contrast("retrospective", "tacrolimus", "conventional", None)),
        ("mycophenolate_vs_tacrolimus", Contrast("retrospective", "mycophenolate", "tacrolimus", "tacrolimus")),
        ("mycophenolate+pirfenidone_vs_mycophenolate", Contrast("prospective", "mycophenolate+pirfenidone", "mycophenolate", None)),
    ],
)
def test_a_contrast_is_read_from_its_name(name, expected):
    assert parse_contrast(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "tacrolimus_vs_tacrolimus",  # a drug against itself
        "tacrolimus+pirfenidone_vs_methotrexate",  # a combination against another drug
        "tacrolimus+tacrolimus_vs_tacrolimus",
        "rituximab_vs_conventional",
        "tacrolimus_vs_pirfenidone",
        "tacrolimus",
    ],
)
def test_a_contrast_name_outside_the_scheme_is_refused(name):
    with pytest.raises(ValueError, match="unknown contrast"):
        parse_contrast(name)


def _mycophenolate_cohort() -> dict[str, pd.DataFrame]:
    prospective = {"cohort": "prospective"}
    return make_tables(
        [
            patient("MMF"), patient("TAC"), patient("MMF_MTX"), patient("MTX"), patient("NONE"),
            patient("P_MMF", **prospective), patient("P_BOTH", **prospective), patient("P_TAC", **prospective),
        ],  # fmt: skip
        medications=[
            medication("MMF", "mycophenolate", 3),
            medication("TAC", "tacrolimus", 0),
            medication("MMF_MTX", "mycophenolate", 0),
            medication("MMF_MTX", "methotrexate", 30),
            medication("MTX", "methotrexate", 1),
            medication("NONE", "hydroxychloroquine", 0),
            medication("P_MMF", "mycophenolate", 0),
            medication("P_BOTH", "mycophenolate", 0),
            medication("P_BOTH", "tacrolimus", 5),  # the add-on (an immunosuppressant here)
            medication("P_TAC", "tacrolimus", 0),  # no mycophenolate: a departure from the protocol
        ],
    )


def test_groups_main_agents_and_exclusions_follow_the_designs_drugs():
    tables = _mycophenolate_cohort()
    analysis_set = derive_cohort(tables, MYCOPHENOLATE).analysis_set.set_index("patient_id")
    assert analysis_set["group"].to_dict() == {
        "MMF": "mycophenolate",
        "MMF_MTX": None,
        "MTX": "conventional",
        "NONE": None,
        "P_BOTH": "mycophenolate+tacrolimus",
        "P_MMF": "mycophenolate",
        "P_TAC": "mycophenolate+tacrolimus",
        "TAC": "conventional",
    }
    assert analysis_set.loc["MMF_MTX", "exclusion_reason"] == "mycophenolate_with_other_immunosuppressant"
    assert analysis_set.loc["NONE", "exclusion_reason"] == "no_immunosuppressant_within_30_days"
    assert analysis_set.loc[["MMF", "TAC", "MTX"], "main_agent"].tolist() == ["mycophenolate", "tacrolimus", "methotrexate"]
    # The add-on is the protocol, not "another immunosuppressant"; missing the treatment is flagged.
    assert analysis_set.loc[["P_MMF", "P_BOTH", "P_TAC"], "treatment_note"].tolist() == [
        None,
        None,
        "prospective_without_mycophenolate_within_30_days",
    ]


def test_the_flow_counts_the_designs_groups_and_reasons():
    flow = derive_cohort(_mycophenolate_cohort(), MYCOPHENOLATE).flow
    analysed = flow[flow["step"] == "analysed"].set_index(["cohort", "reason"])["n"].to_dict()
    assert analysed == {
        ("retrospective", "mycophenolate"): 1,
        ("retrospective", "conventional"): 2,
        ("prospective", "mycophenolate"): 1,
        ("prospective", "mycophenolate+tacrolimus"): 2,
    }
    reasons = flow.loc[(flow["cohort"] == "retrospective") & (flow["step"] == "excluded"), "reason"].tolist()
    assert reasons[-2:] == ["mycophenolate_with_other_immunosuppressant", "no_immunosuppressant_within_30_days"]


def test_a_per_drug_contrast_takes_the_conventional_patients_of_its_agent():
    analysis_set = derive_cohort(_mycophenolate_cohort(), MYCOPHENOLATE).analysis_set
    chosen = contrast_patients(analysis_set, "mycophenolate_vs_tacrolimus")
    assert chosen[["patient_id", "treated", "arm"]].values.tolist() == [
        ["MMF", 1, "mycophenolate"],
        ["TAC", 0, "tacrolimus"],
    ]
    prospective = contrast_patients(analysis_set, MYCOPHENOLATE.prospective_contrast)
    assert prospective.set_index("patient_id")["treated"].to_dict() == {"P_BOTH": 1, "P_MMF": 0, "P_TAC": 1}


def test_the_paper_design_keeps_the_contracts_names():
    result = derived([patient("BOTH")], medications=[medication("BOTH", "tacrolimus"), medication("BOTH", "azathioprine")])
    assert result.loc["BOTH", "exclusion_reason"] == "tacrolimus_with_other_immunosuppressant"


@pytest.mark.slow
def test_a_study_of_another_treatment_runs_to_a_report_named_after_its_drugs(cohorts):
    """The workflow on ``study: {treatment: mycophenolate, comparators: [tacrolimus], add_on:
    hydroxychloroquine}``: weights, models, flow and report carry the design's names."""
    (cohorts / "mycophenolate.yaml").write_text(
        "study: {treatment: mycophenolate, comparators: [tacrolimus], add_on: hydroxychloroquine}\n"
    )
    done = run(cohorts, "mycophenolate", "input_dir=full", overlay="mycophenolate.yaml")
    assert done.returncode == 0, done.stderr[-4000:]
    results = cohorts / "results_mycophenolate"
    contrasts = ["mycophenolate_vs_conventional", "mycophenolate_vs_tacrolimus"]
    assert sorted(path.stem for path in (results / "weights").glob("*.parquet")) == sorted(contrasts)
    models = pd.read_csv(results / "tables/survival_models.tsv", sep="\t")
    assert list(dict.fromkeys(models["contrast"])) == [*contrasts, "mycophenolate+hydroxychloroquine_vs_mycophenolate"]
    flow = pd.read_csv(results / "cohort/flow.tsv", sep="\t")
    assert set(flow.loc[flow["step"] == "analysed", "reason"]) == {
        "mycophenolate",
        "conventional",
        "mycophenolate+hydroxychloroquine",
    }
    events = pd.read_csv(results / "tables/adverse_events.tsv", sep="\t")
    assert set(events["group"]) == {"mycophenolate", "conventional", "mycophenolate+hydroxychloroquine"}
    report = (results / "report.html").read_text()
    assert "Mycophenolate vs conventional" in report and "Mycophenolate vs tacrolimus" in report
    assert "(paper:" not in report  # the paper's figures are no reference for another contrast
    assert "<h1>myoild: mycophenolate in myositis-associated interstitial lung disease</h1>" in report
