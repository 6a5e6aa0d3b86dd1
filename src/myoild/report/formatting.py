"""Numbers as people read them in the report: hazard ratios to 3 decimals, p-values to 3
significant digits (``<0.001`` below), summaries with a fixed number of decimals.

Machine tables keep full precision (RESULTS_CONTRACT.md); rounding happens here only.
"""

from __future__ import annotations

import math

import pandas as pd

from myoild.disclosure import Disclosure
from myoild.model_rows import format_hr, format_hr_ci

__all__ = [
    "MISSING",
    "format_count",
    "format_hr",
    "format_hr_ci",
    "format_number",
    "format_p",
    "format_spread",
    "p_statement",
]

#: What an empty cell (not applicable, not estimable) shows.
MISSING = "–"


def format_p(p: float) -> str:
    """``0.0658``, ``0.00350``, ``1.00``; ``<0.001`` below 0.001; ``–`` when missing."""
    if pd.isna(p):
        return MISSING
    return "<0.001" if p < 0.001 else f"{p:#.3g}"


def p_statement(p: float, name: str = "p") -> str:
    """``p = 0.178`` or ``p < 0.001`` (``p adj < 0.001`` with ``name="p adj"``)."""
    text = format_p(p)
    return f"{name} < 0.001" if text == "<0.001" else f"{name} = {text}"


def format_number(value: float, decimals: int = 1) -> str:
    """``value`` with ``decimals`` decimals (negative zero shown as zero); ``–`` when missing."""
    if pd.isna(value):
        return MISSING
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{round(float(value), decimals) + 0.0:.{decimals}f}"


def format_count(value: float, disclosure: Disclosure = Disclosure()) -> str:
    """A whole number; ``–`` when missing. Counts of patients or their events pass the run's
    ``disclosure``, which shows a small one as ``<5`` (``myoild.disclosure``)."""
    return MISSING if pd.isna(value) else disclosure.count(value)


def format_spread(centre: float, low: float, high: float, decimals: int = 1) -> str:
    """``median (q1–q3)`` from three numbers."""
    if pd.isna(centre):
        return MISSING
    return f"{format_number(centre, decimals)} ({format_number(low, decimals)}–{format_number(high, decimals)})"
