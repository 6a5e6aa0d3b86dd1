"""Cumulative incidence of relapse and of death per arm (rule figure_competing_risks)."""

from myoild.design import StudyDesign
from myoild.figures.competing import competing_risks_figure
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    design = StudyDesign.from_dict(snakemake.params.design)
    competing_risks_figure(read_tsv(snakemake.input.curves), snakemake.params.stem, design.followup_days)
