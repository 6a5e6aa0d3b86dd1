"""Assessment-scale figures from tables/scales.tsv: Figure 2 (over visits) and Figure 3A-C (by group).

Boxes are drawn from the table's quartiles, whiskers from its minimum and maximum (as the paper's
Figure 2: "the lines outside the boxes represent the minimum and maximum"); nothing is recomputed.
A panel whose values are too large for a plot axis (beyond ``LARGEST_DRAWN`` in size, e.g. an
unbounded scale recorded as 1e308) draws no boxes and says so, with the largest size; the table
keeps the values.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from myoild.contract import SCALES, SCHEDULED_VISITS
from myoild.disclosure import Disclosure
from myoild.figures.style import (
    RC_PARAMS,
    add_note,
    arm_colours,
    drawn_groups,
    legend_patches,
    panel_grid,
    save_figure,
)
from myoild.labels import GROUP_LABELS, SCALE_LABELS, VISIT_LABELS

#: Paper's Figure 3A-C.
FIGURE_3_SCALES = ("patient_global", "mmt8", "myoact")
#: GraphPad Prism's summary (the paper's figures were made with Prism 8.4).
SIGNIFICANCE_LEVELS = ((0.0001, 4), (0.001, 3), (0.01, 2), (0.05, 1))
SIGNIFICANCE_NOTE = "1, 2, 3, 4 symbols: p < 0.05, 0.01, 0.001, 0.0001; ns: not significant"
PANEL_LETTERS = "ABCDEFGHIJ"
#: Largest size of a value a panel draws: a tenth of the largest double (1.8e308), so that the
#: margins, headroom and tick steps matplotlib adds around the values stay finite (beyond, it fails
#: with "Axis limits cannot be NaN or Inf" or cannot count its ticks).
LARGEST_DRAWN = sys.float_info.max / 10
#: The columns of tables/scales.tsv a box is drawn from.
BOX_COLUMNS = ("median", "q1", "q3", "min", "max")


def significance_label(p: float, symbol: str = "*") -> str:
    """``symbol`` repeated 1-4 times for p < 0.05, 0.01, 0.001, 0.0001; ``ns`` otherwise; empty when untested."""
    if p is None or math.isnan(p):
        return ""
    for threshold, count in SIGNIFICANCE_LEVELS:
        if p < threshold:
            return symbol * count
    return "ns"


def _box_stats(row: pd.Series) -> dict:
    return {"med": row["median"], "q1": row["q1"], "q3": row["q3"], "whislo": row["min"], "whishi": row["max"]}


def _drawable(ax: plt.Axes, rows: pd.DataFrame) -> bool:
    """Whether ``ax`` can draw the boxes of ``rows`` (those with data, n > 0): no value beyond
    ``LARGEST_DRAWN`` in size. If it cannot, the panel says so, with the largest size."""
    values = rows.loc[rows["n"].fillna(0).to_numpy() > 0, list(BOX_COLUMNS)].to_numpy(float)
    largest = float(np.nanmax(np.abs(values), initial=0.0))
    if largest <= LARGEST_DRAWN:
        return True
    text = f"Values as large as {largest:.3g}:\ntoo large to draw (see tables/scales.tsv)"
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center")
    return False


def _draw_boxes(ax: plt.Axes, rows: pd.DataFrame, positions, colour: str, width: float) -> None:
    """Boxes of the rows with data (n > 0) at ``positions``; rows without data leave a gap."""
    drawn = rows["n"].fillna(0).to_numpy() > 0
    if not drawn.any():
        return
    artists = ax.bxp(
        [_box_stats(row) for _, row in rows[drawn].iterrows()],
        positions=[p for p, keep in zip(positions, drawn) if keep],
        widths=width,
        patch_artist=True,
        showfliers=False,
        manage_ticks=False,
    )
    for box in artists["boxes"]:
        box.set(facecolor=colour, alpha=0.35, edgecolor=colour)
    for part in ("whiskers", "caps", "medians"):
        for line in artists[part]:
            line.set(color=colour)


def _annotate(ax: plt.Axes, x: float, top: float, text: str) -> None:
    if text:
        ax.annotate(text, (x, top), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom")


def _visit_ticks(ax: plt.Axes, counts: list[str]) -> None:
    ax.set_xticks(range(len(SCHEDULED_VISITS)))
    ax.set_xticklabels([f"{VISIT_LABELS[v]}\n{c}" for v, c in zip(SCHEDULED_VISITS, counts)])
    ax.set_xlim(-0.6, len(SCHEDULED_VISITS) - 0.4)


def _headroom(ax: plt.Axes) -> None:
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.12 * (high - low))


def scale_boxplot_figure(scales: pd.DataFrame, group: str = "all", disclosure: Disclosure = Disclosure()) -> plt.Figure:
    """Figure 2: each scale over the visits for ``group`` (default all patients), with the
    Bonferroni-adjusted paired Wilcoxon p-value against baseline above each visit; the patients
    per visit as ``disclosure`` shows them."""
    colour = arm_colours((group,))[group]
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(SCALES), 2, 1.85)
        for letter, scale, ax in zip(PANEL_LETTERS, SCALES, axes):
            rows = scales[scales["group"].eq(group) & scales["scale"].eq(scale)].set_index("visit")
            rows = rows.reindex(list(SCHEDULED_VISITS))
            if _drawable(ax, rows):
                _draw_boxes(ax, rows, range(len(SCHEDULED_VISITS)), colour, 0.55)
                for x, visit in enumerate(SCHEDULED_VISITS):
                    p_value = rows.loc[visit, "p_vs_baseline_adj"]
                    _annotate(ax, x, rows.loc[visit, "max"], significance_label(p_value))
            title, label = SCALE_LABELS[scale]
            ax.set_title(f"{letter}  {title}", loc="left", fontweight="bold")
            ax.set_ylabel(label)
            _visit_ticks(ax, [f"n={disclosure.count(n)}" for n in rows["n"].fillna(0)])
            _headroom(ax)
        fig.suptitle(f"Assessment scales over 12 months: {GROUP_LABELS[group]}")
        add_note(
            fig,
            "Boxes: quartiles; line: median; whiskers: minimum to maximum. * vs baseline, paired Wilcoxon "
            f"signed-rank test, Bonferroni-adjusted over visits ({SIGNIFICANCE_NOTE}). {disclosure.note}".rstrip(),
        )
    return fig


def scale_boxplots(
    scales: pd.DataFrame, stem: str | Path, group: str = "all", disclosure: Disclosure = Disclosure()
) -> list[Path]:
    """Write Figure 2 (``scale_boxplot_figure``) as PNG and PDF."""
    return save_figure(scale_boxplot_figure(scales, group, disclosure), stem)


def scale_group_figure(
    scales: pd.DataFrame, scales_shown: tuple[str, ...] = FIGURE_3_SCALES, disclosure: Disclosure = Disclosure()
) -> plt.Figure:
    """Figure 3A-C (Supplementary Figure 4 with other ``scales_shown``): each scale over the visits
    by group, with the Mann-Whitney p-value between the groups above each visit; the patients per
    visit as ``disclosure`` shows them."""
    groups = drawn_groups(scales)
    offsets, colours = dict(zip(groups, (-0.2, 0.2))), arm_colours(groups)
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(scales_shown), 2, 2.3)
        for letter, scale, ax in zip(PANEL_LETTERS, scales_shown, axes):
            rows = scales[scales["scale"].eq(scale)]
            drawable = _drawable(ax, rows[rows["group"].isin(groups)])
            tops = pd.Series(float("-inf"), index=list(SCHEDULED_VISITS))
            counts = {}
            for group in groups:
                group_rows = rows[rows["group"].eq(group)].set_index("visit").reindex(list(SCHEDULED_VISITS))
                counts[group] = group_rows["n"].fillna(0).astype(int)
                if drawable:
                    positions = [x + offsets[group] for x in range(len(SCHEDULED_VISITS))]
                    _draw_boxes(ax, group_rows, positions, colours[group], 0.34)
                    tops = tops.combine(group_rows["max"].fillna(float("-inf")), max)
            p_values = rows[rows["group"].eq(groups[0])].set_index("visit")["p_between_groups"]
            for x, visit in enumerate(SCHEDULED_VISITS):
                if math.isfinite(tops[visit]):
                    _annotate(ax, x, tops[visit], significance_label(p_values.get(visit, float("nan"))))
            title, label = SCALE_LABELS[scale]
            ax.set_title(f"{letter}  {title}", loc="left", fontweight="bold")
            ax.set_ylabel(label)
            shown = (map(disclosure.count, counts[g]) for g in groups)
            _visit_ticks(ax, ["n=" + "/".join(visit) for visit in zip(*shown)])
            _headroom(ax)
        fig.legend(handles=legend_patches(groups, 0.5), loc="outside upper center", ncols=2, frameon=False)
        add_note(
            fig,
            "Boxes: quartiles; line: median; whiskers: minimum to maximum; n per group in legend order. "
            f"* between groups, Mann-Whitney test ({SIGNIFICANCE_NOTE}). {disclosure.note}".rstrip(),
        )
    return fig


def scale_group_panels(
    scales: pd.DataFrame,
    stem: str | Path,
    scales_shown: tuple[str, ...] = FIGURE_3_SCALES,
    disclosure: Disclosure = Disclosure(),
) -> list[Path]:
    """Write Figure 3A-C (``scale_group_figure``) as PNG and PDF."""
    return save_figure(scale_group_figure(scales, scales_shown, disclosure), stem)
