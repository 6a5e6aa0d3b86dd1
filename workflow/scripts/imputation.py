"""Multiple imputation of missing propensity-model covariates, pooled by Rubin's rules (rule
imputation); with ``missing.method: complete_case`` both tables hold only their header."""

import pandas as pd

from myoild.design import StudyDesign
from myoild.imputation import PER_IMPUTATION_COLUMNS, mi_estimates
from myoild.pipeline import rule_log
from myoild.survival import MODEL_COLUMNS
from myoild.tabular import write_tsv
from myoild.weighting import WeightingOptions

with rule_log(snakemake.log[0]):
    params = snakemake.params
    results = []
    if params.missing["method"] == "mice":
        analysis_set = pd.read_parquet(snakemake.input.analysis_set)
        design = StudyDesign.from_dict(params.design)
        options = WeightingOptions.from_config(params.propensity, design)
        m, seed = params.missing["imputations"], params.missing["seed"]
        results = [
            mi_estimates(analysis_set, contrast, params.endpoints, options, m, seed, params.ties, design.strata)
            for contrast in params.contrasts
        ]
    for part, (path, columns) in enumerate(
        ((snakemake.output.estimates, PER_IMPUTATION_COLUMNS), (snakemake.output.pooled, MODEL_COLUMNS))
    ):
        frames = [result[part] for result in results if len(result[part])]
        write_tsv(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns), path)
