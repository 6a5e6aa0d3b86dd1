"""Cox models and Kaplan-Meier curves of every contrast (rule survival)."""

import pandas as pd

from myoild.contrasts import analysis_columns
from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.survival import survival_tables
from myoild.tabular import read_analysis_columns, read_tsv, write_tsv

with rule_log(snakemake.log[0]):
    design = StudyDesign.from_dict(snakemake.params.design)
    endpoints = snakemake.params.endpoints
    weights = {
        contrast: pd.read_parquet(path) for contrast, path in zip(snakemake.params.contrasts, snakemake.input.weights)
    }
    results = survival_tables(
        read_analysis_columns(
            snakemake.input.analysis_set,
            analysis_columns(design, [name for names in endpoints.values() for name in names]),
        ),
        endpoints,
        weights,
        snakemake.params.ties,
        read_tsv(snakemake.input.diagnostics),
        design,
        design.strata,
    )
    write_tsv(results.models, snakemake.output.models)
    write_tsv(results.km, snakemake.output.km)
    write_tsv(results.at_risk, snakemake.output.at_risk)
    write_tsv(results.absolute, snakemake.output.absolute)
    write_tsv(results.ph_tests, snakemake.output.ph_tests)
    write_tsv(results.competing, snakemake.output.competing)
