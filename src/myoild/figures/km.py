"""Kaplan-Meier figures with numbers at risk (paper, Figure 1, Figure 3D-E, Supplementary Figure 2).

Drawn from ``tables/km.tsv`` (each arm's curve from its day-0 row, then one row per event time) and
``tables/km_at_risk.tsv``. Numbers at risk are whole numbers of patients; on weighted curves the
weighted sum follows in parentheses. An arm without events is a flat line at 1; a hazard ratio that
is not estimable is written as such with its reason.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from myoild.contract import WINDOW_DAYS
from myoild.contrasts import contrast_groups
from myoild.figures.forest import estimate_text
from myoild.figures.style import GROUP_COLOURS, GROUP_LABELS, RC_PARAMS, save_figure

ENDPOINT_LABELS = {
    "death": "Survival",
    "relapse": "Relapse-free",
    "respiratory_relapse": "Respiratory-relapse-free",
}


def _steps(curve: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A right-continuous step function from the curve's day-0 row to the end of the window."""
    times = np.concatenate([curve["time_days"].to_numpy(float), [WINDOW_DAYS]])
    values = curve[column].to_numpy(float)
    return times, np.concatenate([values, values[-1:]])


def _at_risk_text(rows: pd.DataFrame, weighted: bool) -> list[str]:
    if weighted:
        return [f"{n}\n({w:.1f})" for n, w in zip(rows["n_risk"], rows["n_risk_weighted"])]
    return [str(n) for n in rows["n_risk"]]


def _panel(ax: plt.Axes, table: pd.DataFrame, at_risk: pd.DataFrame, groups: tuple[str, str], weighted: bool) -> None:
    for offset, group in enumerate(groups):
        curve = table[table["group"] == group]
        if curve.empty:  # no patients in this arm
            continue
        colour = GROUP_COLOURS.get(group, "#000000")
        times, survival = _steps(curve, "survival")
        ax.step(times, survival, where="post", color=colour, label=GROUP_LABELS.get(group, group))
        _, low = _steps(curve, "ci_low")
        _, high = _steps(curve, "ci_high")
        ax.fill_between(times, low, high, step="post", color=colour, alpha=0.15, linewidth=0)
        rows = at_risk[at_risk["group"] == group].sort_values("time_days")
        y = -0.26 - offset * (0.13 if weighted else 0.07)
        for day, text in zip(rows["time_days"], _at_risk_text(rows, weighted)):
            ax.text(day, y, text, transform=ax.get_xaxis_transform(), ha="center", va="top", color=colour, fontsize=7)
    ax.text(0, -0.2, "Numbers at risk" + (": patients (weighted sum)" if weighted else ""), transform=ax.transAxes, fontsize=7)
    ax.set_xlim(0, WINDOW_DAYS)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(sorted(at_risk["time_days"].unique()))
    ax.set_xlabel("Days since start of treatment")


def _fit_text(fit: pd.Series, weighted: bool) -> str:
    """``HR 0.304 (0.130-0.710)`` or ``HR not estimable: <reason>``, then the test's p."""
    estimate = estimate_text(fit).split(" (")[0] if pd.isna(fit.hr) else f"HR {fit.hr:.3f} ({fit.ci_low:.3f}-{fit.ci_high:.3f})"
    test = "robust score" if weighted else "log-rank"
    p = "not estimable" if pd.isna(fit.logrank_p) else f"{fit.logrank_p:.4f}"
    return f"{estimate}\n{test} p = {p}"


def km_figure(
    km: pd.DataFrame, at_risk: pd.DataFrame, models: pd.DataFrame, contrast: str, weighted: bool, stem: str | Path
) -> list[Path]:
    """One panel per endpoint of ``contrast``: the two arms' curves with 95% bands, the hazard
    ratio with its test in the corner (weighted: the robust score test of the IPTW Cox model, R's
    ``robscore``; unweighted: the log-rank test), numbers at risk below."""
    groups = contrast_groups(contrast)
    rows = km[(km["contrast"] == contrast) & (km["weighted"] == weighted)]
    endpoints = list(dict.fromkeys(rows["endpoint"]))
    model = "cox_iptw" if weighted else "cox_unadjusted"
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(1, len(endpoints), figsize=(4.8 * len(endpoints), 4.6), squeeze=False)
        for ax, endpoint in zip(axes[0], endpoints):
            _panel(
                ax,
                rows[rows["endpoint"] == endpoint],
                at_risk[(at_risk["contrast"] == contrast) & (at_risk["endpoint"] == endpoint)],
                groups,
                weighted,
            )
            fit = models[(models["contrast"] == contrast) & (models["endpoint"] == endpoint) & (models["model"] == model)]
            if len(fit):
                ax.text(0.03, 0.05, _fit_text(fit.iloc[0], weighted), transform=ax.transAxes, fontsize=8)
            ax.set_ylabel(f"{ENDPOINT_LABELS.get(endpoint, endpoint)} probability" + (" (IPTW)" if weighted else ""))
            ax.legend(loc="lower right", frameon=False, fontsize=8)
        fig.subplots_adjust(bottom=0.4, wspace=0.3, left=0.1, right=0.97, top=0.96)
    return save_figure(fig, stem)
