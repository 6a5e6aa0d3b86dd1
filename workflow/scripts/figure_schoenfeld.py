"""Scaled Schoenfeld residuals of the main contrast's IPTW Cox models (rule figure_schoenfeld)."""

import pandas as pd

from myoild.figures.style import message_figure
from myoild.figures.zph import plot_schoenfeld
from myoild.ph_tests import schoenfeld_panels
from myoild.pipeline import rule_log
from myoild.survival import analysis_data

with rule_log(snakemake.log[0]):
    params = snakemake.params
    if params.strata:  # as tables/ph_tests.tsv: the test of a stratified model is not implemented
        message_figure(
            f"Scaled Schoenfeld residuals of models stratified by {', '.join(params.strata)}: not implemented",
            params.stem,
        )
    else:
        weights = pd.read_parquet(snakemake.input.weights)
        data = analysis_data(pd.read_parquet(snakemake.input.analysis_set), params.contrast, weights)
        panels, notes = schoenfeld_panels(data, params.contrast, params.endpoints, params.ties, "weight")
        if panels:
            plot_schoenfeld(panels, params.stem)
        else:
            message_figure("\n".join(notes) or "No endpoint analysed", params.stem)
