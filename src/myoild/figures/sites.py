"""Forest plot of the leave-one-site-out analysis (``myoild.sites``, ``tables/leave_one_site_out.tsv``).

One panel per contrast x endpoint, one row per site left out ("without <site>") in the table's
order. Given the analysis of every site (``overall``: e.g. the ``cox_iptw`` rows of
``tables/survival_models.tsv``), it is the panel's first row, in colour on a shaded band, and a
dashed vertical line, so that a site whose removal moves the estimate stands out. The hazard
ratio and its 95% CI are drawn on a log axis with a line at 1 (no effect), shared by the panels,
and written at the right; CIs beyond the axis are cut at its edge with an arrowhead, as in
``myoild.figures.forest``. A row that is not estimable is written "not estimable" with a double
dagger and not drawn, its reason in a footnote.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from myoild.figures.forest import NOT_ESTIMABLE_MARK, axis_limits, draw_estimate, log_hr_axis
from myoild.figures.style import FULL_WIDTH, RC_PARAMS, add_note, save_figure
from myoild.labels import ENDPOINT_NAMES, contrast_label
from myoild.model_rows import not_estimable_reason

ALL_SITES = "All sites"
ALL_SITES_COLOUR = "#0072B2"
SITE_COLOUR = "#333333"
ROW_HEIGHT = 0.2  # inches


def _panel_rows(rows: pd.DataFrame, overall: pd.DataFrame | None) -> list[tuple[str, pd.Series, bool]]:
    """(label, row, is the analysis of every site) from top to bottom."""
    lines = []
    if overall is not None and len(overall):
        lines.append((ALL_SITES, overall.iloc[0], True))
    lines += [(f"without {row['site_left_out']}", row, False) for _, row in rows.iterrows()]
    return lines


def _panel(ax: plt.Axes, lines: list[tuple[str, pd.Series, bool]], limits: tuple[float, float]) -> list[str]:
    """One contrast x endpoint; returns ``<label>: <reason>`` for each of its rows that is not
    estimable."""
    log_hr_axis(ax, limits)
    count = len(lines)
    reasons = []
    for position, (label, row, every_site) in enumerate(lines):
        y = count - 1 - position
        colour = ALL_SITES_COLOUR if every_site else SITE_COLOUR
        if every_site:
            ax.axhspan(y - 0.5, y + 0.5, color=ALL_SITES_COLOUR, alpha=0.1, linewidth=0)
            if limits[0] <= row["hr"] <= limits[1]:
                ax.axvline(row["hr"], color=ALL_SITES_COLOUR, linewidth=0.8, linestyle="--")
        if pd.isna(row["hr"]):
            reason = not_estimable_reason(row).removeprefix("not estimable").lstrip(": ")
            named = label.lower() if every_site else label
            reasons.append(f"{named}: {reason}" if reason else named)
        draw_estimate(ax, y, row, limits, colour, f"not estimable {NOT_ESTIMABLE_MARK}", every_site)
    ax.set_ylim(-0.7, count - 0.3)
    ax.set_yticks(range(count - 1, -1, -1), [label for label, _, _ in lines])
    for tick, (_, _, every_site) in zip(ax.get_yticklabels(), lines):
        tick.set_fontweight("bold" if every_site else "normal")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.text(1.02, count - 0.3, "HR (95% CI)", transform=ax.get_yaxis_transform(), fontweight="bold")
    return reasons


def sites_figure(rows: pd.DataFrame, overall: pd.DataFrame | None = None) -> plt.Figure:
    """The forest plot of the leave-one-site-out ``rows`` as a matplotlib figure (module
    docstring); ``overall`` holds at most one row (``contrast``, ``endpoint``, ``hr``,
    ``ci_low``, ``ci_high``, ``note``) per contrast and endpoint: the analysis of every site."""
    panels = []
    for (contrast, endpoint), block in rows.groupby(["contrast", "endpoint"], sort=False):
        every_site = None
        if overall is not None:
            every_site = overall[(overall["contrast"] == contrast) & (overall["endpoint"] == endpoint)]
        panels.append((contrast, endpoint, _panel_rows(block, every_site)))
    if not panels:
        raise ValueError("the leave-one-site-out table has no rows to plot")
    drawn = [row for *_, lines in panels for _, row, _ in lines]
    limits = axis_limits(pd.DataFrame(drawn))
    sizes = [len(lines) for *_, lines in panels]
    height = ROW_HEIGHT * sum(sizes) + 0.55 * len(panels) + 0.5
    reasons = []
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(
            len(panels), 1, figsize=(FULL_WIDTH, height), squeeze=False, layout="constrained",
            gridspec_kw={"height_ratios": sizes},
        )  # fmt: skip
        for ax, (contrast, endpoint, lines) in zip(axes[:, 0], panels):
            title = f"{contrast_label(contrast)}: {ENDPOINT_NAMES.get(endpoint, endpoint)}"
            reasons += [f"{title}, {reason}" for reason in _panel(ax, lines, limits)]
            ax.set_title(title, loc="left")
        axes[-1, 0].set_xlabel("Hazard ratio (log scale); < 1 favours the first group")
        if reasons:
            add_note(fig, f"{NOT_ESTIMABLE_MARK} Not estimable: " + "; ".join(reasons) + ".")
    return fig


def plot_leave_one_site_out(rows: pd.DataFrame, stem: str | Path, overall: pd.DataFrame | None = None) -> list[Path]:
    """Write the forest plot of the leave-one-site-out ``rows`` (and ``overall``, the analysis of
    every site) as ``stem.png`` and ``stem.pdf``."""
    return save_figure(sites_figure(rows, overall), stem)
