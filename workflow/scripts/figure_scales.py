"""Figure 2 (scales over visits) and Figure 3A-C (scales by group) (rule figure_scales)."""

from pathlib import Path

from myoild.disclosure import Disclosure
from myoild.figures.scales import scale_boxplots, scale_group_panels
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    scales = read_tsv(snakemake.input.scales)
    folder = Path(snakemake.params.folder)
    disclosure = Disclosure(min_cell_count=snakemake.params.min_cell_count)
    scale_boxplots(scales, folder / "scales_over_visits", disclosure=disclosure)
    scale_group_panels(scales, folder / "scales_by_group", disclosure=disclosure)
