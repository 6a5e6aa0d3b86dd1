"""Scaled Schoenfeld residuals of the main contrast's IPTW Cox models (rule figure_schoenfeld),
stratified as the models by ``survival.strata``."""

import pandas as pd

from myoild.contrasts import analysis_columns
from myoild.design import StudyDesign
from myoild.figures.style import message_figure
from myoild.figures.zph import plot_schoenfeld
from myoild.ph_tests import schoenfeld_panels
from myoild.pipeline import rule_log
from myoild.survival import analysis_data
from myoild.tabular import read_analysis_columns

with rule_log(snakemake.log[0]):
    params = snakemake.params
    design = StudyDesign.from_dict(params.design)
    weights = pd.read_parquet(snakemake.input.weights)
    analysis_set = read_analysis_columns(snakemake.input.analysis_set, analysis_columns(design, params.endpoints))
    data = analysis_data(analysis_set, params.contrast, weights)
    panels, notes = schoenfeld_panels(data, params.contrast, params.endpoints, params.ties, "weight", design.strata)
    if panels:
        plot_schoenfeld(panels, params.stem)
    else:
        message_figure("\n".join(notes) or "No endpoint analysed", params.stem)
