"""No stale or mixed results (issue 13 §3), with real Snakemake runs: a results folder without
Snakemake history pointed at another input revalidates it, and one run at a time writes a results
folder (myoild.results_folder)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from test_results_folder import ended_process_id
from test_workflow_runs import command, run

from myoild.results_folder import LOCK_NAME
from myoild.synth import generate_cohort, write_cohort

pytestmark = pytest.mark.slow


def folder_state(folder: Path) -> dict[str, tuple]:
    """Every file and folder under ``folder``: modification time (ns) and, for files, the bytes."""
    return {
        str(path.relative_to(folder)): (path.stat().st_mtime_ns, None if path.is_dir() else path.read_bytes())
        for path in sorted(folder.rglob("*"))
    }


def lock_written(results: Path) -> bool:
    """Whether the results folder's lock exists with its content (created first, then written)."""
    lock = results / LOCK_NAME
    return lock.exists() and lock.stat().st_size > 0


def checkout(root: Path, name: str) -> Path:
    """A working directory of its own (its own .snakemake), as a second checkout has."""
    folder = root / name
    folder.mkdir()
    (folder / "small.yaml").write_text("bootstrap: {replicates: 0}\n")
    return folder


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Cohort ``a`` (valid) and ``bad`` (``a`` with one invalid cell), and checkout ``one`` whose
    ``results`` hold cohort ``a``'s results as a finished run leaves them: validation run for real,
    every other output a placeholder naming cohort a (a whole run takes over a minute)."""
    folder = tmp_path_factory.mktemp("stale")
    write_cohort(generate_cohort(seed=7, n_retrospective=40, n_prospective=12), folder / "a", fmt="csv")
    shutil.copytree(folder / "a", folder / "bad")
    patients = folder / "bad" / "patients.csv"
    header, first, *rest = patients.read_text().splitlines()
    cells = first.split(",")
    cells[header.split(",").index("sex")] = "X"
    patients.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    one = checkout(folder, "one")
    cohort_a = (f"input_dir={folder / 'a'}",)
    run(one, "results", "validate", config=cohort_a)
    summary = run(one, "results", "--summary", config=cohort_a).stdout
    finished = time.time_ns()  # one time for all, so that none is newer than what depends on it
    for output, *_, status, _plan in (line.split("\t") for line in summary.splitlines()[1:]):
        if status == "missing":
            placeholder = one / output  # relative to the checkout
            placeholder.parent.mkdir(parents=True, exist_ok=True)
            placeholder.write_text("result of cohort a\n")
            os.utime(placeholder, ns=(finished, finished))
    assert (one / "results" / "report.html").read_text() == "result of cohort a\n"
    return folder


def test_a_folder_without_history_pointed_at_another_invalid_cohort_fails_and_keeps_no_old_report(root):
    copied = root / "copied"
    shutil.copytree(root / "one" / "results", copied)
    # A lock copied along from a run that was killed: its process is gone.
    stale = {"host": socket.gethostname(), "pid": ended_process_id(), "started": "s", "working_directory": "w"}
    (copied / LOCK_NAME).write_text(json.dumps({**stale, "token": "t"}))

    done = subprocess.run(
        command(checkout(root, "two"), "../copied", config=(f"input_dir={root / 'bad'}",)),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode != 0, done.stdout[-2000:]
    assert "Nothing to be done" not in done.stdout + done.stderr
    assert f"taking over the lock of results folder {copied}" in done.stderr
    assert "removed the earlier results' validated/input_" in done.stderr
    assert 'patients, row 1, patient_id P00001, column sex: "X" is not one of F, M' in done.stderr
    assert json.loads((copied / "validation" / "report.json").read_text())["status"] == "fail"
    left = {str(path.relative_to(copied)) for path in copied.rglob("*") if path.is_file()}
    assert {"report.html", "manifest.json", LOCK_NAME} & left == set()
    assert not any(name.startswith("validated/") for name in left)


def test_a_dry_run_plans_validation_for_another_input_only_and_writes_nothing(root):
    results = root / "one" / "results"
    before = folder_state(results)
    dry = checkout(root, "dry")
    for cohort, planned in (("a", False), ("bad", True)):
        done = run(dry, "../one/results", "--dry-run", config=(f"input_dir={root / cohort}",))
        assert ("Nothing to be done" not in done.stdout) == planned
        assert ("Missing output files: " in done.stdout and "input_" in done.stdout) == planned
    assert folder_state(results) == before


def test_a_second_run_into_a_folder_in_use_stops_at_start_and_touches_nothing(root):
    shared = root / "shared"
    cohort_a = (f"input_dir={root / 'a'}",)
    first = subprocess.Popen(
        command(checkout(root, "three"), "../shared", "validate", config=cohort_a),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not lock_written(shared) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.poll() is None and lock_written(shared), "the first run took no lock"
        os.killpg(first.pid, signal.SIGSTOP)
        before = folder_state(shared)

        second = subprocess.run(
            command(checkout(root, "four"), "../shared", config=cohort_a), capture_output=True, text=True, timeout=300
        )

        assert second.returncode != 0
        line = next(line for line in second.stderr.splitlines() if "is in use" in line)
        assert line.startswith(f"myoild: results folder {shared} is in use by another run (host ")
        assert f", pid {first.pid}, " in line and f"working directory {root / 'three'}" in line
        assert f"delete {shared / LOCK_NAME} and start again" in line
        assert folder_state(shared) == before
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGCONT)
        stderr = first.communicate(timeout=300)[1]
    assert first.returncode == 0, stderr[-3000:]
    assert not (shared / LOCK_NAME).exists()
    assert len(list((shared / "validated").glob("input_*.json"))) == 1
