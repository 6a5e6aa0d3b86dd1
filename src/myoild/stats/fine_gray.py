"""Fine-Gray subdistribution hazard ratio with case weights, as R's ``finegray`` + ``coxph``.

R survival 3.5 (Therneau, Crowson & Atkinson, "Multi-state models and competing risks",
survival vignette; Fine & Gray 1999): the data are expanded so that an ordinary weighted Cox
model of the counting-process rows estimates the subdistribution hazard of one cause,

    fg <- finegray(Surv(time, status) ~ ., data, weights = w, etype = cause)
    coxph(Surv(fgstart, fgstop, fgstatus) ~ treatment, data = fg, weights = fgwt,
          cluster = patient_id, ties = ties)

``finegray`` (R/finegray.R, C ``finegray``), for right-censored data without strata:

- times are tie-fixed (``aeqSurv``); every row starts at 0 (at -1 when a time is 0);
- ``G``: the Kaplan-Meier curve of *censoring*, unweighted and over all rows, events coming
  before censorings at a tied time (an event at a censoring time is not at risk of censoring);
  ``c_1 < ... < c_m`` its jump times, and the last time ``c_{m+1}`` closes the last interval;
- a censored row or an event of the cause stays as it is, ``(0, time]`` with weight 1
  (``fgstatus`` 1 for the cause); a competing event is extended: its row runs to the end of
  its censoring interval, ``(0, c_j]`` with ``c_j`` the first ``c >= time`` and weight 1, and it
  gets one more row ``(c_{l-1}, c_l]`` with weight ``G(c_{l-1}) / G(c_{j-1})`` (``G(c_0) = 1``)
  for each later interval ``l > j`` holding an event of the cause;
- ``fgwt`` is that weight times the case weight.

The Cox model is ``fit_cox_counting`` on these rows with a robust variance clustered on the
patient (the rows one patient's expansion produced), stratified when asked (``coxph(... ~
treatment + strata(s))`` on the same ``finegray`` rows, whose censoring curve stays the one of all
rows); ``p_value`` is its robust Wald test, ``logrank_p`` the robust score test (R
``summary(fit)$robscore``). ``fine_gray`` fits it without building the rows, from their sums
(``myoild.stats.fine_gray_rows``: at a million patients the rows number tens of millions);
``fine_gray_data`` builds them.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from .columns import binary_column, weight_values
from .competing import competing_events
from .cox import CoxResult, cox_result
from .fine_gray_rows import expand, finegray_rows, fit_fine_gray_rows
from .strata import strata_labels
from .survdata import checked_weights


def _case_weights(df: pd.DataFrame, weights, n: int) -> np.ndarray:
    """Case weights from a column name or an array (all 1 when None); positive, as coxph."""
    values = weight_values(df, weights)
    return np.ones(n) if values is None else checked_weights(values, n, positive=True)


def _events(df, duration, status, cause, timefix):
    """Tie-fixed times and status codes (``competing_events``), with ``cause`` a cause code."""
    time, codes, causes = competing_events(df, duration, status, timefix=timefix)
    if cause not in range(1, len(causes) + 1):
        raise ValueError(f"cause must be a cause code of column {status!r}: 1..{len(causes)}")
    return time, codes


def fine_gray_data(
    df: pd.DataFrame,
    duration: str,
    status: str,
    cause: int,
    weights: str | np.ndarray | None = None,
    *,
    timefix: bool = True,
) -> pd.DataFrame:
    """R's ``finegray`` rows for ``cause`` (a code of ``status``: 0 censored, 1..K causes), in
    R's order: ``row`` (the position of the patient in ``df``), ``fg_start``, ``fg_stop``,
    ``fg_status`` (1: an event of ``cause``) and ``fg_weight`` (R's ``fgwt``: the censoring
    weight times the case weight of ``weights``, a column or one value per row)."""
    time, codes = _events(df, duration, status, cause, timefix)
    w = _case_weights(df, weights, time.size)
    row, start, stop, fg_status, weight = expand(finegray_rows(time, codes, cause))
    return pd.DataFrame(
        {
            "row": row,
            "fg_start": start,
            "fg_stop": stop,
            "fg_status": fg_status.astype(np.int64),
            "fg_weight": weight * w.take(row),
        }
    )


def fine_gray(
    df: pd.DataFrame,
    duration: str,
    status: str,
    treatment: str,
    cause: int,
    weights: str | np.ndarray | None = None,
    *,
    ties: str = "efron",
    conf_level: float = 0.95,
    timefix: bool = True,
    strata: str | list[str] | None = None,
) -> CoxResult:
    """Subdistribution hazard ratio of ``cause`` for the 0/1 ``treatment`` (Fine-Gray), one row
    per patient, with case ``weights`` (a column or one value per row, > 0), stratified by the
    columns ``strata`` (None or an empty list: one stratum), as R's ``finegray`` + ``coxph``
    (module docstring).

    The fields are those of ``weighted_cox``'s result with a robust variance clustered on the
    patient: CI ``exp(log_hr +- z se)``, ``p_value`` the robust Wald test, ``logrank_p`` the
    robust score test (``logrank_method = "robust_score"``); ``n`` counts patients, ``events``
    events of ``cause``. A group without an event of ``cause`` has no finite estimate (R would
    report a huge coefficient with a warning): that is a ValueError naming the group.
    """
    time, codes = _events(df, duration, status, cause, timefix)
    treated = binary_column(df, treatment)
    w = _case_weights(df, weights, time.size)
    for group in (0, 1):
        if not (codes[treated == group] == cause).any():
            raise ValueError(
                f"no event of cause {cause} ({status} == {cause}) among the rows with "
                f"{treatment} == {group}: the subdistribution hazard ratio is not estimable"
            )
    stratum = strata_labels(df, strata) if strata else None
    fit = fit_fine_gray_rows(finegray_rows(time, codes, cause), treated, w, stratum, ties=ties, timefix=timefix)
    n, events = time.size, int((codes == cause).sum())
    return cox_result(fit, conf_level, fit.robust_score_test, "robust_score", n=n, events=events)
