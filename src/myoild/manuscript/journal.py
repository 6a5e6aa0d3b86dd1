"""Numbers and words as journals print them in tables (the manuscript's rules; the machine TSVs keep
full precision and are never rounded).

- p-values: ``<0.001`` below 0.001; three decimals from 0.001 to 0.01 (``0.004``); two significant
  digits from 0.01 (``0.012``, ``0.46``), with more where two would round a p below 0.05 up to
  ``0.050``; ``>0.99`` where two digits would round up to 1; ``1`` for a p-value within
  ``P_VALUE_ONE_TOLERANCE`` of 1, whose exact value is 1 (floating-point noise such as
  0.9999999999998742 from summing Fisher table probabilities; R prints 1). Rules of the NEJM and
  AMA style guides.
- hazard ratios and their limits to two decimals (``0.30``), ``<0.01`` below 0.005;
  percentages, differences and days to one decimal; SMDs to two.
- units as the paper prints them (``µg/L``, not ``ug/L``);
- every abbreviation a table uses spelt out in its footnote (``abbreviation_footnote``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd

from myoild.report.formatting import MISSING, format_number
from myoild.tables.hypothesis_tests import P_VALUE_ONE_TOLERANCE

SIGNIFICANCE = 0.05
#: Abbreviations the tables may use, with their meaning (listed alphabetically in a footnote).
ABBREVIATIONS = {
    "AIP": "acute interstitial pneumonia",
    "AZA": "azathioprine",
    "CADM": "clinically amyopathic dermatomyositis",
    "CI": "confidence interval",
    "CK": "creatine kinase",
    "CRP": "C-reactive protein",
    "CsA": "ciclosporin A",
    "CTCAE": "Common Terminology Criteria for Adverse Events",
    "CTX": "cyclophosphamide",
    "DM": "dermatomyositis",
    "ESR": "erythrocyte sedimentation rate",
    "HR": "hazard ratio",
    "HRCT": "high-resolution computed tomography",
    "IPTW": "inverse probability of treatment weighting",
    "IQR": "interquartile range",
    "IVIg": "intravenous immunoglobulin",
    "LDH": "lactate dehydrogenase",
    "LEF": "leflunomide",
    "MMF": "mycophenolate mofetil",
    "MTX": "methotrexate",
    "NSIP": "nonspecific interstitial pneumonia",
    "OP": "organising pneumonia",
    "PE": "plasma exchange",
    "PM": "polymyositis",
    "RMST": "restricted mean survival time",
    "SD": "standard deviation",
    "SMD": "standardised mean difference",
    "UIP": "usual interstitial pneumonia",
}
#: ASCII spellings of units and the paper's.
UNITS = {"ug/L": "µg/L"}


def format_p(p: float) -> str:
    """A p-value by the rules of the module docstring; ``–`` when missing."""
    if pd.isna(p):
        return MISSING
    if p < 0.001:
        return "<0.001"
    if p >= 1.0 - P_VALUE_ONE_TOLERANCE:
        return "1"
    if p < 0.01:
        return f"{p:.3f}"
    digits = 2
    text = f"{p:#.{digits}g}"
    while p < SIGNIFICANCE <= float(text) and digits < 6:
        digits += 1
        text = f"{p:#.{digits}g}"
    return ">0.99" if float(text) >= 1.0 else text


def format_hr(value: float) -> str:
    """A hazard ratio (or limit, or E-value) to two decimals; ``<0.01`` below 0.005."""
    if pd.isna(value):
        return MISSING
    if math.isinf(value):
        return "∞"
    return "<0.01" if value < 0.005 else f"{value:.2f}"


def format_hr_ci(hr: float, low: float, high: float) -> str:
    """``0.30 (0.10–0.93)``."""
    return f"{format_hr(hr)} ({format_interval(low, high)})"


def format_interval(low: float, high: float) -> str:
    """``0.10–0.93``; ``–`` when a limit is missing."""
    if pd.isna(low) or pd.isna(high):
        return MISSING
    return f"{format_hr(low)}–{format_hr(high)}"


def format_difference(estimate: float, low: float, high: float, decimals: int = 1) -> str:
    """``9.6 (-9.9 to 29.1)`` (``to``, since a limit may be negative); the estimate alone without limits."""
    text = format_number(estimate, decimals)
    if pd.isna(estimate) or pd.isna(low) or pd.isna(high):
        return text
    return f"{text} ({format_number(low, decimals)} to {format_number(high, decimals)})"


def format_percent(value: float) -> str:
    """A percentage to one decimal, without the sign: ``17.8``."""
    return format_number(value, 1)


def format_smd(value: float) -> str:
    """A standardised mean difference to two decimals."""
    return format_number(value, 2)


def journal_units(text: str) -> str:
    """``Ferritin (µg/L)`` from ``Ferritin (ug/L)``."""
    for ascii_unit, unit in UNITS.items():
        text = text.replace(ascii_unit, unit)
    return text


def _uses(text: str, abbreviation: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(abbreviation)}(?![\w-])", text) is not None


def abbreviation_footnote(texts: Iterable[str]) -> str | None:
    """``Abbreviations: AZA, azathioprine; CI, confidence interval; ...`` for those of
    ``ABBREVIATIONS`` that occur as words in ``texts``, alphabetically; None when none does."""
    text = "\n".join(texts)
    used = sorted((name for name in ABBREVIATIONS if _uses(text, name)), key=str.casefold)
    if not used:
        return None
    return "Abbreviations: " + "; ".join(f"{name}, {ABBREVIATIONS[name]}" for name in used) + "."
