"""Validate the raw tables and write the normalised ones and the input record (rule validate); exit 1
on invalid data or on tables that changed after the run started."""

import sys
from pathlib import Path

from myoild.pipeline import rule_log
from myoild.results_folder import record_validated_input, retire_superseded
from myoild.validate import main
from myoild.validate.stage import REPORT_DIR

with rule_log(snakemake.log[0]):
    results = Path(snakemake.params.results_dir)
    retire_superseded(results)
    status = main(snakemake.params.input_dir, results, snakemake.params.baseline_window_days, snakemake.threads)
    if status == 0:
        status = record_validated_input(
            results / REPORT_DIR / "report.json", snakemake.params.fingerprint, snakemake.output.input_record
        )
sys.exit(status)
