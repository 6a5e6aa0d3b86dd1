"""Scaled Schoenfeld residuals against time: the proportional-hazards diagnostic of a Cox model.

One panel per model, as R's ``plot(cox.zph(fit))``: the scaled Schoenfeld residuals of the
treatment against the transformed time, with their natural-spline smooth (4 df) and its
pointwise +-2 SE band (``myoild.stats.zph_smooth``), which estimate the log hazard ratio over
time, beta(t). A dashed horizontal line marks the fitted log hazard ratio; under proportional
hazards the smooth stays near it. The x axis is on the transformed scale (Kaplan-Meier by
default) and labelled in days as R labels it (``time_axis``; a tick crowding the previous one is
left out); the panel title carries the test's p-value and says when the model is stratified. For
a model stratified by site (R ``strata()``) the residuals are centred within their stratum's risk
sets and the time scale is still that of all patients together, as R's ``cox.zph``; the residuals
of all strata share the panel and the smooth, as ``plot.cox.zph`` draws them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from myoild.figures.style import RC_PARAMS, panel_grid, save_figure
from myoild.stats.zph import ZphResult, zph_smooth

#: A panel with more residuals than this draws them in the PDF as one 300-dpi image (text, axes and
#: smooth stay vector): at a million patients a panel holds some 150,000 residuals, whose vector
#: marks take the PDF seconds to write and megabytes to hold, and are no clearer than pixels.
VECTOR_POINTS_UP_TO = 10_000
TRANSFORM_LABELS = {
    "km": "Kaplan-Meier scale",
    "rank": "rank scale",
    "log": "log scale",
}


def time_axis(result: ZphResult, n_ticks: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Tick positions on the ``x`` scale and their times in days, as R's ``plot.cox.zph`` labels a
    transformed axis: the times at ``n_ticks`` evenly spaced ``x`` (the even points of
    ``2 n_ticks + 1``) rounded to 2 significant digits, mapped back to ``x`` by linear
    interpolation (R ``approx``; a rounded time outside the observed ones gets no tick)."""
    first = np.unique(result.x, return_index=True)[1]
    x, time = result.x.take(first), result.time.take(first)
    grid = np.linspace(x.min(), x.max(), 2 * n_ticks + 1)[1::2]
    days = np.array([float(f"{value:.2g}") for value in np.interp(grid, x, time)])
    days = days[(days >= time[0]) & (days <= time[-1])]
    return np.interp(days, time, x), days


def _spaced(positions: np.ndarray, days: np.ndarray, min_gap: float) -> tuple[np.ndarray, np.ndarray]:
    """The ticks less the ones closer than ``min_gap`` to the previous one kept (R draws them all;
    their labels would overlap)."""
    keep = []
    for i, position in enumerate(positions):
        if not keep or position - positions[keep[-1]] >= min_gap:
            keep.append(i)
    return positions.take(keep), days.take(keep)


def ph_test_label(result: ZphResult) -> str:
    """The test's p-value, and that the model is stratified when it is."""
    stratified = "" if result.stratum is None else " (stratified model)"
    if math.isnan(result.p_value):
        return f"PH test undefined{stratified}"
    return f"PH test p = {result.p_value:.3f}{stratified}"


def schoenfeld_panel(ax: plt.Axes, title: str, result: ZphResult) -> None:
    """One model's panel: its residuals, the smooth with its band, the fitted log HR and the test."""
    smooth = zph_smooth(result)
    ax.scatter(
        result.x,
        result.residual,
        s=8,
        color="#555555",
        alpha=0.6,
        linewidths=0,
        rasterized=len(result.x) > VECTOR_POINTS_UP_TO,
    )
    ax.plot(smooth["x"], smooth["beta"], color="#0072B2", label="Spline smooth (4 df)")
    ax.plot(smooth["x"], smooth["lower"], color="#0072B2", linestyle=":", label="±2 SE")
    ax.plot(smooth["x"], smooth["upper"], color="#0072B2", linestyle=":")
    ax.axhline(result.coef, color="#D55E00", linestyle="--", label="Fitted log HR")
    ax.set_title(f"{title}\n{ph_test_label(result)}")
    ax.set_ylabel("Beta(t) for treatment (log HR)")
    if result.transform == "identity":
        ax.set_xlabel("Days")
    else:
        positions, days = _spaced(*time_axis(result), min_gap=(result.x.max() - result.x.min()) / 9)
        ax.set_xticks(positions, [f"{day:g}" for day in days])
        ax.set_xlabel(f"Days ({TRANSFORM_LABELS[result.transform]})")


def plot_schoenfeld(panels: Sequence[tuple[str, ZphResult]], stem: str | Path) -> list[Path]:
    """Draw the ``(title, result)`` panels, two a row, and write ``stem.png`` and ``stem.pdf``."""
    if not panels:
        raise ValueError("no panels to draw")
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(panels), 2, 3.0)
        for ax, (title, result) in zip(axes, panels):
            schoenfeld_panel(ax, title, result)
        axes[0].legend(loc="best", frameon=False)
    return save_figure(fig, stem)
