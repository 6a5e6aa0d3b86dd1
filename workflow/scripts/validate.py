"""Validate the raw tables and write the normalised ones (rule validate); exit 1 on invalid data."""

import sys

from myoild.pipeline import rule_log
from myoild.validate import main

with rule_log(snakemake.log[0]):
    status = main(snakemake.params.input_dir, snakemake.params.results_dir, snakemake.params.baseline_window_days)
sys.exit(status)
