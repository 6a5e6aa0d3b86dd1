"""Forest plot of the sensitivity grid (rule figure_sensitivity)."""

from myoild.figures.sensitivity import plot_sensitivity_grid
from myoild.figures.style import message_figure
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    grid = read_tsv(snakemake.input.grid)
    if grid.empty:
        message_figure("Sensitivity grid: no endpoint analysed", snakemake.params.stem)
    else:
        plot_sensitivity_grid(grid, snakemake.params.stem, ties=snakemake.params.ties)
