"""End to end: the Snakemake `validate` target on a small generated cohort and on a broken one."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from myoild.results_folder import raw_input_fingerprint
from myoild.synth import generate_cohort, write_cohort

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

pytestmark = pytest.mark.slow


def run_snakemake(workdir: Path, cohort: Path, *targets: str) -> subprocess.CompletedProcess:
    """Run the workflow in its own working directory on ``cohort``; results in workdir/results."""
    command = [
        str(SNAKEMAKE),
        "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(ROOT / "config" / "config.yaml"),
        "--config", f"input_dir={cohort}", "results_dir=results", "logs_dir=logs",
        "--cores", "1",
        *targets,
    ]
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir, timeout=300)


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cohort")
    write_cohort(generate_cohort(seed=7, n_retrospective=40, n_prospective=12), folder, fmt="csv")
    shutil.rmtree(folder / "truth")
    return folder


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_validate_target_passes_on_a_good_cohort(small_cohort, tmp_path):
    done = run_snakemake(tmp_path, small_cohort, "validate")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "results" / "validation" / "report.json").read_text())
    assert report["status"] == "pass"
    assert report["errors"] == []
    assert set(report["tables"]) == {"patients", "medications", "visits", "hrct_reads", "adverse_events"}
    fingerprint = raw_input_fingerprint(sorted(small_cohort.glob("*.csv")), reuse=False)
    assert files_under(tmp_path / "results") == [
        "validated/adverse_events.parquet",
        "validated/hrct_reads.parquet",
        f"validated/input_{fingerprint[:16]}.json",
        "validated/medications.parquet",
        "validated/patients.parquet",
        "validated/visits.parquet",
        "validation/report.json",
        "validation/report.md",
    ]


def test_broken_cohort_stops_with_a_message_and_leaves_only_the_report(small_cohort, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(small_cohort, broken)
    patients = (broken / "patients.csv").read_text().splitlines()
    header = patients[0].split(",")
    row = patients[3].split(",")  # data row 3
    row[header.index("sex")] = "X"
    patients[3] = ",".join(row)
    (broken / "patients.csv").write_text("\n".join(patients) + "\n")
    (broken / "visits.csv").write_bytes(b'patient_id,visit_date\n"P00001,2020-01-01\n')  # unterminated quote

    done = run_snakemake(tmp_path, broken, "all")

    assert done.returncode != 0
    message = done.stdout + done.stderr
    assert "Traceback" not in message
    patient_id = row[header.index("patient_id")]
    first_error = next(line for line in message.splitlines() if "patients" in line and "sex" in line)
    assert "row 3" in first_error and patient_id in first_error and '"X"' in first_error
    assert "visits" in message and "report" in message
    assert files_under(tmp_path / "results") == ["validation/report.json", "validation/report.md"]
    report = json.loads((tmp_path / "results" / "validation" / "report.json").read_text())
    assert report["status"] == "fail"
    sex_error = next(error for error in report["errors"] if error["column"] == "sex")
    assert sex_error == {**sex_error, "table": "patients", "row": 3, "patient_id": patient_id}
    assert any(error["table"] == "visits" and error["check"] == "readable" for error in report["errors"])
