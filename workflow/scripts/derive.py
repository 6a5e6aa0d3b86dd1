"""Derive the analysis set and the patient flow from the normalised tables (rule derive)."""

from myoild.contract import TABLES
from myoild.derive import derive_cohort, site_flow
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import read_parquet_tables, write_parquet, write_tsv

with rule_log(snakemake.log[0]):
    tables = read_parquet_tables({table: snakemake.input[table] for table in TABLES})
    design = StudyDesign.from_config(snakemake.params.study)
    derivation = derive_cohort(tables, design)
    write_parquet(derivation.analysis_set, snakemake.output.analysis_set)
    write_tsv(derivation.flow, snakemake.output.flow)
    write_tsv(site_flow(derivation.analysis_set, design), snakemake.output.flow_by_site)
