"""Kaplan-Meier figures with numbers at risk (paper, Figure 1, Figure 3D-E, Supplementary Figure 2).

Drawn from ``tables/km.tsv`` (each arm's curve from its day-0 row, then its rows at event times
and, where the table holds them, at censoring times) and ``tables/km_at_risk.tsv``, whose last
day (the end of follow-up) ends the time axis.

- Censoring: a ``+`` on the curve at each time where patients were censored (R ``plot.survfit``,
  ``mark.time = TRUE``): the rows with ``n_censor`` > 0. Marks are drawn only when the rows
  account for every patient who leaves the risk set (each row's ``n_risk`` less its events and
  censorings is the next row's ``n_risk``, and nobody is left after the last row), as the rows of
  ``weighted_km(..., censored=True)`` do; a table of event times alone would give a partial set
  of marks, so the panel then says that its censoring times are not in the table.
- Numbers at risk under each panel, one row per arm in the arm's colour, labelled with the arm's
  name at the left of the row of panels: whole numbers of patients, each passed through the run's
  ``Disclosure`` (config ``report.min_cell_count``: a small number as ``<5``, said in a note under
  the panels), as the report's table of numbers at risk; on weighted curves the sum of the weights
  follows in parentheses.
- An arm without events is a flat line at 1; a hazard ratio that is not estimable is written as
  such with its reason.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import fill

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.transforms import offset_copy

from myoild.contrasts import contrast_groups
from myoild.disclosure import Disclosure
from myoild.figures.style import (
    MIN_FONT_SIZE,
    RC_PARAMS,
    add_note,
    arm_colours,
    p_equals,
    panel_grid,
    save_figure,
    wrap_to,
)
from myoild.labels import GROUP_LABELS, MODEL_LABELS
from myoild.model_rows import estimate_text, not_estimable_reason

ENDPOINT_LABELS = {
    "death": "Survival",
    "relapse": "Relapse-free",
    "respiratory_relapse": "Respiratory-relapse-free",
}
#: Points: between lines of the numbers at risk; from the axes to their heading (under the x-axis
#: label); from a row's label to the axis.
LINE = 1.3 * MIN_FONT_SIZE
AT_RISK_TOP = 30
LABEL_GAP = 16
#: Panels a row; inches: height of a panel's plot, its width where the fit is written.
COLUMNS = 2
PLOT_HEIGHT = 2.3
FIT_WIDTH = 2.8
CENSOR_MARK = {"marker": "+", "linestyle": "none", "markersize": 5, "markeredgewidth": 0.9}


def _steps(curve: pd.DataFrame, column: str, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """A right-continuous step function from the curve's day-0 row to ``horizon``."""
    times = np.concatenate([curve["time_days"].to_numpy(float), [horizon]])
    values = curve[column].to_numpy(float)
    return times, np.concatenate([values, values[-1:]])


def censoring_complete(curve: pd.DataFrame) -> bool:
    """Whether the rows of one arm's curve (in time order) account for every patient who leaves
    its risk set: ``n_risk - n_event - n_censor`` of each row is the next row's ``n_risk``, and
    0 after the last row."""
    left = (curve["n_risk"] - curve["n_event"] - curve["n_censor"]).to_numpy()
    following = np.append(curve["n_risk"].to_numpy()[1:], 0)
    return bool(np.array_equal(left, following))


