"""Kaplan-Meier figures of every contrast, weighted and unweighted (rule figure_km), numbers at risk
as config ``report.min_cell_count`` allows; a contrast without curves (no patients in this data set)
gets a figure saying so."""

from pathlib import Path

from myoild.disclosure import Disclosure
from myoild.figures.km import km_figure
from myoild.figures.style import message_figure
from myoild.labels import contrast_label
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    disclosure = Disclosure(min_cell_count=snakemake.params.min_cell_count)
    models, km, at_risk = (read_tsv(path) for path in (snakemake.input.models, snakemake.input.km, snakemake.input.at_risk))
    for contrast, weighting in snakemake.params.panels.values():
        stem = Path(snakemake.params.folder) / f"km_{contrast}_{weighting}"
        weighted = weighting == "weighted"
        if km[(km["contrast"] == contrast) & (km["weighted"] == weighted)].empty:
            message_figure(f"Kaplan-Meier ({weighting}), {contrast_label(contrast)}: no curves (no patients)", stem)
        else:
            km_figure(km, at_risk, models, contrast, weighted, stem, disclosure)
