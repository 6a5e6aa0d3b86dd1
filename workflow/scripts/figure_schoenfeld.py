"""Scaled Schoenfeld residuals of the main contrast's IPTW Cox models (rule figure_schoenfeld),
stratified as the models by ``survival.strata``."""

import pandas as pd

from myoild.design import StudyDesign
from myoild.figures.style import message_figure
from myoild.figures.zph import plot_schoenfeld
from myoild.ph_tests import schoenfeld_panels
from myoild.pipeline import rule_log
from myoild.survival import analysis_data

with rule_log(snakemake.log[0]):
    params = snakemake.params
    weights = pd.read_parquet(snakemake.input.weights)
    data = analysis_data(pd.read_parquet(snakemake.input.analysis_set), params.contrast, weights)
    panels, notes = schoenfeld_panels(
        data, params.contrast, params.endpoints, params.ties, "weight", StudyDesign.from_dict(params.design).strata
    )
    if panels:
        plot_schoenfeld(panels, params.stem)
    else:
        message_figure("\n".join(notes) or "No endpoint analysed", params.stem)
