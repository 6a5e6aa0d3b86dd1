"""Scaled Schoenfeld residuals of the main contrast's IPTW Cox models (rule figure_schoenfeld)."""

import pandas as pd

from myoild.figures.style import message_figure
from myoild.figures.zph import plot_schoenfeld
from myoild.ph_tests import schoenfeld_panels
from myoild.pipeline import rule_log
from myoild.survival import analysis_data

with rule_log(snakemake.log[0]):
    weights = pd.read_parquet(snakemake.input.weights)
    contrast = snakemake.params.contrast
    data = analysis_data(pd.read_parquet(snakemake.input.analysis_set), contrast, weights)
    panels, notes = schoenfeld_panels(data, contrast, snakemake.params.endpoints, snakemake.params.ties, "weight")
    if panels:
        plot_schoenfeld(panels, snakemake.params.stem)
    else:
        message_figure("\n".join(notes) or "No endpoint analysed", snakemake.params.stem)
