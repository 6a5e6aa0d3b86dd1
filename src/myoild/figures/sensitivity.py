"""Forest plot of the sensitivity grid (``myoild.sensitivity.sensitivity_grid``).

One panel per contrast x endpoint, one row per estimand x weights x ties in the grid's order. The
hazard ratio and its 95% CI are drawn on a log axis with a line at 1 (no effect), shared by the
panels, and written at the right; the primary analysis (ATE, weights as they are, the configured
ties) is drawn in colour on a shaded band with a bold label, the other cells in grey. A cell that
is not estimable is written "not estimable" and not drawn. CIs beyond the axis are cut at its
edge with an arrowhead, as in ``myoild.figures.forest``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from myoild.figures.forest import axis_limits, draw_estimate, log_hr_axis
from myoild.figures.style import FULL_WIDTH, RC_PARAMS, save_figure
from myoild.labels import ENDPOINT_NAMES, contrast_label

WEIGHT_LABELS = {
    "none": "untruncated",
    "truncate_1_99": "truncated at 1st/99th pct",
    "truncate_5_95": "truncated at 5th/95th pct",
    "trim_0.1_0.9": "trimmed to PS 0.1-0.9",
}
PRIMARY = ("ATE", "none")
PRIMARY_COLOUR = "#0072B2"
OTHER_COLOUR = "#777777"
ROW_HEIGHT = 0.165  # inches


def cell_label(row: pd.Series) -> str:
    """``ATE, truncated at 1st/99th pct, Efron ties``."""
    weights = WEIGHT_LABELS.get(row["weights"], row["weights"])
    return f"{row['estimand']}, {weights}, {str(row['ties']).capitalize()} ties"


def is_primary(row: pd.Series, ties: str) -> bool:
    """Whether ``row`` is the primary analysis: ATE, weights as they are, the configured ties."""
    return (row["estimand"], row["weights"]) == PRIMARY and row["ties"] == ties


def _panel(ax: plt.Axes, rows: pd.DataFrame, limits: tuple[float, float], ties: str) -> None:
    """One contrast x endpoint: its cells from top to bottom."""
    log_hr_axis(ax, limits)
    count = len(rows)
    labels = []
    for position, (_, row) in enumerate(rows.iterrows()):
        y = count - 1 - position
        primary = is_primary(row, ties)
        colour = PRIMARY_COLOUR if primary else OTHER_COLOUR
        labels.append((cell_label(row), primary))
        if primary:
            ax.axhspan(y - 0.5, y + 0.5, color=PRIMARY_COLOUR, alpha=0.1, linewidth=0)
        draw_estimate(ax, y, row, limits, colour, "not estimable", primary)
    ax.set_ylim(-0.7, count - 0.3)
    ax.set_yticks(range(count - 1, -1, -1), [label for label, _ in labels])
    for tick, (_, primary) in zip(ax.get_yticklabels(), labels):
        tick.set_fontweight("bold" if primary else "normal")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.text(1.02, count - 0.3, "HR (95% CI)", transform=ax.get_yaxis_transform(), fontweight="bold")


def sensitivity_figure(grid: pd.DataFrame, ties: str = "efron") -> plt.Figure:
    """The forest plot of ``grid`` as a matplotlib figure (module docstring); ``ties`` is the
    configured ties method, whose ATE row with untruncated weights is the primary analysis."""
    panels = list(grid.groupby(["contrast", "endpoint"], sort=False))
    if not panels:
        raise ValueError("the sensitivity grid has no rows to plot")
    limits = axis_limits(grid)
    sizes = [len(rows) for _, rows in panels]
    height = ROW_HEIGHT * sum(sizes) + 0.55 * len(panels) + 0.5
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(
            len(panels), 1, figsize=(FULL_WIDTH, height), squeeze=False, layout="constrained",
            gridspec_kw={"height_ratios": sizes},
        )  # fmt: skip
        for ax, ((contrast, endpoint), rows) in zip(axes[:, 0], panels):
            _panel(ax, rows, limits, ties)
            ax.set_title(f"{contrast_label(contrast)}: {ENDPOINT_NAMES.get(endpoint, endpoint)}", loc="left")
        axes[-1, 0].set_xlabel("Hazard ratio (log scale); < 1 favours the first group")
    return fig


def plot_sensitivity_grid(grid: pd.DataFrame, stem: str | Path, *, ties: str = "efron") -> list[Path]:
    """Write the forest plot of the sensitivity ``grid`` as ``stem.png`` and ``stem.pdf``."""
    return save_figure(sensitivity_figure(grid, ties), stem)
