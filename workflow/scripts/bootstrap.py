"""Percentile intervals from all chunks, and the final survival_models.tsv (rule bootstrap)."""

import pandas as pd

from myoild.bootstrap import CHUNK_COLUMNS, bootstrap_summary, with_bootstrap_rows, with_rmst_intervals
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv, write_tsv

with rule_log(snakemake.log[0]):
    chunks = [pd.read_parquet(path) for path in snakemake.input.chunks]
    replicates = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=CHUNK_COLUMNS)
    parts = [read_tsv(path) for path in (snakemake.input.models, snakemake.input.landmark, snakemake.input.mi_pooled)]
    models = pd.concat([part for part in parts if len(part)], ignore_index=True)
    summary = bootstrap_summary(
        replicates,
        models,
        snakemake.params.seed,
        snakemake.params.conf_level,
        snakemake.params.max_failed_fraction,
    )
    write_tsv(summary, snakemake.output.bootstrap)
    write_tsv(with_bootstrap_rows(models, summary), snakemake.output.models)
    absolute = with_rmst_intervals(
        read_tsv(snakemake.input.absolute),
        replicates,
        snakemake.params.conf_level,
        snakemake.params.max_failed_fraction,
    )
    write_tsv(absolute, snakemake.output.absolute)
