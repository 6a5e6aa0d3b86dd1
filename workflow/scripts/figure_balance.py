"""Balance (love) plot and propensity-score overlap of the retrospective contrasts (rule
figure_balance); without weighted contrasts, figures saying so."""

from pathlib import Path

import pandas as pd

from myoild.figures.balance import love_plot, ps_overlap
from myoild.figures.style import message_figure
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    folder = Path(snakemake.params.folder)
    balance = read_tsv(snakemake.input.balance)
    weights = {contrast: pd.read_parquet(path) for contrast, path in zip(snakemake.params.contrasts, snakemake.input.weights)}
    weighted = {contrast: frame for contrast, frame in weights.items() if len(frame)}
    if balance.empty or not weighted:
        for name in ("balance", "ps_overlap"):
            message_figure("No weighted contrast: no patients to weight in this data set", folder / name)
    else:
        love_plot(balance, folder / "balance")
        ps_overlap(weighted, folder / "ps_overlap")
