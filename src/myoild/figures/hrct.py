"""HRCT change per feature and group from tables/hrct_deltas.tsv (paper: Figure 4A-E).

Bars: mean score at baseline (hatched) and at 12 months (solid) with +/- 1 SD, per group; above
each group its mean change (Delta) and the within-group Wilcoxon result (*), above both groups the
between-group Mann-Whitney result on the changes (#), as the paper's Figure 4.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import fill

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch

from myoild.contract import HRCT_FEATURES
from myoild.disclosure import Disclosure
from myoild.figures.scales import PANEL_LETTERS, SIGNIFICANCE_NOTE, significance_label
from myoild.figures.style import (
    RC_PARAMS,
    add_note,
    arm_colours,
    drawn_groups,
    panel_grid,
    save_figure,
)
from myoild.labels import FEATURE_LABELS, GROUP_LABELS

FIGURE_4_FEATURES = ("total", *HRCT_FEATURES)
BAR_WIDTH = 0.36
SOLID_ALPHA = 0.6


def hrct_figure(deltas: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> plt.Figure:
    """Figure 4A-E: baseline and 12-month HRCT scores by group for the total and each feature; the
    patients per group as ``disclosure`` shows them."""
    table = deltas.set_index(["group", "feature"])
    groups = drawn_groups(deltas)
    colours = arm_colours(groups)
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(FIGURE_4_FEATURES), 3, 2.5)
        for letter, feature, ax in zip(PANEL_LETTERS, FIGURE_4_FEATURES, axes):
            tops = []
            for x, group in enumerate(groups):
                row = table.loc[(group, feature)]
                colour = colours[group]
                means = [row["baseline_mean"], row["m12_mean"]]
                sds = [row["baseline_sd"], row["m12_sd"]]
                positions = [x - BAR_WIDTH / 2, x + BAR_WIDTH / 2]
                bars = ax.bar(
                    positions,
                    means,
                    BAR_WIDTH,
                    yerr=sds,
                    capsize=3,
                    color=colour,
                    edgecolor=colour,
                    error_kw={"ecolor": "#333333", "linewidth": 0.8},
                )
                bars[0].set(facecolor="white", hatch="///")
                bars[1].set(facecolor=to_rgba(colour, SOLID_ALPHA))  # the SD bar stays visible on a dark colour
                # an SD is empty for a single patient; a group without patients has no bars
                top = float(np.nanmax(np.add(means, np.nan_to_num(sds)))) if row["n"] else 0.0
                tops.append(top)
                label = f"\u0394={row['delta_mean']:+.1f} {significance_label(row['p_within'])}" if row["n"] else "n=0"
                ax.annotate(label, (x, top), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom")
            between = table.loc[(groups[0], feature), "p_between"]
            bracket = max(tops) * 1.3 + 0.5
            ax.plot([0, 0, 1, 1], [bracket - 0.3, bracket, bracket, bracket - 0.3], color="#333333", linewidth=0.8)
            ax.annotate(
                significance_label(between, "#"),
                (0.5, bracket),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
            )
            ax.set_ylim(0, bracket * 1.15 + 0.5)
            ax.set_xticks(range(len(groups)))
            ax.set_xticklabels(
                [f"{fill(GROUP_LABELS[g], 14)}\nn={disclosure.count(table.loc[(g, feature), 'n'])}" for g in groups]
            )
            title, ylabel = FEATURE_LABELS[feature]
            ax.set_title(fill(f"{letter}  {title}", 24), loc="left", fontweight="bold")
            ax.set_ylabel(ylabel)
        fig.legend(
            handles=[
                Patch(facecolor="white", edgecolor="#333333", hatch="///", label="Baseline"),
                Patch(facecolor=to_rgba("#333333", SOLID_ALPHA), edgecolor="#333333", label="12 months"),
            ],
            loc="outside upper center",
            ncols=2,
            frameon=False,
        )
        add_note(
            fig,
            "Mean + SD; \u0394: mean change (12 months - baseline). * 12 months vs baseline, paired Wilcoxon "
            f"signed-rank test; # change between groups, Mann-Whitney test. {SIGNIFICANCE_NOTE}. {disclosure.note}".rstrip(),
        )
    return fig


def hrct_change_figure(deltas: pd.DataFrame, stem: str | Path, disclosure: Disclosure = Disclosure()) -> list[Path]:
    """Write Figure 4A-E (``hrct_figure``) as PNG and PDF."""
    return save_figure(hrct_figure(deltas, disclosure), stem)
