"""Propensity weights, balance and diagnostics of the retrospective contrasts (rule weights)."""

from myoild.contrasts import analysis_columns
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.tabular import read_analysis_columns, write_parquet, write_tsv
from myoild.weighting import WeightingOptions, weigh_contrasts

with rule_log(snakemake.log[0]):
    design = StudyDesign.from_dict(snakemake.params.design)
    weights, balance, diagnostics = weigh_contrasts(
        read_analysis_columns(snakemake.input.analysis_set, analysis_columns(design, [])),
        snakemake.params.contrasts,
        WeightingOptions.from_config(snakemake.params.propensity, design),
    )
    for contrast, path in zip(snakemake.params.contrasts, snakemake.output.weights):
        write_parquet(weights[contrast], path)
    write_tsv(balance, snakemake.output.balance)
    write_tsv(diagnostics, snakemake.output.diagnostics)
