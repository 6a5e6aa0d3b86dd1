"""Kaplan-Meier figures of every contrast, weighted and unweighted (rule figure_km)."""

from pathlib import Path

from myoild.figures.km import km_figure
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    models, km, at_risk = (read_tsv(path) for path in (snakemake.input.models, snakemake.input.km, snakemake.input.at_risk))
    for contrast, weighting in snakemake.params.panels.values():
        km_figure(
            km, at_risk, models, contrast, weighting == "weighted", Path(snakemake.params.folder) / f"km_{contrast}_{weighting}"
        )
