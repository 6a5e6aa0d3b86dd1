"""Sensitivity grid of the main contrast and landmark models of every contrast (rule sensitivity)."""

import pandas as pd

from myoild.contrasts import analysis_columns
from myoild.design import StudyDesign
from myoild.landmark import landmark_model_row
from myoild.pipeline import rule_log
from myoild.sensitivity import sensitivity_grid
from myoild.survival import MODEL_COLUMNS
from myoild.tabular import read_analysis_columns, write_tsv
from myoild.weighting import WeightingOptions

with rule_log(snakemake.log[0]):
    design = StudyDesign.from_dict(snakemake.params.design)
    options = WeightingOptions.from_config(snakemake.params.propensity, design)
    contrasts, endpoints = snakemake.params.contrasts, snakemake.params.endpoints
    analysis_set = read_analysis_columns(snakemake.input.analysis_set, analysis_columns(design, endpoints))
    landmark_days, strata = design.treatment_window_days, design.strata
    write_tsv(sensitivity_grid(analysis_set, contrasts[0], endpoints, options, strata), snakemake.output.grid)
    landmark = [
        landmark_model_row(
            analysis_set,
            contrast,
            endpoint,
            options,
            landmark_days,
            snakemake.params.ties,
            strata,
            design.followup_days,
        )
        for contrast in contrasts
        for endpoint in endpoints
    ]
    write_tsv(pd.DataFrame(landmark, columns=MODEL_COLUMNS), snakemake.output.landmark)
