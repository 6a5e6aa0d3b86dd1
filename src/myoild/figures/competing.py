"""Cumulative incidence curves of competing events (relapse, and death before relapse).

Drawn from the table of ``myoild.stats.cumulative_incidence``: one row per event time, starting
at day 0, with a column ``cif_<cause>`` per cause and the group column, if any, first.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from myoild.contract import WINDOW_DAYS
from myoild.figures.forest import contrast_label
from myoild.figures.style import GROUP_COLOURS, GROUP_LABELS, RC_PARAMS, message_figure, save_figure

LINE_STYLES = ("-", "--", ":", "-.")  # first cause solid, second dashed, ...


def _causes(curves: pd.DataFrame) -> list[str]:
    """The causes of the table, in its column order: those ``cif_<cause>`` with an SE column."""
    names = set(curves.columns)
    return [name[4:] for name in curves.columns if name.startswith("cif_") and f"{name}_se" in names]


def _steps(curve: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A right-continuous step function from day 0 (value 0) to the end of the window."""
    times = np.concatenate([[0.0], curve["time_days"].to_numpy(float), [WINDOW_DAYS]])
    values = np.concatenate([[0.0], curve[column].to_numpy(float)])
    return times, np.concatenate([values, values[-1:]])


def _draw(ax: plt.Axes, curves: pd.DataFrame, group: str | None, title: str) -> None:
    """Each group's cumulative incidence of each cause on ``ax``."""
    causes = _causes(curves)
    if not causes:
        raise ValueError("no cif_<cause> columns: expected a cumulative_incidence table")
    groups = [None] if group is None else list(dict.fromkeys(curves[group]))
    for level in groups:
        curve = curves if level is None else curves[curves[group] == level]
        colour = GROUP_COLOURS.get("all" if level is None else str(level), "#000000")
        label = GROUP_LABELS.get(str(level), str(level)) if level is not None else "All patients"
        for k, cause in enumerate(causes):
            times, cif = _steps(curve, f"cif_{cause}")
            style = LINE_STYLES[k % len(LINE_STYLES)]
            ax.step(times, cif, where="post", color=colour, linestyle=style, label=f"{label}: {cause}")
    ax.set_xlim(0, WINDOW_DAYS)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Days since start of treatment")
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", frameon=False, fontsize=7)


def plot_cumulative_incidence(curves: pd.DataFrame, stem: str | Path, title: str) -> list[Path]:
    """Per group, the cumulative incidence of each cause as a step function from day 0 (first
    cause solid, second dashed), in the group's colour, over days 0-365; writes ``stem.png`` and
    ``stem.pdf``."""
    group = curves.columns[0] if curves.columns[0] != "time_days" else None
    with plt.rc_context(RC_PARAMS):
        fig, ax = plt.subplots(figsize=(5.2, 4.0))
        _draw(ax, curves, group, title)
        fig.tight_layout()
    return save_figure(fig, stem)


def competing_risks_figure(table: pd.DataFrame, stem: str | Path) -> list[Path]:
    """One panel per contrast of ``tables/competing_risks.tsv``: its IPTW-weighted curves where the
    contrast is weighted, else the unweighted ones (relapse solid, death before relapse dashed)."""
    panels = []
    for contrast, rows in table.groupby("contrast", sort=False):
        weighted = rows["weighted"].astype(bool)
        chosen = rows[weighted] if weighted.any() else rows
        kind = "IPTW" if weighted.any() else "unweighted"
        panels.append((f"{contrast_label(contrast)} ({kind})", chosen.drop(columns=["cohort", "contrast", "endpoint", "weighted"])))
    if not panels:
        return message_figure("Competing risks: no relapse endpoint analysed", stem)
    columns = min(len(panels), 3)
    rows_needed = -(-len(panels) // columns)
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(rows_needed, columns, figsize=(4.6 * columns, 3.9 * rows_needed), squeeze=False)
        for ax, (title, curves) in zip(axes.flat, panels):
            _draw(ax, curves[["group", *[name for name in curves.columns if name != "group"]]], "group", title)
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        fig.tight_layout()
    return save_figure(fig, stem)
