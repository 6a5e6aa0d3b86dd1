"""Forest plot of every hazard ratio (rule figure_forest)."""

from myoild.figures.forest import forest_plot
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    forest_plot(read_tsv(snakemake.input.models), snakemake.params.stem)
