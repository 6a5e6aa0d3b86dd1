"""Patient flow diagram drawn from ``cohort/flow.tsv`` (paper, Supplementary Figures 1 and 3).

One column per cohort: screened -> excluded (each reason with its count; reasons counting no
patient are left out of the box, their zeros stay in the table) -> analysed -> one box per group.
The counts must add up (screened = excluded + analysed), or no diagram is drawn. Each count passes
the run's ``Disclosure`` (config ``report.min_cell_count``: a small count shown as ``<5``).
"""

from __future__ import annotations

from pathlib import Path
from textwrap import fill

import matplotlib.pyplot as plt
import pandas as pd

from myoild.contract import COHORTS
from myoild.disclosure import Disclosure
from myoild.figures.style import FULL_WIDTH, RC_PARAMS, arm_colours, save_figure
from myoild.labels import GROUP_LABELS, reason_label

BOX = {"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "#333333", "linewidth": 0.8}
ARROW = {"arrowstyle": "-|>", "color": "#333333", "linewidth": 0.8, "shrinkA": 0, "shrinkB": 0}
#: Heights (axes fraction) of the screened, exclusion, analysed and group boxes; x of the main column.
LEVELS = {"screened": 0.92, "excluded": 0.66, "analysed": 0.38, "groups": 0.1}
MAIN_X = 0.25
#: Characters a line of the exclusion box holds; longer reasons wrap with a hanging indent.
REASON_WIDTH = 32


def cohort_counts(flow: pd.DataFrame, cohort: str) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """(screened, exclusion rows, analysed rows) of one cohort; ``ValueError`` when they do not add up."""
    rows = flow[flow["cohort"] == cohort]
    screened = int(rows.loc[rows["step"] == "screened", "n"].sum())
    excluded = rows[rows["step"] == "excluded"]
    analysed = rows[rows["step"] == "analysed"]
    if screened != int(excluded["n"].sum()) + int(analysed["n"].sum()):
        raise ValueError(
            f"flow of {cohort}: screened {screened} != excluded {int(excluded['n'].sum())} "
            f"+ analysed {int(analysed['n'].sum())}"
        )
    return screened, excluded, analysed


def _box(ax: plt.Axes, x: float, y: float, text: str, edge: str = "#333333") -> None:
    ax.text(x, y, text, ha="center", va="center", bbox={**BOX, "edgecolor": edge})


def _arrow(ax: plt.Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops=ARROW)


def _cohort_column(ax: plt.Axes, flow: pd.DataFrame, cohort: str, disclosure: Disclosure) -> None:
    screened, excluded, analysed = cohort_counts(flow, cohort)
    count = disclosure.count
    ax.set_axis_off()
    ax.set_title(cohort.capitalize() + " cohort", fontweight="bold")
    _box(ax, MAIN_X, LEVELS["screened"], f"Screened\nn = {count(screened)}")
    _arrow(ax, (MAIN_X, LEVELS["screened"] - 0.06), (MAIN_X, LEVELS["analysed"] + 0.06))
    shown = excluded[excluded["n"] > 0]
    lines = [f"Excluded, n = {count(excluded['n'].sum())}"]
    lines += [
        fill(f"{reason_label(reason)}: {count(n)}", REASON_WIDTH, subsequent_indent="  ")
        for reason, n in zip(shown["reason"], shown["n"])
    ]
    _arrow(ax, (MAIN_X, LEVELS["excluded"]), (MAIN_X + 0.1, LEVELS["excluded"]))
    ax.text(MAIN_X + 0.12, LEVELS["excluded"], "\n".join(lines), ha="left", va="center", fontsize=7.5, bbox=BOX)
    _box(ax, MAIN_X, LEVELS["analysed"], f"Analysed\nn = {count(analysed['n'].sum())}")
    positions = [(index + 0.5) / len(analysed) for index in range(len(analysed))]
    colours = arm_colours(tuple(analysed["reason"]))
    for x, group, n in zip(positions, analysed["reason"], analysed["n"]):
        _arrow(ax, (MAIN_X, LEVELS["analysed"] - 0.06), (x, LEVELS["groups"] + 0.07))
        label = GROUP_LABELS.get(group, group).replace(" + ", " +\n")
        _box(ax, x, LEVELS["groups"], f"{label}\nn = {count(n)}", edge=colours[group])


def flow_figure(flow: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> plt.Figure:
    """The flow diagram as a matplotlib figure, one column per cohort present (contract order)."""
    cohorts = [cohort for cohort in COHORTS if cohort in set(flow["cohort"])]
    cohorts += sorted(set(flow["cohort"]) - set(cohorts))
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(1, len(cohorts), figsize=(FULL_WIDTH, 4.6), squeeze=False)
        for ax, cohort in zip(axes[0], cohorts):
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            _cohort_column(ax, flow, cohort, disclosure)
        fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.02, wspace=0.08)
    return fig


def flow_diagram(flow: pd.DataFrame, stem: str | Path, disclosure: Disclosure = Disclosure()) -> list[Path]:
    """Write the flow diagram of ``flow`` (``cohort/flow.tsv``) as PNG and PDF."""
    return save_figure(flow_figure(flow, disclosure), stem)
