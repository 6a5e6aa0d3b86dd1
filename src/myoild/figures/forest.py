"""Forest plot of every hazard ratio in ``tables/survival_models.tsv``.

One row per contrast x endpoint x model x CI method, in the order of the results contract
(contrasts, endpoints), IPTW before unadjusted, robust before model-based before bootstrap
percentile CIs. The hazard ratio and its 95% CI are drawn on a log axis with a line at 1 (no
effect) and written at the right. A CI reaching beyond the axis is cut at its edge and marked by
an arrowhead; an estimate outside the axis is written but not drawn. A row without an estimate
(``note``: not estimable, e.g. no events in one arm) is written "not estimable" with a double dagger
and not drawn, its reason in a footnote; a row whose contrast's weights fail a diagnostic
(``warnings``) is marked with a dagger and drawn in a warning colour, with a footnote.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from myoild.figures.style import FULL_WIDTH, RC_PARAMS, add_note, save_figure
from myoild.labels import CI_METHOD_LABELS, ENDPOINT_NAMES, MODEL_LABELS, contrast_label
from myoild.model_rows import (
    WARNING_MARK,
    estimate_text,
    format_hr_ci,
    has_warnings,
    not_estimable_reason,
    ordered_models,
)

MODEL_COLOURS = {
    "cox_iptw": "#0072B2",
    "cox_unadjusted": "#555555",
    "fine_gray_iptw": "#009E73",
    "fine_gray_unadjusted": "#7F7F7F",
    "cox_iptw_landmark": "#CC79A7",
}
#: Colour of the rows whose weights fail a diagnostic (``myoild.model_rows.WARNING_MARK`` marks them).
WARNING_COLOUR = "#D55E00"
NOT_ESTIMABLE_MARK = "\u2021"
CI_METHOD_MARKERS = {"robust": "o", "model": "s", "bootstrap_percentile": "D"}
#: Widest axis drawn: estimates beyond it are not drawn (they are written at the right).
AXIS_BOUNDS = (0.01, 100.0)
#: Tick marks of the log axis (those inside the drawn range are shown).
TICKS = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0, 50.0, 100.0)


def row_label(row: pd.Series) -> str:
    """``Death, IPTW Cox, robust CI`` (with the warning mark when the row has warnings)."""
    endpoint = ENDPOINT_NAMES.get(row["endpoint"], row["endpoint"])
    model = MODEL_LABELS.get(row["model"], row["model"])
    label = f"{endpoint}, {model}, {CI_METHOD_LABELS.get(row['ci_method'], row['ci_method'])}"
    return f"{label} {WARNING_MARK}" if has_warnings(row) else label


def axis_limits(rows: pd.DataFrame) -> tuple[float, float]:
    """The drawn range of a hazard-ratio axis: every finite HR and CI limit of ``rows`` within
    ``AXIS_BOUNDS``, and at least 0.5 to 2, with a margin of 15%."""
    values = rows[["hr", "ci_low", "ci_high"]].to_numpy(float).ravel()
    values = values[np.isfinite(values) & (values >= AXIS_BOUNDS[0]) & (values <= AXIS_BOUNDS[1])]
    low = min(values.min(initial=1.0), 0.5)
    high = max(values.max(initial=1.0), 2.0)
    return max(low / 1.15, AXIS_BOUNDS[0]), min(high * 1.15, AXIS_BOUNDS[1])


def draw_estimate(ax: plt.Axes, y: float, row: pd.Series, limits, colour: str, missing_text: str, bold: bool) -> None:
    """A row's HR (a dot, when inside ``limits``) with its CI at height ``y``, and its text at the
    right: ``hr (ci_low-ci_high)``, or ``missing_text`` in italics when the row has no HR."""
    if pd.isna(row["hr"]):
        text, style = missing_text, "italic"
    else:
        draw_interval(ax, y, row["ci_low"], row["ci_high"], limits, colour)
        if limits[0] <= row["hr"] <= limits[1]:
            ax.plot([row["hr"]], [y], marker="o", color=colour, markersize=4)
        text, style = format_hr_ci(row["hr"], row["ci_low"], row["ci_high"]), "normal"
    weight = "bold" if bold else "normal"
    ax.text(1.02, y, text, transform=ax.get_yaxis_transform(), va="center", fontweight=weight, style=style)


def draw_interval(ax: plt.Axes, y: float, low: float, high: float, limits: tuple[float, float], colour: str) -> None:
    """The CI as a line, cut at the axis limits with an arrowhead where it reaches beyond them."""
    if pd.isna(low) or pd.isna(high):
        return
    start, end = np.clip([low, high], *limits)
    if start >= end:
        return
    ax.plot([start, end], [y, y], color=colour, linewidth=1.2)
    if low < limits[0]:
        ax.plot([start], [y], marker="<", color=colour, markersize=4)
    if high > limits[1]:
        ax.plot([end], [y], marker=">", color=colour, markersize=4)


def log_hr_axis(ax: plt.Axes, limits: tuple[float, float]) -> None:
    """The hazard-ratio axis: log scale within ``limits``, the ``TICKS`` inside it, a line at 1."""
    ax.set_xscale("log")
    ax.set_xlim(*limits)
    ax.xaxis.set_major_locator(FixedLocator([tick for tick in TICKS if limits[0] <= tick <= limits[1]]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.axvline(1.0, color="#999999", linewidth=0.8)


def _layout(rows: pd.DataFrame) -> list[tuple[str, pd.Series | None]]:
    """The plot's lines from top to bottom: (label, model row), the row None on a contrast's header."""
    lines = []
    for contrast, block in rows.groupby("contrast", sort=False):
        lines.append((contrast_label(contrast), None))
        lines += [(row_label(row), row) for _, row in block.iterrows()]
    return lines


def forest_figure(models: pd.DataFrame) -> plt.Figure:
    """The forest plot as a matplotlib figure (module docstring)."""
    rows = ordered_models(models)
    lines = _layout(rows)
    low_limit, high_limit = axis_limits(rows)
    reasons = []
    with plt.rc_context(RC_PARAMS):
        fig, ax = plt.subplots(figsize=(FULL_WIDTH, 0.2 * len(lines) + 1.4), layout="constrained")
        log_hr_axis(ax, (low_limit, high_limit))
        for position, (_, row) in enumerate(lines):
            if row is None:
                continue
            y = len(lines) - 1 - position
            colour = WARNING_COLOUR if has_warnings(row) else MODEL_COLOURS.get(row["model"], "#000000")
            if pd.isna(row["hr"]):
                reasons.append(not_estimable_reason(row))
                text = f"not estimable {NOT_ESTIMABLE_MARK}"
                ax.text(1.02, y, text, transform=ax.get_yaxis_transform(), va="center", style="italic", color=colour)
                continue
            draw_interval(ax, y, row["ci_low"], row["ci_high"], (low_limit, high_limit), colour)
            if low_limit <= row["hr"] <= high_limit:
                marker = CI_METHOD_MARKERS.get(row["ci_method"], "o")
                ax.plot([row["hr"]], [y], marker=marker, color=colour, markersize=4.5)
            ax.text(1.02, y, estimate_text(row), transform=ax.get_yaxis_transform(), va="center", color=colour)
        ax.set_ylim(-0.7, len(lines) - 0.3)
        ax.set_yticks(range(len(lines) - 1, -1, -1), [label for label, _ in lines])
        for tick, (_, row) in zip(ax.get_yticklabels(), lines):
            tick.set_fontweight("bold" if row is None else "normal")
            if row is not None and has_warnings(row):
                tick.set_color(WARNING_COLOUR)
        ax.tick_params(axis="y", length=0)
        ax.text(1.02, len(lines) - 0.3, "HR (95% CI)", transform=ax.get_yaxis_transform(), fontweight="bold")
        ax.set_xlabel("Hazard ratio (log scale); < 1 favours the first group")
        notes = []
        if any(row is not None and has_warnings(row) for _, row in lines):
            notes.append(
                f"{WARNING_MARK} The contrast's weights fail a diagnostic (extreme propensity scores, low effective "
                "sample size or imbalance after weighting); see the warnings in tables/survival_models.tsv."
            )
        if reasons:
            notes.append(f"{NOT_ESTIMABLE_MARK} " + "; ".join(dict.fromkeys(reasons)) + ".")
        if notes:
            add_note(fig, "\n".join(notes))
        ax.spines["left"].set_visible(False)
    return fig


def forest_plot(models: pd.DataFrame, stem: str | Path) -> list[Path]:
    """Write the forest plot of ``models`` (rows of ``tables/survival_models.tsv``) as PNG and PDF."""
    return save_figure(forest_figure(models), stem)
