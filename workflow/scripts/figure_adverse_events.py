"""Adverse events by category and group (rule figure_adverse_events)."""

from myoild.figures.adverse_events import adverse_event_chart
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    adverse_event_chart(read_tsv(snakemake.input.table), snakemake.params.stem)
