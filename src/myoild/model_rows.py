"""How a row of ``tables/survival_models.tsv`` reads: its hazard ratio and CI as text, or ``not
estimable`` with the reason its ``note`` gives, its warning mark, and the order of the rows (the
results contract's: contrasts, endpoints, then IPTW before unadjusted, robust before model-based
before bootstrap percentile CIs). One reading for the forest plot, the report and the manuscript;
``myoild.cox_rows`` makes the rows.

Like ``myoild.labels``, this module imports no plotting library and no figure module: the jobs that
draw nothing (``report``, ``manuscript``) read the rows too, and every job is a fresh process.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from myoild.contract import COHORTS, ENDPOINTS
from myoild.contrasts import parse_contrast
from myoild.design import CONVENTIONAL
from myoild.labels import CI_METHOD_LABELS, MODEL_LABELS

#: Mark of the rows whose weights fail a diagnostic.
WARNING_MARK = "\u2020"
#: Sort keys of the row order after the contrast (``contrast_order``); values not listed here follow
#: in order of first appearance.
ROW_ORDER = {
    "endpoint": ENDPOINTS,
    "model": tuple(MODEL_LABELS),
    "ci_method": tuple(CI_METHOD_LABELS),
}


def format_hr(value: float) -> str:
    """A hazard ratio or CI limit to 3 decimals; ``<0.001`` below, ``NA`` when missing."""
    if pd.isna(value):
        return "NA"
    if math.isinf(value):
        return "inf"
    return "<0.001" if value < 0.0005 else f"{value:.3f}"


def format_hr_ci(hr: float, low: float, high: float) -> str:
    """``0.628 (0.319–1.237)``."""
    return f"{format_hr(hr)} ({format_hr(low)}–{format_hr(high)})"


def text_of(value) -> str:
    """A note or warning cell (empty cells are read back as NaN)."""
    return value if isinstance(value, str) else ""


def estimate_text(row: pd.Series) -> str:
    """The HR with its CI, or ``not estimable`` with the reason the row's note gives."""
    note = text_of(row.get("note"))
    if note.startswith("not estimable") or pd.isna(row["hr"]):
        return note or "not estimable"
    return format_hr_ci(row["hr"], row["ci_low"], row["ci_high"])


def not_estimable_reason(row: pd.Series) -> str:
    """The reason of a row without an estimate: its note's clause from "not estimable" to the
    first parenthesis or semicolon (the tables hold the whole note)."""
    note = text_of(row.get("note"))
    start = note.find("not estimable")
    clause = note[start:] if start >= 0 else "not estimable"
    return clause.split(" (")[0].split(";")[0]


def has_warnings(row: pd.Series) -> bool:
    """True when the row's contrast fails a weighting diagnostic."""
    return bool(text_of(row.get("warnings")))


def contrast_order(contrasts) -> list[str]:
    """The study design's order of contrasts: retrospective ones first, the main one
    (``<treatment>_vs_conventional``) first among them, then in order of first appearance."""

    def key(item: tuple[int, str]) -> tuple[int, int, int]:
        position, contrast = item
        try:
            parsed = parse_contrast(contrast)
        except ValueError:
            return (2, 1, position)
        return (COHORTS.index(parsed.cohort), parsed.comparator != CONVENTIONAL, position)

    return [contrast for _, contrast in sorted(enumerate(dict.fromkeys(contrasts)), key=key)]


def ordered_models(models: pd.DataFrame) -> pd.DataFrame:
    """The model rows in the forest plot's (and the report's) order, stable for equal keys."""
    keys = []
    for column, known in {"contrast": contrast_order(models["contrast"]), **ROW_ORDER}.items():
        seen = list(known) + [value for value in dict.fromkeys(models[column]) if value not in known]
        keys.append(models[column].map({value: rank for rank, value in enumerate(seen)}))
    order = np.lexsort([key.to_numpy() for key in reversed(keys)])
    return models.iloc[order].reset_index(drop=True)
