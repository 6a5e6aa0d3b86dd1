"""Propensity weights, balance and diagnostics of the retrospective contrasts (rule weights)."""

import pandas as pd

from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import write_parquet, write_tsv
from myoild.weighting import WeightingOptions, weigh_contrasts

with rule_log(snakemake.log[0]):
    weights, balance, diagnostics = weigh_contrasts(
        pd.read_parquet(snakemake.input.analysis_set),
        snakemake.params.contrasts,
        WeightingOptions.from_config(snakemake.params.propensity, StudyDesign.from_dict(snakemake.params.design)),
    )
    for contrast, path in zip(snakemake.params.contrasts, snakemake.output.weights):
        write_parquet(weights[contrast], path)
    write_tsv(balance, snakemake.output.balance)
    write_tsv(diagnostics, snakemake.output.diagnostics)
