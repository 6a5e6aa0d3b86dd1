"""Cumulative incidence of relapse and of death per arm (rule figure_competing_risks)."""

from myoild.figures.competing import competing_risks_figure
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    competing_risks_figure(
        read_tsv(snakemake.input.curves), snakemake.params.stem, snakemake.params.study["followup_days"]
    )
