"""Adverse events per category and group, both cohorts (paper: Supplementary Table 1).

Rules:
- patients at risk: the included patients of the group (cohort analysis set);
- groups: the study design's (``myoild.design``; tacrolimus vs conventional and tacrolimus vs
  tacrolimus+pirfenidone in the paper's study);
- events counted: onset from the index date to index + 365 days inclusive (the design's
  follow-up window, DATA_CONTRACT.md "Derived endpoints"); earlier events precede the treatment
  and later ones lie outside the study, and both are left out (``outside_window_events`` in
  ``adverse_event_window_counts``);
- per cohort, category (the contract's nine, then ``any``) and group: patients with at least one
  event and their percentage of the patients at risk, number of events, and the patients with at
  least one event of CTCAE grade 3 or worse, serious, or leading to discontinuation (the event
  counts of these three follow as extras);
- ``p_fisher``: two-sided Fisher's exact test (R ``fisher.test``) of patients with vs without an
  event between the cohort's two groups, the same value on both group rows; defined when a
  group has no event (p = 1 when neither has).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.contract import AE_ANY, AE_CATEGORIES, COHORTS
from myoild.design import PAPER, StudyDesign
from myoild.scales import ANALYSED_PATIENT_COLUMNS, analysed_patients
from myoild.stats.nonparametric import fisher_exact_p

#: Event grade from which an event counts as "grade 3 or worse" (CTCAE).
SEVERE_GRADE = 3
#: tables/adverse_events.tsv (RESULTS_CONTRACT.md); extras follow.
ADVERSE_EVENT_COLUMNS = (
    "cohort",
    "category",
    "group",
    "patients_with_event",
    "patients_at_risk",
    "percent",
    "events",
    "grade3plus",
    "serious",
    "led_to_discontinuation",
    "p_fisher",
)
ADVERSE_EVENT_EXTRAS = ("grade3plus_events", "serious_events", "led_to_discontinuation_events")
_FLAGS = ("grade3plus", "serious", "led_to_discontinuation")
#: What ``adverse_event_table`` and ``adverse_event_window_counts`` read (rule adverse_events, of
#: both cohorts, so every row; only these columns): of the analysis set, who is at risk in which
#: cohort and group; of the normalised patients, the index date the window starts from; of the
#: normalised adverse events, each event's patient, onset, category and severity.
ANALYSIS_COLUMNS = ANALYSED_PATIENT_COLUMNS
PATIENT_COLUMNS = ("patient_id", "index_date")
EVENT_COLUMNS = ("patient_id", "onset_date", "category", "ctcae_grade", "serious", "led_to_discontinuation")


def patients_at_risk(analysis_set: pd.DataFrame) -> pd.DataFrame:
    """``patient_id``, ``cohort``, ``group`` of the included patients of both cohorts."""
    return pd.concat(
        [analysed_patients(analysis_set, cohort).assign(cohort=cohort) for cohort in COHORTS], ignore_index=True
    )


def _events_in_window(
    adverse_events: pd.DataFrame, at_risk: pd.DataFrame, patients: pd.DataFrame, window_days: int
) -> pd.DataFrame:
    events = adverse_events.merge(at_risk, on="patient_id", how="inner").merge(
        patients[["patient_id", "index_date"]], on="patient_id", how="left"
    )
    day = (events["onset_date"] - events["index_date"]).dt.days
    events["in_window"] = day.between(0, window_days).to_numpy(dtype=bool)
    return events


def adverse_event_window_counts(
    adverse_events: pd.DataFrame,
    analysis_set: pd.DataFrame,
    patients: pd.DataFrame,
    window_days: int = PAPER.followup_days,
) -> pd.DataFrame:
    """Per cohort: events of analysed patients inside and outside the window (for the report)."""
    events = _events_in_window(adverse_events, patients_at_risk(analysis_set), patients, window_days)
    counts = events.groupby("cohort")["in_window"].agg(
        in_window_events="sum", outside_window_events=lambda s: (~s).sum()
    )
    return counts.reindex(list(COHORTS), fill_value=0).rename_axis("cohort").reset_index()


def adverse_event_table(
    adverse_events: pd.DataFrame,
    analysis_set: pd.DataFrame,
    patients: pd.DataFrame,
    design: StudyDesign = PAPER,
) -> pd.DataFrame:
    """tables/adverse_events.tsv: every cohort x category x group row, zero counts included.

    ``patients`` (the normalised patients table) supplies the index dates; events count with onset
    on days 0 to the ``design``'s follow-up window; groups are its groups. Rules: module docstring.
    """
    at_risk = patients_at_risk(analysis_set)
    events = _events_in_window(adverse_events, at_risk, patients, design.followup_days)
    events = events[events["in_window"]]
    events = events.assign(
        grade3plus=events["ctcae_grade"].astype("float64").ge(SEVERE_GRADE),
        serious=events["serious"].astype("boolean").fillna(False).astype(bool),
        led_to_discontinuation=events["led_to_discontinuation"].astype("boolean").fillna(False).astype(bool),
    )
    events = pd.concat([events, events.assign(category=AE_ANY)], ignore_index=True)

    keys = ["cohort", "category", "group"]
    per_patient = events.groupby([*keys, "patient_id"])[list(_FLAGS)].any()
    counts = per_patient.groupby(keys).sum()
    counts["patients_with_event"] = per_patient.groupby(keys).size()
    event_counts = events.groupby(keys)[list(_FLAGS)].sum().add_suffix("_events")
    event_counts["events"] = events.groupby(keys).size()

    grid = pd.MultiIndex.from_tuples(
        [
            (cohort, category, group)
            for cohort in COHORTS
            for category in (*AE_CATEGORIES, AE_ANY)
            for group in design.groups[cohort]
        ],
        names=keys,
    )
    table = counts.join(event_counts).reindex(grid, fill_value=0).reset_index()
    n_at_risk = at_risk.groupby(["cohort", "group"]).size().rename("patients_at_risk")
    table = table.merge(n_at_risk.reset_index(), on=["cohort", "group"], how="left")
    table["patients_at_risk"] = table["patients_at_risk"].fillna(0)
    count_columns = ["patients_with_event", "patients_at_risk", "events", *_FLAGS, *ADVERSE_EVENT_EXTRAS]
    table[count_columns] = table[count_columns].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["percent"] = 100.0 * table["patients_with_event"] / table["patients_at_risk"].replace(0, np.nan)
    fisher = {key: _fisher_between_groups(block) for key, block in table.groupby(["cohort", "category"], sort=False)}
    table["p_fisher"] = [fisher[key] for key in zip(table["cohort"], table["category"])]
    return table[list(ADVERSE_EVENT_COLUMNS + ADVERSE_EVENT_EXTRAS)]


def _fisher_between_groups(block: pd.DataFrame) -> float:
    """Fisher's p of the 2 x 2 table (group x with / without an event) of one cohort and category."""
    with_event = block["patients_with_event"].to_numpy()
    return fisher_exact_p(np.column_stack([with_event, block["patients_at_risk"].to_numpy() - with_event]))
