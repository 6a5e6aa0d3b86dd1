"""Prednisolone-equivalent dose on the index date and at the last visit (rule glucocorticoids)."""

from myoild.design import StudyDesign
from myoild.glucocorticoids import ANALYSIS_COLUMNS, glucocorticoid_sparing
from myoild.pipeline import rule_log
from myoild.tabular import read_analysis_columns, write_tsv

with rule_log(snakemake.log[0]):
    table = glucocorticoid_sparing(
        read_analysis_columns(snakemake.input.analysis_set, ANALYSIS_COLUMNS, "prospective"),
        StudyDesign.from_dict(snakemake.params.design),
    )
    write_tsv(table, snakemake.output.sparing)
