"""Baseline-to-12-month HRCT change per group, with counted exclusions (rule hrct_deltas)."""

import pandas as pd

from myoild.design import StudyDesign
from myoild.hrct import ANALYSIS_COLUMNS, SCORE_COLUMNS, hrct_deltas
from myoild.pipeline import rule_log
from myoild.tabular import read_analysis_columns, write_tsv

with rule_log(snakemake.log[0]):
    deltas, exclusions = hrct_deltas(
        pd.read_parquet(snakemake.input.scores, columns=list(SCORE_COLUMNS)),
        read_analysis_columns(snakemake.input.analysis_set, ANALYSIS_COLUMNS, "prospective"),
        StudyDesign.from_dict(snakemake.params.design),
    )
    write_tsv(deltas, snakemake.output.deltas)
    write_tsv(exclusions, snakemake.output.exclusions)
