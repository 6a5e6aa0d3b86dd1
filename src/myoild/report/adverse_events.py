"""Section on adverse events by category and group, both cohorts (paper, Supplementary Table 1)."""

from __future__ import annotations

import pandas as pd

from myoild.contract import COHORTS
from myoild.design import PAPER, StudyDesign
from myoild.disclosure import Disclosure
from myoild.labels import CATEGORY_LABELS, GROUP_LABELS
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import format_count, format_number, format_p
from myoild.report.html import Section, figure, not_available, paragraph, table


def _group_cells(row: pd.Series, disclosure: Disclosure) -> list[str]:
    """Patients with an event / at risk (%), events, severe; a small count as ``<5`` and its
    percentage left out (it would give the count back)."""
    with_event, at_risk = (format_count(row[c], disclosure) for c in ("patients_with_event", "patients_at_risk"))
    percent = "" if disclosure.hides(row["patients_with_event"]) else f" ({format_number(row['percent'])}%)"
    severe = "/".join(format_count(row[c], disclosure) for c in ("grade3plus", "serious", "led_to_discontinuation"))
    return [f"{with_event}/{at_risk}{percent}", format_count(row["events"], disclosure), severe]


def cohort_table(events: pd.DataFrame, cohort: str, disclosure: Disclosure = Disclosure()) -> str:
    """One row per category: per group patients with an event, events, and patients with a grade >= 3,
    serious or discontinuing event; Fisher's exact p."""
    rows_of = events[events["cohort"] == cohort]
    groups = list(dict.fromkeys(rows_of["group"]))
    header = ["Category"]
    for group in groups:
        name = GROUP_LABELS.get(group, group)
        header += [f"{name}: patients (%)", "events", "grade ≥3/serious/stopped"]
    rows = []
    for category, block in rows_of.groupby("category", sort=False):
        by_group = block.set_index("group")
        cells = [cell for group in groups for cell in _group_cells(by_group.loc[group], disclosure)]
        rows.append([CATEGORY_LABELS.get(category, category), *cells, format_p(block["p_fisher"].iloc[0])])
    return table(header + ["p (Fisher)"], rows, f"Adverse events, {cohort} cohort")


def adverse_events_section(
    results: ResultsFolder, disclosure: Disclosure = Disclosure(), design: StudyDesign = PAPER
) -> Section:
    caption = (
        "Patients with an adverse event by category and group, per cohort (n/N at the bars); at the right, "
        "Fisher's exact p between the groups."
    )
    blocks: list = [figure(results.figure("adverse_events"), "adverse_events", caption)]
    events = results.table("tables/adverse_events.tsv")
    if events is None:
        blocks.append(not_available("tables/adverse_events.tsv"))
    else:
        blocks += [cohort_table(events, cohort, disclosure) for cohort in COHORTS if (events["cohort"] == cohort).any()]
        blocks.append(
            paragraph(
                f"Events with onset from the index date to day {design.followup_days}. Grade ≥3/serious/stopped: "
                "patients with at least one event of CTCAE grade 3 or worse, serious, or leading to discontinuation."
            )
        )
    return Section("adverse-events", "Adverse events", tuple(blocks))
