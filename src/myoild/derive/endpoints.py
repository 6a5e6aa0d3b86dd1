"""Death, relapse and respiratory relapse in the follow-up window (DATA_CONTRACT.md, "Derived
endpoints"), with the windows and thresholds of the study design (``myoild.design``; the paper's
values are quoted below: a 365-day window, a 2-fold biomarker rise, 0.5 mg/kg/day).

Times are whole days since the index date.

- Follow-up window: day 0 to day min(365, last_contact_date - index_date).
- Death: an event when 0 <= death day <= 365 (day 365 counts, day 366 is censored at 365); time =
  the death day for an event, else the end of the window. This is the "death time".
- Relapse: the first visit dated after the baseline visit, on day >= 0 and no later than the death
  time, with ``symptom_exacerbation`` and at least one of
  (i) ``biomarker``: ferritin or ESR strictly above 2 x the baseline-visit value (a missing
  baseline or visit value cannot fire);
  (ii) ``radiological``: ``radiological_progression`` true (missing = not true);
  (iii) ``glucocorticoid``: ``prednisolone_mg_day`` strictly above 0.5 x weight_kg where the
  immediately preceding visit by date (any kind, baseline included) was not: a preceding visit
  with a missing dose was not known to be above, so it counts as not above.
  The criterion recorded is the first of (i), (ii), (iii) met at that visit. A relapse on the day
  of death counts. Without a relapse: time = death time, censored (death censors relapse).
- Respiratory relapse: likewise, with ``respiratory_exacerbation`` and ``radiological_progression``.

Decision where the contract is silent: a visit after the baseline visit but before the index date
(day < 0) lies outside the window and cannot be an event; it still is a "preceding visit" for (iii).

Also derived, for the prospective glucocorticoid comparison (paper: "50 mg/d vs. 10 mg/d"):
``pred_baseline_mg_day`` (the baseline visit's dose) and ``pred_last_mg_day`` (the dose at the last
visit after baseline within the follow-up window that has a recorded dose, with its date).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from myoild.contract import BASELINE_LABS
from myoild.design import PAPER, StudyDesign
from myoild.derive.keys import PatientAxis, as_bool, day_numbers, first_row_per_patient, optional_column

BIOMARKERS = ("ferritin_ug_l", "esr_mm_h")
#: The columns of ``visits`` these rules read (the assessment scales are not among them).
VISIT_COLUMNS = (
    "patient_id",
    "visit",
    "visit_date",
    "symptom_exacerbation",
    "respiratory_exacerbation",
    "radiological_progression",
    "prednisolone_mg_day",
    *dict.fromkeys((*BIOMARKERS, *BASELINE_LABS.values())),
)


def death_endpoint(axis: PatientAxis, window_days: int = PAPER.followup_days) -> pd.DataFrame:
    """``followup_days``, ``death_time_days`` and ``death_event`` (float arrays) per patient."""
    followup = np.minimum(window_days, axis.patient_days("last_contact_date"))
    death_day = day_numbers(optional_column(axis.patients, "death_date", "datetime64[ns]")) - axis.index_day
    event = (death_day >= 0) & (death_day <= window_days)
    return pd.DataFrame(
        {
            "followup_days": followup,
            "death_time_days": np.where(event, death_day, followup),
            "death_event": event * 1.0,
        },
        index=axis.ids,
    )


@dataclass(frozen=True)
class VisitTimeline:
    """Visits sorted by (patient, date), with the per-visit quantities the endpoint rules read."""

    visits: pd.DataFrame
    order: np.ndarray
    positions: np.ndarray
    day: np.ndarray
    visit_date: np.ndarray
    after_baseline: np.ndarray
    baseline_row: np.ndarray

    @classmethod
    def of(cls, axis: PatientAxis, visits: pd.DataFrame) -> "VisitTimeline":
        positions = axis.positions(visits, "visits")
        visit_day = day_numbers(visits["visit_date"])
        # Rows are only reordered (never copied as a frame): columns are read through ``order``.
        order = np.lexsort((visit_day, positions))
        positions, visit_day = positions[order], visit_day[order]

        is_baseline = (visits["visit"].to_numpy(dtype=object) == "baseline")[order]
        n_baseline = np.bincount(positions[is_baseline], minlength=len(axis))
        if (n_baseline != 1).any():
            examples = axis.ids[n_baseline != 1][:5].tolist()
            raise ValueError(f"visits: every patient needs exactly one baseline visit; not so for e.g. {examples}")
        baseline_row = np.empty(len(axis), dtype="int64")
        baseline_row[positions[is_baseline]] = np.flatnonzero(is_baseline)
        return cls(
            visits=visits,
            order=order,
            positions=positions,
            day=visit_day - axis.index_day[positions],
            visit_date=visits["visit_date"].to_numpy(dtype="datetime64[ns]")[order],
            after_baseline=visit_day > visit_day[baseline_row][positions],
            baseline_row=baseline_row,
        )

    def numbers(self, column: str) -> np.ndarray:
        values = optional_column(self.visits, column, "float64").to_numpy(dtype=float, na_value=np.nan)
        return values[self.order]

    def flags(self, column: str) -> np.ndarray:
        return as_bool(optional_column(self.visits, column, "boolean"))[self.order]

    def at_baseline(self, values: np.ndarray) -> np.ndarray:
        """Each visit's patient's baseline-visit value of ``values``."""
        return values[self.baseline_row][self.positions]

    def in_window(self, end_day: np.ndarray) -> np.ndarray:
        """Visits after the baseline visit on day 0 ... ``end_day`` (per patient) inclusive."""
        return self.after_baseline & (self.day >= 0) & (self.day <= end_day[self.positions])


def _first_event(timeline: VisitTimeline, event_visit: np.ndarray, death_time: np.ndarray) -> dict[str, np.ndarray]:
    """Time, event and row of the first ``event_visit`` in the window ending at the death time."""
    owners, rows = first_row_per_patient(timeline.positions, event_visit & timeline.in_window(death_time))
    time, event, row = death_time.copy(), np.zeros(len(death_time)), np.full(len(death_time), -1)
    time[owners], event[owners], row[owners] = timeline.day[rows], 1.0, rows
    return {"time": time, "event": event, "row": row}


def _glucocorticoid_rise(timeline: VisitTimeline, weight_kg: np.ndarray, mg_kg: float) -> np.ndarray:
    """Criterion (iii): dose strictly above ``mg_kg`` mg/kg/day at a visit, not so at the preceding visit."""
    above = timeline.numbers("prednisolone_mg_day") > mg_kg * weight_kg[timeline.positions]
    above_before = np.zeros_like(above)
    same_patient = timeline.positions[1:] == timeline.positions[:-1]
    above_before[1:] = above[:-1] & same_patient
    return above & ~above_before


def _relapse_criteria(timeline: VisitTimeline, weight_kg: np.ndarray, design: StudyDesign) -> dict[str, np.ndarray]:
    """Per visit, whether each relapse criterion is met (regardless of symptoms and window)."""
    biomarker = np.zeros(len(timeline.positions), dtype=bool)
    for lab in BIOMARKERS:
        values = timeline.numbers(lab)
        biomarker |= values > design.relapse_lab_ratio * timeline.at_baseline(values)
    return {
        "biomarker": biomarker,
        "radiological": timeline.flags("radiological_progression"),
        "glucocorticoid": _glucocorticoid_rise(timeline, weight_kg, design.relapse_gc_mg_kg),
    }


def _visit_date(timeline: VisitTimeline, row: np.ndarray) -> np.ndarray:
    dates = np.full(len(row), np.datetime64("NaT"), dtype="datetime64[ns]")
    dates[row >= 0] = timeline.visit_date[row[row >= 0]]
    return dates


def endpoints(patients: pd.DataFrame | PatientAxis, visits: pd.DataFrame, design: StudyDesign = PAPER) -> pd.DataFrame:
    """Every endpoint column for every patient, indexed by patient_id (sorted), under ``design``.

    Columns: ``followup_days``, ``death_time_days``, ``death_event``, ``relapse_time_days``,
    ``relapse_event``, ``relapse_criterion``, ``relapse_visit_date``,
    ``respiratory_relapse_time_days``, ``respiratory_relapse_event``,
    ``respiratory_relapse_visit_date``, ``baseline_visit_date``, the baseline visit's laboratory
    values (``myoild.contract.BASELINE_LABS``), ``pred_baseline_mg_day``,
    ``pred_last_mg_day``, ``pred_last_visit_date``. Times and events are float here;
    ``derive_cohort`` sets the analysis-set dtypes.
    """
    axis = PatientAxis.of(patients)
    death = death_endpoint(axis, design.followup_days)
    death_time = death["death_time_days"].to_numpy()
    timeline = VisitTimeline.of(axis, visits)
    weight_kg = axis.patients["weight_kg"].to_numpy(dtype=float)

    criteria = _relapse_criteria(timeline, weight_kg, design)
    any_criterion = criteria["biomarker"] | criteria["radiological"] | criteria["glucocorticoid"]
    relapse = _first_event(timeline, timeline.flags("symptom_exacerbation") & any_criterion, death_time)
    respiratory = _first_event(
        timeline, timeline.flags("respiratory_exacerbation") & criteria["radiological"], death_time
    )
    fired = relapse["row"][relapse["row"] >= 0]
    criterion = np.full(len(axis), None, dtype=object)
    criterion[relapse["row"] >= 0] = np.select([criteria[name][fired] for name in criteria], list(criteria), None)

    dose = timeline.numbers("prednisolone_mg_day")
    last_owners, last_rows = first_row_per_patient(
        timeline.positions, timeline.in_window(death["followup_days"].to_numpy()) & ~np.isnan(dose), last=True
    )
    last_row = np.full(len(axis), -1)
    last_row[last_owners] = last_rows
    pred_last = np.where(last_row >= 0, dose[last_row], np.nan)

    return death.assign(
        relapse_time_days=relapse["time"],
        relapse_event=relapse["event"],
        relapse_criterion=criterion,
        relapse_visit_date=_visit_date(timeline, relapse["row"]),
        respiratory_relapse_time_days=respiratory["time"],
        respiratory_relapse_event=respiratory["event"],
        respiratory_relapse_visit_date=_visit_date(timeline, respiratory["row"]),
        baseline_visit_date=timeline.visit_date[timeline.baseline_row],
        **{name: timeline.numbers(lab)[timeline.baseline_row] for name, lab in BASELINE_LABS.items()},
        pred_baseline_mg_day=dose[timeline.baseline_row],
        pred_last_mg_day=pred_last,
        pred_last_visit_date=_visit_date(timeline, last_row),
    )