def censoring_marks(curve: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Times with censored patients and the curve's value there (after any event at that time)."""
    censored = curve[curve["n_censor"] > 0]
    return censored["time_days"].to_numpy(float), censored["survival"].to_numpy(float)


def _label(group: str) -> str:
    return fill(GROUP_LABELS.get(group, group), 14)


def _at_risk_text(rows: pd.DataFrame, weighted: bool, disclosure: Disclosure) -> list[str]:
    """Each row's patients at risk as ``disclosure`` shows a count, with the sum of weights when ``weighted``."""
    counts = [disclosure.count(n) for n in rows["n_risk"]]
    if weighted:
        return [f"{n}\n({w:.1f})" for n, w in zip(counts, rows["n_risk_weighted"])]
    return counts


def _below(ax: plt.Axes, points: float, transform=None, x_points: float = 0.0):
    """``transform`` (default: data x, axes y) moved ``points`` down and ``x_points`` right."""
    base = ax.get_xaxis_transform() if transform is None else transform
    return offset_copy(base, fig=ax.figure, x=x_points, y=-points, units="points")


def _numbers_at_risk(
    ax: plt.Axes,
    at_risk: pd.DataFrame,
    groups: tuple[str, str],
    weighted: bool,
    labelled: bool,
    disclosure: Disclosure,
) -> None:
    """The rows of numbers at risk under ``ax`` (counts as ``disclosure`` shows them), with the arms'
    names at the left when ``labelled``."""
    heading = "Numbers at risk" + (": patients (sum of weights)" if weighted else "")
    ax.text(0, 0, heading, transform=_below(ax, AT_RISK_TOP, ax.transAxes), va="top", fontsize=MIN_FONT_SIZE)
    depth = AT_RISK_TOP + LINE
    colours = arm_colours(groups)
    for group in groups:
        colour = colours[group]
        rows = at_risk[at_risk["group"] == group].sort_values("time_days")
        for day, text in zip(rows["time_days"], _at_risk_text(rows, weighted, disclosure)):
            ax.text(
                day, 0, text, transform=_below(ax, depth), ha="center", va="top", color=colour, fontsize=MIN_FONT_SIZE
            )
        if rows.empty:
            ax.text(
                0,
                0,
                "no patients",
                transform=_below(ax, depth, ax.transAxes),
                va="top",
                color=colour,
                fontsize=MIN_FONT_SIZE,
            )
        label = _label(group)
        if labelled:
            place = _below(ax, depth, ax.transAxes, -LABEL_GAP)
            ax.text(0, 0, label, transform=place, ha="right", va="top", color=colour, fontsize=MIN_FONT_SIZE)
        depth += LINE * max(2 if weighted else 1, label.count("\n") + 1)


def _fit_text(fit: pd.Series | None, weighted: bool) -> str:
    """``HR 0.300 (0.096–0.933), IPTW Cox`` or ``HR not estimable: <reason>``, then the test's p."""
    if fit is None:
        return ""
    if pd.isna(fit["hr"]):
        estimate = "HR " + not_estimable_reason(fit)
    else:
        estimate = f"HR {estimate_text(fit)}, {MODEL_LABELS.get(fit['model'], fit['model'])}"
    test = "robust score test" if weighted else "log-rank test"
    return wrap_to(estimate, FIT_WIDTH) + f"\n{test} {p_equals(fit['logrank_p'])}"


def _panel(ax: plt.Axes, table: pd.DataFrame, at_risk: pd.DataFrame, groups: tuple[str, str], weighted: bool) -> bool:
    """One endpoint's curves; returns whether every arm's censoring times could be marked."""
    horizon = float(np.max(np.concatenate([at_risk["time_days"].to_numpy(float), table["time_days"].to_numpy(float)])))
    complete = True
    colours = arm_colours(groups)
    for group in groups:
        curve = table[table["group"] == group].sort_values("time_days", kind="stable")
        if curve.empty:  # no patients in this arm
            continue
        colour = colours[group]
        times, survival = _steps(curve, "survival", horizon)
        ax.step(times, survival, where="post", color=colour, linewidth=1.2)
        _, low = _steps(curve, "ci_low", horizon)
        _, high = _steps(curve, "ci_high", horizon)
        ax.fill_between(times, low, high, step="post", color=colour, alpha=0.12, linewidth=0)
        if censoring_complete(curve):
            ax.plot(*censoring_marks(curve), color=colour, **CENSOR_MARK)
        else:
            complete = False
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(sorted(at_risk["time_days"].unique()))
    ax.set_xlabel("Days since start of treatment")
    return complete


def kaplan_meier_figure(
    km: pd.DataFrame,
    at_risk: pd.DataFrame,
    models: pd.DataFrame,
    contrast: str,
    weighted: bool,
    disclosure: Disclosure = Disclosure(),
) -> plt.Figure:
    """One panel per endpoint of ``contrast`` (``COLUMNS`` a row): the two arms' curves with 95% bands and
    censoring marks, the hazard ratio with its test in the corner (weighted: the robust score
    test of the IPTW Cox model, R's ``robscore``; unweighted: the log-rank test), numbers at risk
    below, as ``disclosure`` shows counts (module docstring)."""
    groups = contrast_groups(contrast)
    rows = km[(km["contrast"] == contrast) & (km["weighted"] == weighted)]
    endpoints = list(dict.fromkeys(rows["endpoint"]))
    model = "cox_iptw" if weighted else "cox_unadjusted"
    lines = sum(max(2 if weighted else 1, _label(group).count("\n") + 1) for group in groups)
    height = PLOT_HEIGHT + (AT_RISK_TOP + LINE * (lines + 1.5)) / 72
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(len(endpoints), COLUMNS, height)
        complete = True
        for index, (ax, endpoint) in enumerate(zip(axes, endpoints)):
            curves = at_risk[(at_risk["contrast"] == contrast) & (at_risk["endpoint"] == endpoint)]
            marked = _panel(ax, rows[rows["endpoint"] == endpoint], curves, groups, weighted)
            complete &= marked
            _numbers_at_risk(ax, curves, groups, weighted, index % COLUMNS == 0, disclosure)
            fit = models[
                (models["contrast"] == contrast) & (models["endpoint"] == endpoint) & (models["model"] == model)
            ]
            text = _fit_text(fit.iloc[0] if len(fit) else None, weighted)
            if not marked:
                text += "\ncensoring times not in the table: no + marks"
            ax.text(0.03, 0.04, text, transform=ax.transAxes, fontsize=MIN_FONT_SIZE, va="bottom")
            ax.set_ylabel(f"{ENDPOINT_LABELS.get(endpoint, endpoint)} probability" + (" (IPTW)" if weighted else ""))
        colours = arm_colours(groups)
        handles = [Line2D([], [], color=colours[g], label=GROUP_LABELS.get(g, g)) for g in groups]
        if complete:
            handles.append(Line2D([], [], color="#333333", label="Censored", **CENSOR_MARK))
        fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), frameon=False)
        if disclosure.note:
            add_note(fig, disclosure.note)
    return fig


def km_figure(
    km: pd.DataFrame,
    at_risk: pd.DataFrame,
    models: pd.DataFrame,
    contrast: str,
    weighted: bool,
    stem: str | Path,
    disclosure: Disclosure = Disclosure(),
) -> list[Path]:
    """Write the Kaplan-Meier figure of ``contrast`` (weighted or not) as PNG and PDF, numbers at risk
    as ``disclosure`` shows counts."""
    return save_figure(kaplan_meier_figure(km, at_risk, models, contrast, weighted, disclosure), stem)
