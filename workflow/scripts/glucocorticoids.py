"""Prednisolone-equivalent dose on the index date and at the last visit (rule glucocorticoids)."""

import pandas as pd

from myoild.design import StudyDesign
from myoild.glucocorticoids import glucocorticoid_sparing
from myoild.pipeline import rule_log
from myoild.tabular import write_tsv

with rule_log(snakemake.log[0]):
    table = glucocorticoid_sparing(
        pd.read_parquet(snakemake.input.analysis_set), StudyDesign.from_dict(snakemake.params.design)
    )
    write_tsv(table, snakemake.output.sparing)
