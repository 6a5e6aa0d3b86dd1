"""One chunk of bootstrap replicates (rule bootstrap_chunk)."""

import pandas as pd

from myoild.bootstrap import bootstrap_chunk
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import write_parquet
from myoild.weighting import WeightingOptions

with rule_log(snakemake.log[0]):
    first, stop = snakemake.params.replicates
    design = StudyDesign.from_dict(snakemake.params.design)
    chunk = bootstrap_chunk(
        pd.read_parquet(snakemake.input.analysis_set),
        snakemake.params.contrasts,
        snakemake.params.endpoints,
        WeightingOptions.from_config(snakemake.params.propensity, design),
        replicates=range(first, stop),
        seed=snakemake.params.seed,
        stratify=snakemake.params.stratify,
        ties=snakemake.params.ties,
        horizon_days=design.followup_days,
        strata=design.strata,
    )
    write_parquet(chunk, snakemake.output[0])
