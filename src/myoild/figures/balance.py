"""Propensity diagnostics: the balance (love) plot and the propensity-score overlap histogram."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from myoild.contrasts import contrast_groups
from myoild.figures.style import GROUP_COLOURS, GROUP_LABELS, RC_PARAMS, save_figure

#: The conventional threshold of a negligible standardised difference (Austin 2009).
SMD_THRESHOLD = 0.1


def love_plot(balance: pd.DataFrame, stem: str | Path) -> list[Path]:
    """Absolute standardised mean differences of each covariate level before (open) and after
    (filled) weighting, one panel per contrast, with the 0.1 threshold."""
    contrasts = list(dict.fromkeys(balance["contrast"]))
    with plt.rc_context(RC_PARAMS):
        height = 0.28 * balance.groupby("contrast").size().max() + 1.2
        fig, axes = plt.subplots(1, len(contrasts), figsize=(3.4 * len(contrasts), height), sharey=True, squeeze=False)
        for ax, contrast in zip(axes[0], contrasts):
            rows = balance[balance["contrast"] == contrast]
            y = np.arange(len(rows))[::-1]
            ax.scatter(rows["smd_unweighted"].abs(), y, facecolors="none", edgecolors="#555555", label="Unweighted")
            ax.scatter(rows["smd_weighted"].abs(), y, color="#0072B2", label="IPTW")
            ax.axvline(SMD_THRESHOLD, color="#999999", linestyle="--", linewidth=0.8)
            ax.set_yticks(y, rows["covariate"])
            ax.set_xlabel("Absolute standardised mean difference")
            ax.set_title(contrast.replace("_vs_", " vs "), fontsize=8)
        axes[0][0].legend(loc="lower right", frameon=False, fontsize=7)
        fig.tight_layout()
    return save_figure(fig, stem)


def ps_overlap(weights: dict[str, pd.DataFrame], stem: str | Path) -> list[Path]:
    """Histograms of the propensity score by arm, one panel per contrast (common support)."""
    bins = np.linspace(0, 1, 21)
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(1, len(weights), figsize=(3.4 * len(weights), 3), squeeze=False)
        for ax, (contrast, table) in zip(axes[0], weights.items()):
            for treated, group in zip((1, 0), contrast_groups(contrast)):
                ps = table.loc[table["treated"] == treated, "ps"]
                ax.hist(ps, bins=bins, alpha=0.55, color=GROUP_COLOURS.get(group), label=GROUP_LABELS.get(group, group))
            ax.set_xlabel("Propensity score (probability of tacrolimus)")
            ax.set_ylabel("Patients")
            ax.set_title(contrast.replace("_vs_", " vs "), fontsize=8)
            ax.legend(frameon=False, fontsize=7)
        fig.tight_layout()
    return save_figure(fig, stem)
