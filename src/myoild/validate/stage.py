"""The validate stage as the workflow and the command line run it: report, normalised tables, exit status."""

from __future__ import annotations

import sys
from pathlib import Path

from myoild.contract import TABLES
from myoild.validate.core import ValidationDisabledError, validate_folder, write_normalised
from myoild.validate.crosstable import BASELINE_WINDOW_DAYS
from myoild.validate.report import failure_message, write_report

REPORT_DIR = "validation"
NORMALISED_DIR = "validated"


def main(
    input_dir: str | Path,
    results_dir: str | Path,
    baseline_window_days: int = BASELINE_WINDOW_DAYS,
    workers: int = 1,
) -> int:
    """Validate ``input_dir`` (``workers`` tables at a time: ``validate_folder``); write
    ``<results_dir>/validation/report.{json,md}`` and, on pass, the normalised tables to
    ``<results_dir>/validated/<table>.parquet``. Return the exit status.

    On failure the message (first errors, count, report path) goes to stderr, stale normalised
    tables of an earlier run are removed so that no later stage can pick them up, and 1 is
    returned. 2 means validation refused to run (pandera switched off). Bad data never raises.
    """
    results_dir = Path(results_dir)
    try:
        result = validate_folder(input_dir, baseline_window_days, workers)
    except ValidationDisabledError as exc:
        print(f"myoild validate: {exc}", file=sys.stderr)
        return 2
    report_dir = results_dir / REPORT_DIR
    write_report(result, report_dir / "report.json", report_dir / "report.md")
    normalised_dir = results_dir / NORMALISED_DIR
    if result.status == "fail":
        for table in TABLES:
            (normalised_dir / f"{table}.parquet").unlink(missing_ok=True)
        print(failure_message(result, report_dir / "report.md"), file=sys.stderr)
        return 1
    write_normalised(result, normalised_dir)
    rows = ", ".join(f"{table} {result.info[table].rows}" for table in TABLES)
    print(f"Validation passed ({rows} rows; {len(result.notes)} warnings): {report_dir / 'report.md'}", file=sys.stderr)
    return 0
