"""Adverse-event chart from tables/adverse_events.tsv: patients with an event per category and group.

One row of panels per cohort: horizontal bars of the percentage of patients with at least one event
in each category by group, labelled n/N, and beside them a panel of their own with the p-value of
Fisher's exact test between the groups, in one format (``myoild.figures.style.format_p``).

Counts pass the run's ``Disclosure`` (config ``report.min_cell_count``): a small n or N is shown as
``<5``, and the bar of a hidden n is not drawn, since its percentage would give the count back
(the rule of ``myoild.disclosure``, as the report's adverse-event tables); a note says so.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from myoild.contract import AE_ANY, AE_CATEGORIES, COHORTS
from myoild.design import PAPER
from myoild.disclosure import Disclosure
from myoild.figures.style import (
    FULL_WIDTH,
    MIN_FONT_SIZE,
    RC_PARAMS,
    add_note,
    arm_colours,
    drawn_groups,
    format_p,
    save_figure,
)
from myoild.labels import CATEGORY_LABELS, GROUP_LABELS

BAR_HEIGHT = 0.38
#: Inches of height per category (two bars).
CATEGORY_HEIGHT = 0.27


def _bars(
    ax: plt.Axes,
    rows: pd.DataFrame,
    groups: tuple[str, ...],
    cohort: str,
    categories: list[str],
    y: np.ndarray,
    disclosure: Disclosure,
) -> None:
    """Each of the cohort's ``groups``' bars with their n/N labels, counts as ``disclosure`` shows
    them (module docstring)."""
    colours = arm_colours(groups)
    for offset, group in zip((-BAR_HEIGHT / 2, BAR_HEIGHT / 2), groups):
        group_rows = rows.xs(group, level="group").reindex(categories)
        hidden = group_rows["patients_with_event"].map(disclosure.hides).astype(bool)
        percent = group_rows["percent"].fillna(0).mask(hidden, 0.0)
        label = f"{GROUP_LABELS[group]} (N={disclosure.count(group_rows['patients_at_risk'].max())})"
        ax.barh(y - offset, percent, BAR_HEIGHT, color=colours[group], label=label)
        for yy, with_event, at_risk, x in zip(
            y - offset, group_rows["patients_with_event"], group_rows["patients_at_risk"], percent
        ):
            ax.annotate(
                f"{disclosure.count(with_event)}/{disclosure.count(at_risk)}", (x, yy), xytext=(2, 0),
                textcoords="offset points", va="center", fontsize=MIN_FONT_SIZE,
            )  # fmt: skip
    ax.set_yticks(y, [CATEGORY_LABELS[c] for c in categories])
    ax.set_xlim(0, 112)
    ax.set_xlabel("Patients with \u2265 1 event (% of patients at risk)")
    ax.set_title(f"{cohort.capitalize()} cohort", loc="left", fontweight="bold")
    ax.legend(loc="lower right", frameon=False)


def _p_values(ax: plt.Axes, p_values: pd.Series, y: np.ndarray) -> None:
    """The p-values in their own panel, level with their categories."""
    for yy, p in zip(y, p_values):
        ax.text(0.5, yy, format_p(p) or "\u2013", ha="center", va="center")
    ax.set_xlim(0, 1)
    ax.set_title("p", loc="center", fontstyle="italic")
    ax.tick_params(left=False, labelleft=False, bottom=False, labelbottom=False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def adverse_event_figure(
    adverse_events: pd.DataFrame, disclosure: Disclosure = Disclosure(), window_days: int = PAPER.followup_days
) -> plt.Figure:
    """Per cohort (module docstring), bars of the percentage of patients with at least one event in
    each category by group, labelled n/N (counts as ``disclosure`` shows them), with Fisher's exact
    p-value between the groups beside; the note names the events' window (the design's follow-up)."""
    categories = [AE_ANY, *AE_CATEGORIES]
    cohorts = [cohort for cohort in COHORTS if adverse_events["cohort"].eq(cohort).any()]
    y = np.arange(len(categories))[::-1]
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(
            len(cohorts), 2, figsize=(FULL_WIDTH, len(cohorts) * (CATEGORY_HEIGHT * len(categories) + 0.8)),
            layout="constrained", squeeze=False, gridspec_kw={"width_ratios": [7, 1]},
        )  # fmt: skip
        for (bars, p_panel), cohort in zip(axes, cohorts):
            cohort_rows = adverse_events[adverse_events["cohort"].eq(cohort)]
            groups = drawn_groups(cohort_rows)
            rows = cohort_rows.set_index(["category", "group"])
            _bars(bars, rows, groups, cohort, categories, y, disclosure)
            p_panel.sharey(bars)
            _p_values(p_panel, rows.xs(groups[0], level="group").reindex(categories)["p_fisher"], y)
        add_note(
            fig,
            f"Events with onset within {window_days} days of the index date; n/N: patients with an event / patients "
            "at risk; p: Fisher's exact test between the groups."
            + (f" {disclosure.note} Bars of hidden counts are not drawn." if disclosure.note else ""),
        )
    return fig


def adverse_event_chart(
    adverse_events: pd.DataFrame,
    stem: str | Path,
    disclosure: Disclosure = Disclosure(),
    window_days: int = PAPER.followup_days,
) -> list[Path]:
    """Write the adverse-event chart of ``adverse_events`` (``tables/adverse_events.tsv``) as PNG and
    PDF, counts as ``disclosure`` shows them."""
    return save_figure(adverse_event_figure(adverse_events, disclosure, window_days), stem)
