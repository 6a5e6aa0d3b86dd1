"""Treatment groups and the conventional group's main agent (DATA_CONTRACT.md, "Derived from it").

"Started within 30 days of index" means 0 <= start_date - index_date <= 30 days.

- Retrospective: ``tacrolimus`` when the set of immunosuppressants started within 30 days is
  exactly {tacrolimus}; ``conventional`` when it is not empty and holds no tacrolimus; otherwise
  excluded as ``tacrolimus_with_other_immunosuppressant`` or ``no_immunosuppressant_within_30_days``.
  A drug added after day 30, or one started before index, does not change the group.
- Prospective: ``tacrolimus+pirfenidone`` when pirfenidone starts within 30 days, else
  ``tacrolimus``; the contract gives no treatment exclusion here, so departures from the protocol
  (no tacrolimus, or another immunosuppressant, within 30 days) are flagged in ``treatment_note``.
- Main agent: ``tacrolimus`` in the tacrolimus groups; in the conventional group the
  earliest-started of the immunosuppressants that defined the group (started within 30 days),
  alphabetically first on a tie.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.contract import IMMUNOSUPPRESSANTS
from myoild.design import PAPER
from myoild.derive.keys import PatientAxis, first_row_per_patient
from myoild.derive.screening import NO_IMMUNOSUPPRESSANT, TACROLIMUS_WITH_OTHER

START_WINDOW_DAYS = PAPER.treatment_window_days
CONVENTIONAL_AGENTS = tuple(sorted(drug for drug in IMMUNOSUPPRESSANTS if drug != "tacrolimus"))
PROSPECTIVE_TREATMENT_NOTES = (
    "prospective_without_tacrolimus_within_30_days",
    "prospective_other_immunosuppressant_within_30_days",
)


def _started_rows(
    axis: PatientAxis, medications: pd.DataFrame, window_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Patient position, start day and drug of the episodes started within ``window_days`` of index."""
    positions = axis.positions(medications, "medications")
    start_day = axis.days_since_index(medications["start_date"], positions)
    within = (start_day >= 0) & (start_day <= window_days)
    return positions[within], start_day[within], medications["drug"].to_numpy(dtype=object)[within]


def _started_matrix(axis: PatientAxis, started_rows: tuple, drugs) -> pd.DataFrame:
    positions, _, drug = started_rows
    started = {}
    for name in drugs:
        column = np.zeros(len(axis), dtype=bool)
        column[positions[drug == name]] = True
        started[name] = column
    return pd.DataFrame(started, index=axis.ids)


def drugs_started(
    patients: pd.DataFrame, medications: pd.DataFrame, drugs=IMMUNOSUPPRESSANTS, window_days: int = START_WINDOW_DAYS
) -> pd.DataFrame:
    """One boolean column per drug: an episode of it started within ``window_days`` of index.

    Rows are the patients sorted by ``patient_id`` (index ``patient_id``).
    """
    axis = PatientAxis.of(patients)
    return _started_matrix(axis, _started_rows(axis, medications, window_days), drugs)


def _main_agents(n_patients: int, started_rows: tuple) -> np.ndarray:
    """Earliest-started conventional immunosuppressant within 30 days (tie: alphabetical), per patient."""
    positions, start_day, drug = started_rows
    conventional = np.isin(drug, CONVENTIONAL_AGENTS)
    positions, start_day, drug = positions[conventional], start_day[conventional], drug[conventional]
    alphabetical = pd.Categorical(drug, categories=CONVENTIONAL_AGENTS).codes
    order = np.lexsort((alphabetical, start_day, positions))
    owners, rows = first_row_per_patient(positions[order], np.ones(len(order), dtype=bool))
    agent = np.full(n_patients, None, dtype=object)
    agent[owners] = drug[order][rows]
    return agent


def treatment_groups(
    patients: pd.DataFrame, medications: pd.DataFrame, window_days: int = START_WINDOW_DAYS
) -> pd.DataFrame:
    """``group``, ``main_agent``, ``treatment_exclusion`` and ``treatment_note`` per patient.

    Rows are the patients sorted by ``patient_id`` (index ``patient_id``). ``treatment_exclusion``
    is None when a group was assigned. ``treatment_note`` flags prospective patients whose first
    30 days depart from the protocol, which the contract does not exclude:
    ``prospective_without_tacrolimus_within_30_days`` or (else)
    ``prospective_other_immunosuppressant_within_30_days``. The rules are applied to every patient
    regardless of earlier screening steps; ``derive_cohort`` keeps the first reason. "30 days" is
    the design's treatment window, ``window_days`` (the notes keep their contract names).
    """
    axis = PatientAxis.of(patients)
    started_rows = _started_rows(axis, medications, window_days)
    started = _started_matrix(axis, started_rows, IMMUNOSUPPRESSANTS + ("pirfenidone",))
    tacrolimus = started["tacrolimus"].to_numpy()
    other = started[list(CONVENTIONAL_AGENTS)].any(axis=1).to_numpy()
    prospective = (axis.patients["cohort"] == "prospective").to_numpy()

    retro_group = np.select([tacrolimus & ~other, other & ~tacrolimus], ["tacrolimus", "conventional"], "")
    retro_exclusion = np.select(
        [tacrolimus & other, ~tacrolimus & ~other], [TACROLIMUS_WITH_OTHER, NO_IMMUNOSUPPRESSANT], ""
    )
    prosp_group = np.where(started["pirfenidone"].to_numpy(), "tacrolimus+pirfenidone", "tacrolimus")
    prosp_note = np.select([~tacrolimus, other], list(PROSPECTIVE_TREATMENT_NOTES), "")

    columns = {
        "group": np.where(prospective, prosp_group, retro_group),
        "main_agent": np.where(prospective | (retro_group == "tacrolimus"), "tacrolimus", ""),
        "treatment_exclusion": np.where(prospective, "", retro_exclusion),
        "treatment_note": np.where(prospective, prosp_note, ""),
    }
    columns = {name: _empty_as_none(values) for name, values in columns.items()}
    conventional = columns["group"] == "conventional"
    columns["main_agent"][conventional] = _main_agents(len(axis), started_rows)[conventional]
    return pd.DataFrame(columns, index=axis.ids)


def _empty_as_none(values: np.ndarray) -> np.ndarray:
    values = values.astype(object)
    values[values == ""] = None
    return values
