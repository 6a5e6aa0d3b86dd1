"""Descriptive summaries as the paper prints them, and standardised mean differences.

Formats: mean (SD) with two decimals, ``51.65 (11.27)``; n (%) with one decimal, ``54 (58.1)``;
median (IQR) as ``3 (1-10)``, without decimals when all three numbers are whole, else two.
SD is the sample SD (n - 1); quartiles are R's default (type 7, numpy's "linear").
Missing values are left out of every summary (the denominator of a percentage is the number of
patients with a known value).

SMD (Austin 2009, Stat Med 28:3083): continuous (m1 - m2) / sqrt((s1^2 + s2^2) / 2); binary
(p1 - p2) / sqrt((p1(1 - p1) + p2(1 - p2)) / 2); a categorical variable gets one binary SMD per
level. Group 1 is the contrast's first (treated) group. 0/0 is NaN.
"""

from __future__ import annotations

import numpy as np

NOT_AVAILABLE = "-"


def known(values) -> np.ndarray:
    """The non-missing values as float64."""
    values = np.asarray(values, dtype=float)
    return values[~np.isnan(values)]


def format_mean_sd(values) -> str:
    values = known(values)
    if len(values) == 0:
        return NOT_AVAILABLE
    sd = np.std(values, ddof=1) if len(values) > 1 else np.nan
    return f"{np.mean(values):.2f} ({sd:.2f})"


def format_median_iqr(values) -> str:
    values = known(values)
    if len(values) == 0:
        return NOT_AVAILABLE
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    decimals = 0 if all(float(q).is_integer() for q in (q1, median, q3)) else 2
    return f"{median:.{decimals}f} ({q1:.{decimals}f}-{q3:.{decimals}f})"


def format_n_percent(flags) -> str:
    """``n (%)`` of true among the known 0/1 values."""
    flags = known(flags)
    if len(flags) == 0:
        return NOT_AVAILABLE
    return f"{int(flags.sum())} ({100.0 * flags.mean():.1f})"


def _ratio(difference: float, pooled_variance: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(difference) / np.sqrt(np.float64(pooled_variance)))


def smd_continuous(treated, control) -> float:
    treated, control = known(treated), known(control)
    if len(treated) < 2 or len(control) < 2:
        return np.nan
    pooled = (np.var(treated, ddof=1) + np.var(control, ddof=1)) / 2.0
    return _ratio(np.mean(treated) - np.mean(control), pooled)


def smd_binary(treated, control) -> float:
    treated, control = known(treated), known(control)
    if len(treated) == 0 or len(control) == 0:
        return np.nan
    p1, p2 = np.mean(treated), np.mean(control)
    return _ratio(p1 - p2, (p1 * (1.0 - p1) + p2 * (1.0 - p2)) / 2.0)
