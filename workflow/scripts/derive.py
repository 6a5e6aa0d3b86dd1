"""Derive the analysis set and the patient flow from the normalised tables (rule derive)."""

import pandas as pd

from myoild.derive import INPUT_COLUMNS, derive_cohort, site_flow
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import write_parquet, write_tsv

with rule_log(snakemake.log[0]):
    tables = {
        table: pd.read_parquet(snakemake.input[table], columns=columns) for table, columns in INPUT_COLUMNS.items()
    }
    design = StudyDesign.from_dict(snakemake.params.design)
    derivation = derive_cohort(tables, design, snakemake.threads)
    write_parquet(derivation.analysis_set, snakemake.output.analysis_set)
    write_tsv(derivation.flow, snakemake.output.flow)
    write_tsv(site_flow(derivation.analysis_set, design), snakemake.output.flow_by_site)
