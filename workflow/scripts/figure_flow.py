"""Patient flow diagram from cohort/flow.tsv (rule figure_flow)."""

from myoild.disclosure import Disclosure
from myoild.figures.flow import flow_diagram
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    disclosure = Disclosure(min_cell_count=snakemake.params.min_cell_count)
    flow_diagram(read_tsv(snakemake.input.flow), snakemake.params.stem, disclosure)
