"""Reading a finished results folder (RESULTS_CONTRACT.md) for the report.

Every table and figure is optional here: a missing one becomes a note in its section, so that a
partial run still gives a readable report. Figures are embedded as base64 ``data:`` URIs of the
PNG bytes (deterministic for deterministic PNGs).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from myoild.tabular import read_tsv


@dataclass(frozen=True)
class ResultsFolder:
    """A results folder; paths are relative to ``root`` and written with ``/``."""

    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def table(self, relative: str) -> pd.DataFrame | None:
        """A ``.tsv`` or ``.parquet`` table, or None when the file is missing."""
        path = self.path(relative)
        if not path.is_file():
            return None
        return pd.read_parquet(path) if path.suffix == ".parquet" else read_tsv(path)

    def json(self, relative: str) -> dict | None:
        path = self.path(relative)
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def figure(self, name: str) -> str | None:
        """``figures/<name>.png`` as a ``data:image/png;base64,...`` URI, or None when missing."""
        path = self.path(f"figures/{name}.png")
        if not path.is_file():
            return None
        return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
