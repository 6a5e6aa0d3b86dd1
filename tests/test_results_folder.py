"""myoild.results_folder without Snakemake: the input fingerprint and record, what a new validation
retires, and the results-folder lock (tests/test_stale_results.py runs them in the workflow)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_validate import good_cohort, write_cohort

from myoild.contract import TABLES
from myoild.results_folder import (
    BUILT_IN_COHORT,
    FINGERPRINT_VARIABLE,
    LOCK_NAME,
    ResultsFolderInUse,
    ResultsFolderLock,
    built_in_fingerprint,
    input_record_path,
    raw_input_fingerprint,
    record_validated_input,
    retire_superseded,
)
from myoild.validate import main


@pytest.fixture(autouse=True)
def no_inherited_fingerprint(monkeypatch):
    """Each test starts as a run's main process would: no fingerprint left by another."""
    monkeypatch.delenv(FINGERPRINT_VARIABLE, raising=False)


@pytest.fixture
def raw(tmp_path) -> list[Path]:
    """The good hand-made cohort as CSV files, in table order."""
    folder = write_cohort(good_cohort(), tmp_path / "raw")
    return [folder / f"{table}.csv" for table in TABLES]


def test_the_fingerprint_of_the_files_is_the_one_recorded_from_the_validation_report(raw, tmp_path):
    fingerprint = raw_input_fingerprint(raw, reuse=False)
    assert main(raw[0].parent, tmp_path / "results") == 0
    record = Path(input_record_path(str(tmp_path / "results"), fingerprint))
    assert record.name == f"input_{fingerprint[:16]}.json"
    assert record_validated_input(tmp_path / "results/validation/report.json", fingerprint, record) == 0
    written = json.loads(record.read_text())
    assert written["fingerprint"] == fingerprint
    assert {table: entry["file"] for table, entry in written["tables"].items()} == {
        table: f"{table}.csv" for table in TABLES
    }


def test_a_changed_table_changes_the_fingerprint_and_a_touched_one_does_not(raw):
    before = raw_input_fingerprint(raw, reuse=False)
    os.utime(raw[0], ns=(1, 1))
    assert raw_input_fingerprint(raw, reuse=False) == before
    raw[0].write_text(raw[0].read_text().replace("P001", "P009"))
    assert raw_input_fingerprint(raw, reuse=False) != before


def test_started_jobs_reuse_the_main_process_fingerprint_only_while_size_and_time_hold(raw):
    planned = raw_input_fingerprint(raw, reuse=False)
    stamp = raw[1].stat().st_mtime_ns
    raw[1].write_text(raw[1].read_text().replace("P001", "P009"))  # same size
    os.utime(raw[1], ns=(stamp, stamp))
    assert raw_input_fingerprint(raw, reuse=True) == planned
    os.utime(raw[1], ns=(stamp + 1, stamp + 1))
    rehashed = raw_input_fingerprint(raw, reuse=True)
    assert rehashed != planned
    assert rehashed == raw_input_fingerprint(raw, reuse=False)


def test_a_table_that_cannot_be_read_still_gets_a_fingerprint_for_validation_to_report(raw, tmp_path):
    folder_named_like_a_table = tmp_path / "raw" / "patients.parquet"
    folder_named_like_a_table.mkdir()
    assert raw_input_fingerprint([*raw, folder_named_like_a_table], reuse=False) != raw_input_fingerprint(
        raw, reuse=False
    )


def test_tables_that_changed_after_the_run_started_are_not_recorded(raw, tmp_path, capsys):
    planned = raw_input_fingerprint(raw, reuse=False)
    raw[2].write_text(raw[2].read_text() + "\n")
    assert main(raw[0].parent, tmp_path / "results") == 0
    record = tmp_path / "record.json"
    assert record_validated_input(tmp_path / "results/validation/report.json", planned, record) == 1
    assert not record.exists()
    assert f"fingerprint {planned} when it started" in capsys.readouterr().err


