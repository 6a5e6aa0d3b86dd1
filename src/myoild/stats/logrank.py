"""The log-rank test, as R's ``survdiff(Surv(time, event) ~ group)`` (rho = 0).

At each distinct event time j with n_j at risk and d_j deaths, group g expects
``E_gj = d_j n_gj / n_j`` deaths; the covariance of the observed-minus-expected vector is the
hypergeometric ``V_gh = sum_j d_j (n_j - d_j) / (n_j - 1) * n_gj / n_j * (1[g = h] - n_hj / n_j)``.
The statistic is ``(O - E)' V^- (O - E)`` over all groups but the first (Peto & Peto 1972;
survdiff.fit). Unweighted: this is the ordinary log-rank test.

Stratified (R ``survdiff(Surv(time, event) ~ group + strata(s))``): the risk sets are formed
within strata, and ``O``, ``E`` and ``V`` are sums over every stratum's event times (the
stratified log-rank test, as survdiff.fit sums them over its strata). Times are tie-fixed over
all rows before the strata are formed, as R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .inference import chisq_p
from .columns import column
from .levels import level_codes
from .strata import stratified_data, stratum_codes, strata_labels
from .survdata import reverse_cumsum, survival_data


@dataclass(frozen=True)
class LogrankResult:
    """Chi-square statistic, degrees of freedom, p-value; observed and expected per group
    (summed over the strata of a stratified test)."""

    chisq: float
    df: int
    p_value: float
    observed: pd.Series
    expected: pd.Series


def survdiff(
    time: np.ndarray,
    event: np.ndarray,
    group: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    timefix: bool = True,
) -> LogrankResult:
    """Log-rank test of the groups in ``group`` (any labels; sorted order, first = reference),
    stratified by ``strata`` (one label per row) when given."""
    labels, codes = level_codes(group)
    k = labels.size
    data = survival_data(time, event, timefix=timefix)
    blocks = None
    if strata is not None:
        data, blocks = stratified_data(data, stratum_codes(strata, codes.size))
    codes = codes[data.order]
    cell = data.time_index * k + codes
    size = data.n_times * k
    counts = np.bincount(cell, minlength=size).reshape(-1, k).astype(float)
    at_risk = reverse_cumsum(counts) if blocks is None else blocks.reverse_cumsum(counts)
    deaths = np.bincount(cell, weights=data.event, minlength=size).reshape(-1, k)
    n = at_risk.sum(axis=1)
    d = deaths.sum(axis=1)
    keep = d > 0
    at_risk, deaths, n, d = at_risk[keep], deaths[keep], n[keep], d[keep]
    share = at_risk / n[:, None]
    observed = deaths.sum(axis=0)
    expected = d @ share
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    var = np.diag(spread @ share) - (share * spread[:, None]).T @ share
    used = np.flatnonzero(expected > 0)[1:]
    diff = (observed - expected)[used]
    try:
        chisq = float(diff @ np.linalg.solve(var[np.ix_(used, used)], diff)) if used.size else 0.0
    except np.linalg.LinAlgError:
        raise ValueError(
            "the log-rank variance is singular (e.g. every event at one time with no one left at "
            "risk after it): the test is not defined (R's survdiff stops here too)"
        ) from None
    df = used.size
    return LogrankResult(
        chisq=chisq,
        df=df,
        p_value=chisq_p(chisq, df) if df else 1.0,
        observed=pd.Series(observed, index=labels),
        expected=pd.Series(expected, index=labels),
    )


def logrank_test(
    df: pd.DataFrame,
    duration: str,
    event: str,
    group: str,
    *,
    strata: str | list[str] | None = None,
    timefix: bool = True,
) -> LogrankResult:
    """Log-rank test of ``group`` on the columns ``duration``/``event`` of ``df`` (R survdiff),
    stratified by the columns ``strata`` (a name or a list; R ``+ strata(a, b)``) when given."""
    labels = df[group]
    if labels.isna().any():
        raise ValueError(f"column {group!r} has missing values")
    return survdiff(
        column(df, duration),
        column(df, event),
        labels.to_numpy(),
        strata=strata_labels(df, strata) if strata else None,
        timefix=timefix,
    )
