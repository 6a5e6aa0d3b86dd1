"""What the human-readable outputs may show of the patients (config ``report``).

The human-readable outputs are ``report.html``, the Markdown of Table 1/2, the manuscript tables
(``tables/manuscript.docx``/``.xlsx``) and the counts the figures print: the flow diagram's, the
Kaplan-Meier figures' numbers at risk, the adverse-event chart's n/N, and the patients per visit
and per group of the scale and HRCT figures; the machine tables (TSV,
Parquet) and ``validation/report.*`` keep every count and identifier.

- ``show_patient_ids`` (default false): patient identifiers appear in the report only when set,
  for internal quality control; by default the report gives counts and reasons, and the
  identifiers stay in the patient-level tables under the results folder.
- ``min_cell_count`` (default 0, off): a count of patients (or of their events) from 1 to
  ``min_cell_count - 1`` is shown as ``<min_cell_count`` (e.g. ``<5``), the threshold rule of
  statistical disclosure control that registries apply to released tables (Hundepool et al. 2012,
  Statistical Disclosure Control, Wiley); zero and counts at or above the threshold are shown. A
  hidden count's percentage is hidden with it, since it would give the count back. Only this
  primary suppression is made: a hidden count that can be worked out from a total and the other
  cells of its row or column (secondary disclosure) is not hidden as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

#: An ``n (%)`` summary as ``tables.summaries.format_n_percent`` writes it: ``12 (30.0)``.
N_PERCENT = re.compile(r"^(\d+) \(")


@dataclass(frozen=True)
class Disclosure:
    """The settings of config ``report`` that limit what people see of the patients."""

    show_patient_ids: bool = False
    min_cell_count: int = 0

    @classmethod
    def from_config(cls, section: dict | None) -> Disclosure:
        """From config ``report`` (absent keys: the defaults, showing everything but identifiers)."""
        section = section or {}
        return cls(bool(section.get("show_patient_ids", False)), int(section.get("min_cell_count", 0)))

    @property
    def small(self) -> str:
        """What a hidden count shows: ``<5`` for ``min_cell_count`` 5."""
        return f"<{self.min_cell_count}"

    @property
    def note(self) -> str:
        """``Counts from 1 to 4 are shown as <5.`` when counts are hidden, else empty."""
        if self.min_cell_count <= 1:
            return ""
        return f"Counts from 1 to {self.min_cell_count - 1} are shown as {self.small}."

    def hides(self, count: float) -> bool:
        """Whether ``count`` is hidden: 1 <= count < ``min_cell_count`` (missing: not hidden)."""
        return not pd.isna(count) and 1 <= count < self.min_cell_count

    def count(self, count: float) -> str:
        """A whole count as people read it: ``12``, or ``<5`` when hidden."""
        return self.small if self.hides(count) else str(int(count))

    def n_percent(self, cell: str) -> str:
        """An ``n (%)`` cell (``3 (50.0)``, or any text such as ``-``) with a hidden n as ``<5``."""
        match = N_PERCENT.match(cell)
        return self.small if match and self.hides(int(match.group(1))) else cell
