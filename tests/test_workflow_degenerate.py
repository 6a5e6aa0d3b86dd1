"""A degenerate cohort through the whole workflow (issue 13, item 1): one analysed patient per group,
every analysed patient dead on the same day, and a scale value near the largest double (a figure
must say it cannot draw it, not stop the run as matplotlib's "Axis limits cannot be NaN or Inf"
did). The run ends with a report, and the flow accounts for every patient of the generator's truth
exactly once, from screening to analysis. The same shapes, stage by stage and figure by figure,
are in ``test_degenerate_cohorts``."""

from __future__ import annotations

import pandas as pd
import pytest
from test_workflow_runs import run

from myoild.synth import generate_cohort, write_cohort
from myoild.synth.cohort import SyntheticCohort
from myoild.tabular import read_tsv

pytestmark = pytest.mark.slow

#: The day after the index date on which every analysed patient dies.
DEATH_DAY = 200
#: A valid MDI extent score (the data contract bounds it below only) too large for a plot axis: with
#: it, Figure 2 stopped the run ("arange: cannot compute length" from matplotlib's tick locator).
HUGE_SCORE = 1.5e308
#: Each table's date that may not follow a patient's death (DATA_CONTRACT.md).
RECORD_DATES = {
    "medications": "start_date",
    "visits": "visit_date",
    "hrct_reads": "exam_date",
    "adverse_events": "onset_date",
}


def degenerate_cohort(seed: int) -> SyntheticCohort:
    """The generator's smallest cohort: two retrospective and two prospective patients, one a group,
    with the screened-out patients it adds. Every analysed patient then dies on day ``DEATH_DAY``
    (their last contact; their records after it dropped, as the data contract requires), and the
    first recorded MDI extent score becomes ``HUGE_SCORE``."""
    cohort = generate_cohort(seed, n_retrospective=2, n_prospective=2)
    tables = cohort.tables
    patients = tables["patients"]
    analysed = patients["patient_id"].isin(cohort.truth.loc[cohort.truth["included"], "patient_id"])
    death = patients.loc[analysed, "index_date"] + pd.Timedelta(days=DEATH_DAY)
    patients.loc[analysed, "death_date"] = patients.loc[analysed, "last_contact_date"] = death
    patients.loc[analysed, "death_cause"] = "ILD exacerbation"
    last = patients.set_index("patient_id")["last_contact_date"]
    for name, column in RECORD_DATES.items():
        table = tables[name]
        tables[name] = table[table[column] <= table["patient_id"].map(last)].reset_index(drop=True)
    visits = tables["visits"]
    visits.loc[visits["mdi"].notna().idxmax(), "mdi"] = HUGE_SCORE
    return cohort


def test_a_degenerate_cohort_gets_a_report_and_every_patient_is_counted_once(tmp_path):
    cohort = degenerate_cohort(seed=3)
    write_cohort(cohort, tmp_path / "cohort", fmt="csv")
    (tmp_path / "small.yaml").write_text("input_dir: cohort\nbootstrap: {replicates: 0}\n")
    done = run(tmp_path, "results")
    assert "Traceback" not in done.stderr
    results = tmp_path / "results"
    assert (results / "report.html").stat().st_size > 0
    assert (results / "figures/scales_over_visits.png").is_file()

    truth = cohort.truth
    analysis_set = pd.read_parquet(results / "cohort/analysis_set.parquet")
    assert sorted(analysis_set["patient_id"]) == sorted(truth["patient_id"])  # each patient once
    analysed = analysis_set[analysis_set["included"]]
    assert (analysed["death_event"] == 1).all() and (analysed["death_time_days"] == DEATH_DAY).all()
    flow = read_tsv(results / "cohort/flow.tsv")
    counts = flow[flow["n"] > 0].groupby(["step", "cohort", "reason"], dropna=False)["n"].sum()
    assert counts["screened"].droplevel("reason").to_dict() == truth.groupby("cohort").size().to_dict()
    left_out = truth[~truth["included"]].groupby(["cohort", "exclusion_reason"]).size()
    assert counts["excluded"].to_dict() == left_out.to_dict()
    assert counts["analysed"].to_dict() == truth[truth["included"]].groupby(["cohort", "group"]).size().to_dict()
