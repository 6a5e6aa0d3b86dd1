"""Treatment groups and the conventional group's main agent (DATA_CONTRACT.md, "Derived from it").

"Started within 30 days of index" means 0 <= start_date - index_date <= 30 days (30: the
design's ``treatment_window_days``). The treatment is the design's (tacrolimus in the paper), the
add-on its ``add_on`` (pirfenidone):

- Retrospective: ``<treatment>`` when the set of immunosuppressants started within 30 days is
  exactly {treatment}; ``conventional`` when it is not empty and holds no treatment; otherwise
  excluded as ``<treatment>_with_other_immunosuppressant`` or ``no_immunosuppressant_within_30_days``.
  A drug added after day 30, or one started before index, does not change the group.
- Prospective: ``<treatment>+<add_on>`` when the add-on starts within 30 days, else
  ``<treatment>``; the contract gives no treatment exclusion here, so departures from the protocol
  (no treatment, or another immunosuppressant, within 30 days) are flagged in ``treatment_note``.
- Main agent: the treatment in the treatment groups; in the conventional group the
  earliest-started of the immunosuppressants that defined the group (started within 30 days),
  alphabetically first on a tie.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.contract import IMMUNOSUPPRESSANTS
from myoild.design import CONVENTIONAL, PAPER, StudyDesign
from myoild.derive.keys import PatientAxis, first_row_per_patient
from myoild.derive.screening import NO_IMMUNOSUPPRESSANT, treatment_with_other


def conventional_agents(treatment: str) -> tuple[str, ...]:
    """The immunosuppressants of the conventional group: every one but the treatment, sorted."""
    return tuple(sorted(drug for drug in IMMUNOSUPPRESSANTS if drug != treatment))


def prospective_treatment_notes(treatment: str) -> tuple[str, str]:
    """Departures from the prospective protocol, in the order they are checked (the contract's
    names with the design's treatment)."""
    return (
        f"prospective_without_{treatment}_within_30_days",
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
    patients: pd.DataFrame | PatientAxis,
    medications: pd.DataFrame,
    drugs=IMMUNOSUPPRESSANTS,
    window_days: int = PAPER.treatment_window_days,
) -> pd.DataFrame:
    """One boolean column per drug: an episode of it started within ``window_days`` of index.

    Rows are the patients sorted by ``patient_id`` (index ``patient_id``).
    """
    axis = PatientAxis.of(patients)
    return _started_matrix(axis, _started_rows(axis, medications, window_days), drugs)


def _main_agents(n_patients: int, started_rows: tuple, agents: tuple[str, ...]) -> np.ndarray:
    """Earliest-started of the conventional ``agents`` within 30 days (tie: alphabetical), per patient."""
    positions, start_day, drug = started_rows
    conventional = np.isin(drug, agents)
    positions, start_day, drug = positions[conventional], start_day[conventional], drug[conventional]
    alphabetical = pd.Categorical(drug, categories=agents).codes
    order = np.lexsort((alphabetical, start_day, positions))
    owners, rows = first_row_per_patient(positions[order], np.ones(len(order), dtype=bool))
    agent = np.full(n_patients, None, dtype=object)
    agent[owners] = drug[order][rows]
    return agent


def treatment_groups(
    patients: pd.DataFrame | PatientAxis, medications: pd.DataFrame, design: StudyDesign = PAPER
) -> pd.DataFrame:
    """``group``, ``main_agent``, ``treatment_exclusion`` and ``treatment_note`` per patient.

    Rows are the patients sorted by ``patient_id`` (index ``patient_id``). ``treatment_exclusion``
    is None when a group was assigned. ``treatment_note`` flags prospective patients whose first
    30 days depart from the protocol, which the contract does not exclude:
    ``prospective_without_<treatment>_within_30_days`` or (else)
    ``prospective_other_immunosuppressant_within_30_days``. The rules are applied to every patient
    regardless of earlier screening steps; ``derive_cohort`` keeps the first reason. "30 days" is
    the design's treatment window (the notes keep their contract names).
    """
    axis = PatientAxis.of(patients)
    started_rows = _started_rows(axis, medications, design.treatment_window_days)
    agents = conventional_agents(design.treatment)
    started = _started_matrix(axis, started_rows, tuple(dict.fromkeys((*IMMUNOSUPPRESSANTS, design.add_on))))
    treated = started[design.treatment].to_numpy()
    other = started[list(agents)].any(axis=1).to_numpy()
    prospective = (axis.patients["cohort"] == "prospective").to_numpy()

    add_on = started[design.add_on].to_numpy()
    # An add-on that is an immunosuppressant is the protocol, not a departure from it.
    other_than_add_on = started[[agent for agent in agents if agent != design.add_on]].any(axis=1).to_numpy()
    retrospective = ~prospective
    without_treatment, other_immunosuppressant = prospective_treatment_notes(design.treatment)

    # Each column is an object array filled by masks (None where no rule applies): no string array
    # of a million rows is built and compared, as np.select and np.where would.
    treatment_only = retrospective & treated & ~other
    conventional = retrospective & other & ~treated
    group = _labelled(
        len(axis),
        (treatment_only, design.treatment),
        (conventional, CONVENTIONAL),
        (prospective & add_on, design.combination),
        (prospective & ~add_on, design.treatment),
    )
    columns = {
        "group": group,
        "main_agent": _labelled(len(axis), (prospective | treatment_only, design.treatment)),
        "treatment_exclusion": _labelled(
            len(axis),
            (retrospective & treated & other, treatment_with_other(design.treatment)),
            (retrospective & ~treated & ~other, NO_IMMUNOSUPPRESSANT),
        ),
        # the first departure that applies: no treatment, else another immunosuppressant
        "treatment_note": _labelled(
            len(axis),
            (prospective & ~treated, without_treatment),
            (prospective & treated & other_than_add_on, other_immunosuppressant),
        ),
    }
    columns["main_agent"][conventional] = _main_agents(len(axis), started_rows, agents)[conventional]
    return pd.DataFrame(columns, index=axis.ids)


def _labelled(n: int, *rules: tuple[np.ndarray, str]) -> np.ndarray:
    """An object array of ``n`` labels: each rule's label where its mask holds (the masks are
    disjoint), None elsewhere."""
    labels = np.full(n, None, dtype=object)
    for mask, label in rules:
        labels[mask] = label
    return labels
