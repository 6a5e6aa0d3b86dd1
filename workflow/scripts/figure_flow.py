"""Patient flow diagram from cohort/flow.tsv (rule figure_flow)."""

from myoild.figures.flow import flow_diagram
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    flow_diagram(read_tsv(snakemake.input.flow), snakemake.params.stem)
