"""Balance (love) plot and propensity-score overlap of the retrospective contrasts (rule figure_balance)."""

from pathlib import Path

import pandas as pd

from myoild.figures.balance import love_plot, ps_overlap
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    folder = Path(snakemake.params.folder)
    love_plot(read_tsv(snakemake.input.balance), folder / "balance")
    weights = {contrast: pd.read_parquet(path) for contrast, path in zip(snakemake.params.contrasts, snakemake.input.weights)}
    ps_overlap(weights, folder / "ps_overlap")
