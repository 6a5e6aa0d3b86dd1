"""A rule's log: what goes to the log file only, what reaches the console too, and a failing job's
traceback in its log."""

import logging
import subprocess
import sys
import warnings

import pytest

from myoild.pipeline import rule_log


def test_stdout_logging_and_warnings_go_to_the_log_and_stderr_to_both(tmp_path, capsys):
    log = tmp_path / "logs" / "rule.log"
    with rule_log(log):
        print("a line on stdout")
        print("Validation passed (patients 3 rows)", file=sys.stderr)
        logging.getLogger("myoild.test").info("a logged line")
        warnings.warn("a warning", UserWarning)
    text = log.read_text(encoding="utf-8")
    console = capsys.readouterr()
    assert "a line on stdout" in text and "a logged line" in text and "a warning" in text
    assert "Validation passed (patients 3 rows)" in text
    assert console.err == "Validation passed (patients 3 rows)\n"
    assert console.out == ""


def test_a_failing_job_leaves_its_traceback_in_the_log(tmp_path):
    log = tmp_path / "rule.log"
    with pytest.raises(ZeroDivisionError):
        with rule_log(log):
            print("before the error")
            1 / 0
    text = log.read_text(encoding="utf-8")
    assert "before the error" in text
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: division by zero" in text


def test_a_failing_script_reports_on_the_console_and_in_the_log(tmp_path):
    """As Snakemake runs a rule's script: a process whose uncaught exception ends it."""
    log = tmp_path / "rule.log"
    script = (
        "from myoild.pipeline import rule_log\n"
        f"with rule_log({str(log)!r}):\n"
        "    raise ValueError('column age_years is missing')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ValueError: column age_years is missing" in done.stderr
    assert "ValueError: column age_years is missing" in log.read_text(encoding="utf-8")


def test_a_job_pins_its_blas_threads_to_its_snakemake_threads(tmp_path):
    """Jobs side by side must not oversubscribe the cores: inside rule_log the BLAS pools hold the
    rule's threads (1 by default), and are restored after it."""
    import numpy  # noqa: F401 (loads the BLAS library threadpoolctl inspects)
    from threadpoolctl import threadpool_info

    before = [pool["num_threads"] for pool in threadpool_info()]
    with rule_log(tmp_path / "one.log"):
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    with rule_log(tmp_path / "two.log", threads=2):
        assert all(pool["num_threads"] <= 2 for pool in threadpool_info())
    assert [pool["num_threads"] for pool in threadpool_info()] == before
