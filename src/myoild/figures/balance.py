"""Propensity diagnostics: the balance (love) plot and the propensity-score overlap histogram."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from myoild.contract import COHORTS
from myoild.contrasts import contrast_groups
from myoild.figures.style import RC_PARAMS, arm_colours, panel_grid, save_figure
from myoild.labels import GROUP_LABELS, contrast_label
from myoild.tables import characteristics_of

#: The conventional threshold of a negligible standardised difference (Austin 2009).
SMD_THRESHOLD = 0.1
#: Names of the covariates as Tables 1 and 2 print them (``Age (years)``).
COVARIATE_LABELS = {
    row.name: row.label for cohort in COHORTS for row in characteristics_of(cohort, with_hrct_scores=True)
}


def covariate_label(variable: str, level: object = None) -> str:
    """``Age (years)``, ``Sex: M``, ``Diagnosis: CADM``: the Table 1 name of ``variable`` (else
    the column name in words, ``Sex``), with the level of a categorical covariate."""
    name = COVARIATE_LABELS.get(variable) or variable.replace("_", " ").capitalize()
    return name if level is None or pd.isna(level) or level == "" else f"{name}: {level}"


def love_figure(balance: pd.DataFrame) -> plt.Figure:
    """Absolute standardised mean differences of each covariate level before (open) and after
    (filled) weighting, one panel per contrast (two a row), with the 0.1 threshold."""
    contrasts = list(dict.fromkeys(balance["contrast"]))
    rows_per_panel = balance.groupby("contrast").size().max()
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(contrasts), 2, 0.17 * rows_per_panel + 0.8, sharey=True)
        for ax, contrast in zip(axes, contrasts):
            rows = balance[balance["contrast"] == contrast]
            y = np.arange(len(rows))[::-1]
            ax.scatter(
                rows["smd_unweighted"].abs(), y, s=16, facecolors="none", edgecolors="#555555", label="Unweighted"
            )
            ax.scatter(rows["smd_weighted"].abs(), y, s=16, color="#0072B2", label="IPTW")
            ax.axvline(SMD_THRESHOLD, color="#999999", linestyle="--", linewidth=0.8)
            ax.set_yticks(y, [covariate_label(v, level) for v, level in zip(rows["variable"], rows["level"])])
            ax.set_xlim(left=0)
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.set_xlabel("Absolute standardised mean difference")
            ax.set_title(contrast_label(contrast))
        handles, _ = axes[0].get_legend_handles_labels()
        fig.legend(handles=handles, loc="outside upper center", ncols=2, frameon=False)
    return fig


def love_plot(balance: pd.DataFrame, stem: str | Path) -> list[Path]:
    """Write the balance (love) plot of ``balance`` (``tables/balance.tsv``) as PNG and PDF."""
    return save_figure(love_figure(balance), stem)


def ps_overlap(weights: dict[str, pd.DataFrame], stem: str | Path) -> list[Path]:
    """Histograms of the propensity score by arm, one panel per contrast (common support): the
    first group's as an outline over the second group's filled bars, so that overlap stays legible."""
    bins = np.linspace(0, 1, 21)
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(weights), 2, 2.2)
        for ax, (contrast, table) in zip(axes, weights.items()):
            first, second = contrast_groups(contrast)
            colours = arm_colours((first, second))
            for treated, group, style in (
                (0, second, {"alpha": 0.55}),
                (1, first, {"histtype": "step", "linewidth": 1.2}),
            ):
                ps = table.loc[table["treated"] == treated, "ps"]
                ax.hist(ps, bins=bins, color=colours[group], label=GROUP_LABELS.get(group, group), **style)
            ax.set_xlabel(f"Propensity score (probability of {GROUP_LABELS.get(first, first).lower()})")
            ax.set_ylabel("Patients")
            ax.set_title(contrast_label(contrast))
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(handles[::-1], labels[::-1], frameon=False)  # the first group first
    return save_figure(fig, stem)
