"""One cohort is enough (issue 12, item 5): a data set with only retrospective or only prospective
patients, or an empty endpoint list, runs every analysis that applies to a finished report that
says which parts had no data, with no traceback."""

import subprocess

import pandas as pd
import pytest
from test_workflow_runs import ROOT, SNAKEMAKE

from myoild.contract import TABLES
from myoild.synth import generate_cohort, write_cohort

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("one_cohort")
    write_cohort(generate_cohort(seed=5, n_retrospective=60, n_prospective=20), folder / "full")
    (folder / "small.yaml").write_text("bootstrap: {replicates: 20, chunk_size: 20}\n")
    (folder / "no_retrospective_endpoints.yaml").write_text(
        "survival: {endpoints: {retrospective: []}}\nbootstrap: {replicates: 0}\n"
    )
    patients = pd.read_parquet(folder / "full" / "patients.parquet")
    for cohort in ("retrospective", "prospective"):
        keep = set(patients.loc[patients["cohort"] == cohort, "patient_id"])
        (folder / cohort).mkdir()
        for table in TABLES:
            frame = pd.read_parquet(folder / "full" / f"{table}.parquet")
            frame[frame["patient_id"].isin(keep)].to_parquet(folder / cohort / f"{table}.parquet", index=False)
    return folder


def run(folder, name: str, *config: str, overlay: str = "small.yaml") -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(SNAKEMAKE),
            "--snakefile", str(ROOT / "Snakefile"),
            "--directory", str(folder),
            "--configfile", str(ROOT / "config" / "config.yaml"), str(folder / "small.yaml"), str(folder / overlay),
            "--config", f"results_dir=results_{name}", f"logs_dir=logs_{name}", *config,
            "--cores", "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_a_retrospective_only_cohort_gets_a_finished_report(cohorts):
    check_single_cohort(cohorts, "retrospective", "prospective", run(cohorts, "retrospective", "input_dir=retrospective"))


def check_single_cohort(cohorts, present: str, absent: str, done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Traceback" not in done.stderr
    results = cohorts / f"results_{present}"
    report = (results / "report.html").read_text()
    assert f"This data set has no analysed {absent} patients" in report
    models = pd.read_csv(results / "tables/survival_models.tsv", sep="\t", keep_default_na=False, na_values=[""])
    missing = models[models["cohort"] == absent]
    assert len(missing) and missing["hr"].isna().all()
    missing = missing[missing["ci_method"] != "bootstrap_percentile"]
    assert missing["note"].str.contains("not estimable: no patients in this contrast").all()
    analysed = models[(models["cohort"] == present) & (models["ci_method"] != "bootstrap_percentile")]
    assert analysed["hr"].notna().any()


def test_a_prospective_only_cohort_with_no_retrospective_endpoints_gets_a_finished_report(cohorts):
    """Also an empty endpoint list (``survival.endpoints.retrospective: []``): no such models, no crash."""
    plain = run(cohorts, "prospective", "input_dir=prospective")
    check_single_cohort(cohorts, "prospective", "retrospective", plain)
    done = run(cohorts, "no_endpoints", "input_dir=prospective", overlay="no_retrospective_endpoints.yaml")
    assert done.returncode == 0, done.stderr[-4000:]
    results = cohorts / "results_no_endpoints"
    models = pd.read_csv(results / "tables/survival_models.tsv", sep="\t")
    assert not (models["cohort"] == "retrospective").any()
    assert (models["cohort"] == "prospective").any()
    assert (results / "report.html").is_file()
