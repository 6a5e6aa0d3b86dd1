"""Assessment scales per group and visit with their tests (rule scales)."""

import pandas as pd

from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.scales import scale_summary
from myoild.tabular import write_tsv

with rule_log(snakemake.log[0]):
    table = scale_summary(
        pd.read_parquet(snakemake.input.visits),
        pd.read_parquet(snakemake.input.analysis_set),
        StudyDesign.from_dict(snakemake.params.design),
    )
    write_tsv(table, snakemake.output.scales)
