"""Adverse events per cohort, category and group (rule adverse_events)."""

import pandas as pd

from myoild.adverse_events import adverse_event_table
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import write_tsv

with rule_log(snakemake.log[0]):
    table = adverse_event_table(
        pd.read_parquet(snakemake.input.adverse_events),
        pd.read_parquet(snakemake.input.analysis_set),
        pd.read_parquet(snakemake.input.patients),
        StudyDesign.from_dict(snakemake.params.design),
    )
    write_tsv(table, snakemake.output.table)
