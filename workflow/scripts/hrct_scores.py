"""HRCT exam scores and inter-reader agreement (rule hrct_scores)."""

import pandas as pd

from myoild.hrct import hrct_scores, reader_agreement
from myoild.pipeline import rule_log
from myoild.tabular import write_parquet, write_tsv

with rule_log(snakemake.log[0]):
    reads = pd.read_parquet(snakemake.input.hrct_reads)
    scores = hrct_scores(reads)
    write_parquet(scores, snakemake.output.scores)
    write_tsv(reader_agreement(reads, scores), snakemake.output.agreement)
