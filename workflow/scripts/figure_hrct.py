"""Figure 4A-E: HRCT change per feature and group (rule figure_hrct)."""

from myoild.figures.hrct import hrct_change_figure
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    hrct_change_figure(read_tsv(snakemake.input.deltas), snakemake.params.stem)