def test_the_built_in_cohorts_record_names_its_generator_settings_and_no_planned_tables(raw, tmp_path):
    settings = {"seed": 20220901, "n_retrospective": 261, "format": "parquet", "out_dir": "resources/synthetic"}
    fingerprint = built_in_fingerprint(settings)
    assert fingerprint.startswith(BUILT_IN_COHORT)
    assert built_in_fingerprint({**settings, "out_dir": "elsewhere"}) == fingerprint  # the folder is no setting
    other = built_in_fingerprint({**settings, "seed": 1})
    path = input_record_path("out", fingerprint)
    assert path.startswith("out/validated/input_builtin_") and path != input_record_path("out", other)
    assert main(raw[0].parent, tmp_path / "results") == 0
    record = tmp_path / "input_builtin.json"
    assert record_validated_input(tmp_path / "results/validation/report.json", fingerprint, record) == 0
    assert json.loads(record.read_text())["fingerprint"] == fingerprint


def test_a_new_validation_retires_earlier_records_the_report_and_the_manifest_only(tmp_path, capsys):
    kept = ["validated/patients.parquet", "validation/report.json", "tables/km.tsv", "validated/notes.json"]
    retired = ["validated/input_0123456789abcdef.json", "validated/input_builtin.json", "report.html", "manifest.json"]
    for name in kept + retired:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("earlier run")
    assert sorted(retire_superseded(tmp_path)) == sorted(tmp_path / name for name in retired)
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file()) == sorted(kept)
    message = capsys.readouterr().err
    assert all(name in message for name in retired) and "removed the earlier results'" in message


def test_a_second_lock_on_a_folder_is_refused_with_the_holder_and_how_to_remove_it(tmp_path):
    first = ResultsFolderLock(tmp_path / "results")
    first.acquire()
    with pytest.raises(ResultsFolderInUse) as refused:
        ResultsFolderLock(tmp_path / "results").acquire()
    message = str(refused.value)
    assert "\n" not in message
    assert f"results folder {tmp_path / 'results'} is in use" in message
    assert f"host {socket.gethostname()}, pid {os.getpid()}" in message
    assert f"working directory {os.getcwd()}" in message
    assert f"delete {tmp_path / 'results' / LOCK_NAME}" in message
    first.release()
    assert not (tmp_path / "results" / LOCK_NAME).exists()


def test_release_leaves_a_lock_that_is_not_this_runs(tmp_path):
    lock = ResultsFolderLock(tmp_path)
    lock.acquire()
    (tmp_path / LOCK_NAME).unlink()
    other = ResultsFolderLock(tmp_path)
    other.acquire()
    lock.release()
    assert json.loads((tmp_path / LOCK_NAME).read_text()) == other.held


def ended_process_id() -> int:
    """The id of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_lock_left_by_an_ended_process_on_this_host_is_taken_over_with_a_warning(tmp_path, capsys):
    stale = {"host": socket.gethostname(), "pid": ended_process_id(), "started": "2024-01-01T00:00:00+00:00"}
    (tmp_path / LOCK_NAME).write_text(json.dumps({**stale, "working_directory": "/elsewhere", "token": "x"}))
    lock = ResultsFolderLock(tmp_path)
    lock.acquire()
    assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
    warning = capsys.readouterr().err
    assert f"taking over the lock of results folder {tmp_path}" in warning
    assert f"pid {stale['pid']}, started {stale['started']}) has ended" in warning


@pytest.mark.parametrize(
    "text, shown",
    [
        (
            json.dumps({"host": "another-host", "pid": 1, "started": "s", "working_directory": "w", "token": "t"}),
            "host another-host, pid 1",
        ),
        ("", "a lock that cannot be read"),
        ('{"pid": "12"}', "a lock that cannot be read"),
    ],
    ids=["another host", "empty", "not a lock record"],
)
def test_a_lock_from_another_host_or_that_cannot_be_read_is_never_taken_over(tmp_path, text, shown):
    (tmp_path / LOCK_NAME).write_text(text)
    with pytest.raises(ResultsFolderInUse, match=shown):
        ResultsFolderLock(tmp_path).acquire()
    assert (tmp_path / LOCK_NAME).read_text() == text
