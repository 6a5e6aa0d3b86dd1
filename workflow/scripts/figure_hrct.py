"""Figure 4A-E: HRCT change per feature and group (rule figure_hrct)."""

from myoild.disclosure import Disclosure
from myoild.figures.hrct import hrct_change_figure
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    disclosure = Disclosure(min_cell_count=snakemake.params.min_cell_count)
    hrct_change_figure(read_tsv(snakemake.input.deltas), snakemake.params.stem, disclosure)
