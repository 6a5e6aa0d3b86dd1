"""Adverse events per cohort, category and group (rule adverse_events)."""

import pandas as pd

from myoild.adverse_events import ANALYSIS_COLUMNS, EVENT_COLUMNS, PATIENT_COLUMNS, adverse_event_table
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import read_analysis_columns, write_tsv

with rule_log(snakemake.log[0]):
    table = adverse_event_table(
        pd.read_parquet(snakemake.input.adverse_events, columns=list(EVENT_COLUMNS)),
        read_analysis_columns(snakemake.input.analysis_set, ANALYSIS_COLUMNS),
        pd.read_parquet(snakemake.input.patients, columns=list(PATIENT_COLUMNS)),
        StudyDesign.from_dict(snakemake.params.design),
    )
    write_tsv(table, snakemake.output.table)
