"""Whole runs of the workflow: identical bytes for identical input and config, resume after a killed
run, reruns decided by content (a touched input reruns nothing; a changed parameter or input reruns
exactly what depends on it)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from myoild.synth import generate_cohort, write_cohort

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

pytestmark = pytest.mark.slow


def command(workdir: Path, results: str, *extra: str, config: tuple[str, ...] = ()) -> list[str]:
    """The snakemake command line; ``config`` adds KEY=VALUE items to the one ``--config`` (a second
    ``--config`` flag would replace the first)."""
    return [
        str(SNAKEMAKE),
        "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(ROOT / "config" / "config.yaml"), str(workdir / "small.yaml"),
        "--config", f"results_dir={results}", f"logs_dir=logs_{results}", *config,
        "--cores", "2",
        *extra,
    ]


def run(workdir: Path, results: str, *extra: str, config: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    done = subprocess.run(command(workdir, results, *extra, config=config), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def planned_jobs(workdir: Path, results: str, config: tuple[str, ...] = ()) -> dict[str, int]:
    """The jobs a dry run would run, from its job-stats table."""
    out = run(workdir, results, "--dry-run", config=config).stdout
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:")[1].split("total")[0].splitlines()[3:]
    return {name: int(count) for name, count in (line.split() for line in table if line.strip())}


def result_files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs")
    write_cohort(generate_cohort(seed=5, n_retrospective=80, n_prospective=20), folder / "cohort", fmt="csv")
    (folder / "small.yaml").write_text("input_dir: cohort\nbootstrap: {replicates: 40, chunk_size: 10}\n")
    run(folder, "first")
    return folder


def test_two_runs_leave_identical_bytes(workdir):
    run(workdir, "second")
    first, second = result_files(workdir / "first"), result_files(workdir / "second")
    assert set(first) == set(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []
    manifest = json.loads(first["manifest.json"])
    recorded = {record["path"] for record in manifest["outputs"]}
    assert set(first) - {"manifest.json"} == recorded
    assert "results_dir" not in manifest["config"]


def test_a_killed_run_resumes_to_the_same_bytes(workdir):
    process = subprocess.Popen(
        command(workdir, "resumed"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    weights = workdir / "resumed" / "weights" / "tacrolimus_vs_conventional.parquet"
    deadline = time.monotonic() + 300
    while not weights.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (workdir / "resumed" / "manifest.json").exists()
    run(workdir, "resumed", "--unlock")
    run(workdir, "resumed", "--rerun-incomplete")
    assert result_files(workdir / "resumed") == result_files(workdir / "first")


def test_touching_inputs_and_outputs_reruns_nothing(workdir):
    for path in [*(workdir / "cohort").glob("*.csv"), *(workdir / "first").rglob("*")]:
        path.touch()
    assert planned_jobs(workdir, "first") == {}


def test_a_changed_parameter_reruns_exactly_what_depends_on_it(workdir):
    planned = planned_jobs(workdir, "first", config=("survival={ties: breslow}",))
    assert planned == {
        "survival": 1,
        "sensitivity": 1,
        "bootstrap_chunk": 4,
        "bootstrap": 1,
        "figure_km": 1,
        "figure_forest": 1,
        "figure_sensitivity": 1,
        "figure_schoenfeld": 1,
        "figure_competing_risks": 1,
        "manuscript": 1,
        "sites": 1,
        "imputation": 1,
        "report": 1,
        "manifest": 1,
        "all": 1,
    }


def test_a_changed_input_reruns_validation_and_everything_after(workdir):
    patients = workdir / "cohort" / "patients.csv"
    original = patients.read_text()
    try:
        patients.write_text(original.replace(",Tongji,", ",Wuhan,", 1))
        planned = planned_jobs(workdir, "first")
    finally:
        patients.write_text(original)
    assert planned["validate"] == 1 and planned["derive"] == 1 and planned["manifest"] == 1
    assert "synth" not in planned


def test_every_rule_that_runs_package_code_carries_its_code_fingerprint():
    """Snakemake's code trigger does not see imported modules: each script rule needs code_hash."""
    for rule_file in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in rule_file.read_text().split("\nrule ")[1:]:
            if "script:" in block:
                assert "code=package_code(" in block, f"{rule_file.name}: rule {block.split(':')[0]}"
