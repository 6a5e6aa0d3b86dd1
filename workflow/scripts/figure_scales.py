"""Figure 2 (scales over visits) and Figure 3A-C (scales by group) (rule figure_scales)."""

from pathlib import Path

from myoild.figures.scales import scale_boxplots, scale_group_panels
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    scales = read_tsv(snakemake.input.scales)
    folder = Path(snakemake.params.folder)
    scale_boxplots(scales, folder / "scales_over_visits")
    scale_group_panels(scales, folder / "scales_by_group")
