"""One chunk of bootstrap replicates (rule bootstrap_chunk)."""

from myoild.bootstrap import bootstrap_chunk
from myoild.contrasts import analysis_columns
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import read_analysis_columns, write_parquet
from myoild.weighting import WeightingOptions

with rule_log(snakemake.log[0]):
    first, stop = snakemake.params.replicates
    design = StudyDesign.from_dict(snakemake.params.design)
    chunk = bootstrap_chunk(
        read_analysis_columns(snakemake.input.analysis_set, analysis_columns(design, snakemake.params.endpoints)),
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
