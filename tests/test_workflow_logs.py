"""Logs of whole runs: each results folder has its own log folder, and the validation summary reaches
the console as well as the rule's log, whether validation passes or fails."""

import shutil
import subprocess

import pytest

from myoild.synth import generate_cohort, write_cohort
from test_workflow_runs import command

pytestmark = pytest.mark.slow


def validate(workdir, cohort, results: str) -> subprocess.CompletedProcess:
    """The ``validate`` target into ``results``, with every run's logs under one ``logs_dir``."""
    config = (f"input_dir={cohort}", "logs_dir=logs")
    return subprocess.run(
        command(workdir, results, "validate", config=config), capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logs")
    write_cohort(generate_cohort(seed=7, n_retrospective=40, n_prospective=12), folder / "cohort", fmt="csv")
    (folder / "small.yaml").write_text("bootstrap: {replicates: 0}\n")
    return folder


def test_runs_into_two_results_folders_keep_their_logs_apart_and_show_the_summary(workdir):
    for results in ("results_a", "results_b"):
        done = validate(workdir, workdir / "cohort", results)
        assert done.returncode == 0, done.stderr[-3000:]
        summary = next(line for line in done.stderr.splitlines() if line.startswith("Validation passed ("))
        assert "patients " in summary and " rows; " in summary and f"{results}/validation/report.md" in summary
        log = (workdir / "logs" / results / "validate.log").read_text(encoding="utf-8")
        assert summary in log
        assert (workdir / "logs" / results / "benchmarks" / "validate.tsv").is_file()
    assert not (workdir / "logs" / "validate.log").exists()


def test_a_failed_validation_shows_its_first_errors_on_the_console_and_in_the_log(workdir):
    broken = workdir / "broken"
    shutil.copytree(workdir / "cohort", broken)
    patients = (broken / "patients.csv").read_text().splitlines()
    header = patients[0].split(",")
    row = patients[2].split(",")
    row[header.index("sex")] = "X"
    patients[2] = ",".join(row)
    (broken / "patients.csv").write_text("\n".join(patients) + "\n")

    done = validate(workdir, broken, "results_broken")

    assert done.returncode != 0
    log = (workdir / "logs" / "results_broken" / "validate.log").read_text(encoding="utf-8")
    for text in (done.stderr, log):
        assert "Validation of the input data failed: 1 error (patients 1)." in text
        first_error = next(line for line in text.splitlines() if line.startswith("  - "))
        assert "patients" in first_error and "sex" in first_error and '"X"' in first_error
