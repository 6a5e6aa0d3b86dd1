"""Adverse-event chart from tables/adverse_events.tsv: patients with an event per category and group."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from myoild.adverse_events import ANY, COHORT_GROUPS
from myoild.contract import AE_CATEGORIES, COHORTS
from myoild.figures.style import GROUP_COLOURS, GROUP_LABELS, RC_PARAMS, save_figure

CATEGORY_LABELS = {
    "opportunistic_infection": "Opportunistic infection",
    "other_infection": "Other infection",
    "glucose_metabolism": "Glucose metabolism",
    "electrolyte": "Electrolyte imbalance",
    "gastrointestinal": "Gastrointestinal",
    "hepatic": "Hepatic",
    "renal": "Renal",
    "haematological": "Haematological",
    "other": "Other",
    ANY: "Any adverse event",
}
BAR_HEIGHT = 0.38


def adverse_event_chart(adverse_events: pd.DataFrame, stem: str | Path) -> list[Path]:
    """Per cohort, horizontal bars of the percentage of patients with at least one event in each
    category by group, labelled n/N, with Fisher's exact p-value between the groups at the right."""
    categories = [ANY, *AE_CATEGORIES]
    with plt.rc_context(RC_PARAMS):
        fig, axes = plt.subplots(1, len(COHORTS), figsize=(12, 5.5), layout="constrained", sharey=True)
        for ax, cohort in zip(axes.flat, COHORTS):
            rows = adverse_events[adverse_events["cohort"].eq(cohort)].set_index(["category", "group"])
            y = np.arange(len(categories))[::-1]
            for offset, group in zip((-BAR_HEIGHT / 2, BAR_HEIGHT / 2), COHORT_GROUPS[cohort]):
                group_rows = rows.xs(group, level="group").reindex(categories)
                n_at_risk = int(group_rows["patients_at_risk"].max())
                ax.barh(
                    y - offset,
                    group_rows["percent"].fillna(0),
                    BAR_HEIGHT,
                    color=GROUP_COLOURS[group],
                    label=f"{GROUP_LABELS[group]} (N={n_at_risk})",
                )
                for yy, with_event, at_risk, percent in zip(
                    y - offset,
                    group_rows["patients_with_event"],
                    group_rows["patients_at_risk"],
                    group_rows["percent"].fillna(0),
                ):
                    ax.annotate(
                        f"{with_event}/{at_risk}",
                        (percent, yy),
                        xytext=(2, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize="small",
                    )
            p_values = rows.xs(COHORT_GROUPS[cohort][0], level="group").reindex(categories)["p_fisher"]
            for yy, p in zip(y, p_values):
                ax.annotate(
                    f"p={p:.2g}" if p == p else "",
                    (1.0, yy),
                    xycoords=("axes fraction", "data"),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize="small",
                )
            ax.set_yticks(y)
            ax.set_yticklabels([CATEGORY_LABELS[c] for c in categories])
            ax.set_xlim(0, 115)
            ax.set_xlabel("Patients with \u2265 1 event (% of patients at risk)")
            ax.set_title(f"{cohort.capitalize()} cohort", loc="left", fontweight="bold")
            ax.legend(loc="lower right", frameon=False)
        fig.supxlabel(
            "Events with onset within 365 days of the index date; n/N: patients with an event / patients at risk; "
            "p: Fisher's exact test between groups.",
            fontsize="small",
        )
        return save_figure(fig, stem)
