"""Cumulative incidence curves of competing events (relapse, and death before relapse).

Drawn from the table of ``myoild.stats.cumulative_incidence``: one row per event time, starting
at day 0, with a column ``cif_<cause>`` per cause and the group column, if any, first. Colours tell
the groups apart (a legend in each panel), line styles the causes (one legend above the panels).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from myoild.contrasts import contrast_groups
from myoild.design import PAPER
from myoild.figures.style import RC_PARAMS, arm_colours, message_figure, panel_grid, save_figure
from myoild.labels import GROUP_LABELS, contrast_label

LINE_STYLES = ("-", "--", ":", "-.")  # first cause solid, second dashed, ...
CAUSE_LABELS = {"relapse": "Relapse", "death": "Death before relapse"}


def _causes(curves: pd.DataFrame) -> list[str]:
    """The causes of the table, in its column order: those ``cif_<cause>`` with an SE column."""
    names = set(curves.columns)
    return [name[4:] for name in curves.columns if name.startswith("cif_") and f"{name}_se" in names]


def _steps(curve: pd.DataFrame, column: str, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """A right-continuous step function from day 0 (value 0) to the end of the window."""
    times = np.concatenate([[0.0], curve["time_days"].to_numpy(float), [horizon]])
    values = np.concatenate([[0.0], curve[column].to_numpy(float)])
    return times, np.concatenate([values, values[-1:]])


def _draw(
    ax: plt.Axes,
    curves: pd.DataFrame,
    group: str | None,
    title: str,
    horizon: float = PAPER.followup_days,
    arms: tuple[str, ...] | None = None,
) -> list[str]:
    """Each group's cumulative incidence of each cause on ``ax`` (the groups ``arms``, a contrast's
    arms in order, or those of the table in its order); returns the causes."""
    causes = _causes(curves)
    if not causes:
        raise ValueError("no cif_<cause> columns: expected a cumulative_incidence table")
    groups = [None] if group is None else list(arms or dict.fromkeys(curves[group].astype(str)))
    colours = arm_colours([str(level) for level in groups if level is not None] or ["all"]) | {None: "#555555"}
    handles = []
    for level in groups:
        curve = curves if level is None else curves[curves[group].astype(str) == level]
        if curve.empty:
            continue
        colour = colours[level]
        for k, cause in enumerate(causes):
            times, cif = _steps(curve, f"cif_{cause}", horizon)
            ax.step(times, cif, where="post", color=colour, linestyle=LINE_STYLES[k % len(LINE_STYLES)])
        label = GROUP_LABELS.get(str(level), str(level)) if level is not None else "All patients"
        handles.append(Line2D([], [], color=colour, label=label))
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Days since start of treatment")
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title)
    ax.legend(handles=handles, loc="upper left", frameon=False)
    return causes


def _cause_legend(fig: plt.Figure, causes: list[str]) -> None:
    handles = [
        Line2D(
            [],
            [],
            color="#333333",
            linestyle=LINE_STYLES[k % len(LINE_STYLES)],
            label=CAUSE_LABELS.get(c, c.capitalize()),
        )
        for k, c in enumerate(causes)
    ]
    fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), frameon=False)


def plot_cumulative_incidence(curves: pd.DataFrame, stem: str | Path, title: str) -> list[Path]:
    """Per group, the cumulative incidence of each cause as a step function from day 0 (first
    cause solid, second dashed), in the group's colour, over days 0-365; writes ``stem.png`` and
    ``stem.pdf``."""
    group = curves.columns[0] if curves.columns[0] != "time_days" else None
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(1, 1, 3.2, width=3.5)
        _cause_legend(fig, _draw(axes[0], curves, group, title))
    return save_figure(fig, stem)


def competing_risks_figure(
    table: pd.DataFrame, stem: str | Path, horizon: float = PAPER.followup_days
) -> list[Path]:
    """One panel per contrast of ``tables/competing_risks.tsv``: its IPTW-weighted curves where the
    contrast is weighted, else the unweighted ones (relapse solid, death before relapse dashed)."""
    panels = []
    for contrast, rows in table.groupby("contrast", sort=False):
        weighted = rows["weighted"].astype(bool)
        chosen = rows[weighted] if weighted.any() else rows
        kind = "IPTW" if weighted.any() else "unweighted"
        panels.append(
            (
                f"{contrast_label(contrast)} ({kind})",
                chosen.drop(columns=["cohort", "contrast", "endpoint", "weighted"]),
                contrast_groups(contrast),
            )
        )
    if not panels:
        return message_figure("Competing risks: no relapse endpoint analysed", stem)
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(panels), 2, 2.9)
        for ax, (title, curves, arms) in zip(axes, panels):
            ordered = curves[["group", *[name for name in curves.columns if name != "group"]]]
            causes = _draw(ax, ordered, "group", title, horizon, arms)
        _cause_legend(fig, causes)
    return save_figure(fig, stem)
