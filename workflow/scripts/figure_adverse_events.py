"""Adverse events by category and group (rule figure_adverse_events), counts as config
``report.min_cell_count`` allows."""

from myoild.design import StudyDesign
from myoild.disclosure import Disclosure
from myoild.figures.adverse_events import adverse_event_chart
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    disclosure = Disclosure(min_cell_count=snakemake.params.min_cell_count)
    window_days = StudyDesign.from_dict(snakemake.params.design).followup_days
    adverse_event_chart(read_tsv(snakemake.input.table), snakemake.params.stem, disclosure, window_days)
