"""The patient axis every derivation works on: patient positions and whole days since index.

Every per-patient result is a numpy array aligned with ``patients`` sorted by ``patient_id``
(the order of the analysis set), so modules combine results by position instead of merging.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Calendar dates as whole days since 1970-01-01 (float64, NaN where the date is missing)."""
    values = np.asarray(dates, dtype="datetime64[ns]")
    days = values.astype("datetime64[D]").astype("int64").astype("float64")
    days[np.isnat(values)] = np.nan
    return days


def optional_column(frame: pd.DataFrame, column: str, dtype: str) -> pd.Series:
    """``frame[column]``, or an all-missing column of ``dtype`` when an optional column was left out."""
    if column in frame.columns:
        return frame[column]
    return pd.Series(pd.array([None] * len(frame), dtype=dtype), index=frame.index, name=column)


def as_bool(values: pd.Series) -> np.ndarray:
    """A nullable boolean column as numpy bool; missing counts as not true (data contract)."""
    return values.astype("boolean").to_numpy(dtype=bool, na_value=False)


@dataclass(frozen=True)
class PatientAxis:
    """``patients`` sorted by ``patient_id`` with the index day of each patient.

    An axis looks up a table's patients once: ``positions`` keeps the positions of the last frame
    it was given per table (the same frame object), so that ``derive_cohort``, which passes one
    axis and the same medications to three derivations, does not hash a million patient ids three
    times. The positions returned are shared: read them, never write into them.
    """

    patients: pd.DataFrame
    ids: pd.Index
    index_day: np.ndarray
    _positions: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, patients: "pd.DataFrame | PatientAxis") -> "PatientAxis":
        """The axis of ``patients``; an axis is returned as it is (the derivations accept either)."""
        if isinstance(patients, PatientAxis):
            return patients
        ordered = patients.reset_index(drop=True)
        # Normalised tables arrive sorted by key; sorting again would cost seconds at a million rows.
        if not ordered["patient_id"].is_monotonic_increasing:
            ordered = ordered.sort_values("patient_id", kind="mergesort").reset_index(drop=True)
        ids = pd.Index(ordered["patient_id"])
        if not ids.is_unique:
            duplicated = ids[ids.duplicated()].unique()[:5].tolist()
            raise ValueError(f"patients: patient_id is not unique, e.g. {duplicated}")
        return cls(ordered, ids, day_numbers(ordered["index_date"]))

    def __len__(self) -> int:
        return len(self.ids)

    def positions(self, frame: pd.DataFrame, table: str) -> np.ndarray:
        """Position of each row's patient on the axis; a patient_id not in ``patients`` is an error."""
        cached = self._positions.get(table)
        if cached is not None and cached[0] is frame:
            return cached[1]
        positions = self.ids.get_indexer(frame["patient_id"])
        if (positions < 0).any():
            unknown = pd.unique(frame["patient_id"].to_numpy()[positions < 0])[:5].tolist()
            raise ValueError(f"{table}: patient_id not in patients, e.g. {unknown}")
        positions.flags.writeable = False
        self._positions[table] = (frame, positions)
        return positions

    def days_since_index(self, dates: pd.Series, positions: np.ndarray) -> np.ndarray:
        """Whole days from each row's patient's index date to ``dates`` (NaN where missing)."""
        return day_numbers(dates) - self.index_day[positions]

    def patient_days(self, column: str) -> np.ndarray:
        """Whole days from index to a date column of ``patients`` (NaN where missing)."""
        return day_numbers(self.patients[column]) - self.index_day


def first_row_per_patient(positions: np.ndarray, mask: np.ndarray, last: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by (patient, date): the first (or last) row with ``mask`` per patient.

    Returns the patient positions and the row numbers, one pair per patient that has such a row.
    """
    rows = np.flatnonzero(mask)
    if last:
        rows = rows[::-1]
    owners = positions[rows]
    # Rows are grouped by patient, so a new patient starts wherever the owner changes.
    starts = np.ones(len(rows), dtype=bool)
    starts[1:] = owners[1:] != owners[:-1]
    return owners[starts], rows[starts]
