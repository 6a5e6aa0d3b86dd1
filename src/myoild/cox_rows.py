"""One Cox model of a treatment contrast as a row of ``tables/survival_models.tsv``, never showing a
number that is not meaningful.

The hazard ratio of a two-group Cox model has no finite estimate when an arm has no events (the
partial likelihood increases without bound as the log hazard ratio goes to minus or plus infinity;
Therneau & Grambsch 2000, sec. 3.5, "monotone likelihood"). R's ``coxph`` then stops at a huge
coefficient with a warning (e.g. HR 2.45e-9, CI 0 to inf); here the row keeps its counts and, where
it is defined, its log-rank or robust score test, but leaves ``hr``, ``ci_low``, ``ci_high``,
``se_log_hr`` and ``p_value`` empty and says why in ``note``:

- ``not estimable: no patients in <arm>`` / ``no events`` / ``no events in <arm>``;
- ``not estimable: the partial likelihood has no finite maximum`` (R's "coefficient may be
  infinite" warning) or ``the Cox model did not converge``;
- ``not estimable: degenerate variance (SE < 1e-08)``: a robust variance that collapses to zero
  (with IPTW weights an arm without events can give a tiny robust SE and p = 0);
- ``not estimable: <reason>`` for any other reason the model cannot be fitted (e.g. a log-rank
  test whose variance is zero because every death falls on one day with no one left at risk).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from myoild.contrasts import contrast_groups
from myoild.stats import ConvergenceWarning, CoxResult, weighted_cox

#: A standard error of the log hazard ratio below this is degenerate, not precise.
MIN_SE_LOG_HR = 1e-8
ESTIMATE_FIELDS = ("hr", "ci_low", "ci_high", "se_log_hr", "p_value")


def _no_fit(note: str) -> dict:
    return {name: np.nan for name in ESTIMATE_FIELDS} | {"logrank_p": np.nan, "note": f"not estimable: {note}"}


def _arm_problem(data: pd.DataFrame, event: str, arms: tuple[str, str]) -> str | None:
    """Why an arm makes the hazard ratio not estimable (no patients, no events), or None."""
    if data.empty:
        return "no patients in this contrast"
    for arm in arms:
        in_arm = data["arm"] == arm
        if not in_arm.any():
            return f"no patients in {arm}"
    for arm in arms:
        if not data.loc[data["arm"] == arm, event].any():
            return f"no events in {arm}"
    return None


def cox_fields(
    data: pd.DataFrame,
    duration: str,
    event: str,
    arms: tuple[str, str],
    weights: str | None,
    ties: str,
    fit: Callable[[pd.DataFrame], CoxResult] | None = None,
    *,
    strata: str | list[str] | None = None,
) -> dict:
    """``hr``, ``ci_low``, ``ci_high``, ``se_log_hr``, ``p_value``, ``logrank_p``, ``ci_method``, ``n``,
    ``events`` and ``note`` of the Cox model of ``data`` (columns ``treated`` 0/1, ``arm`` with the
    names ``arms`` = (treated arm, control arm), ``duration``, ``event``, and ``weights`` when
    weighted: R ``coxph(Surv(t, e) ~ treated, weights = w, robust = TRUE, ties = ties)``; without
    weights the model-based fit with the ordinary log-rank test). ``strata`` (columns of ``data``)
    stratifies that model, R ``... ~ treated + strata(site)``, and its log-rank test. ``fit``
    replaces that model by another of the same result type on ``data`` (e.g. a Fine-Gray model of
    the events ``event`` marks). See the module docstring."""
    fields = {
        "ci_method": "model" if weights is None else "robust",
        "n": len(data),
        "events": int(data[event].sum()) if len(data) else 0,
    }
    problem = _arm_problem(data, event, arms)
    if fields["events"] == 0 and problem is not None and not problem.startswith("no patients"):
        problem = "no events"
    if problem is not None and not problem.startswith("no events in"):
        return fields | _no_fit(problem)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            if fit is None:
                result = weighted_cox(data, duration, event, "treated", weights=weights, ties=ties, strata=strata)
            else:
                result = fit(data)
        except ValueError as error:
            return fields | _no_fit(str(error))
    logrank_p = result.logrank_p if math.isfinite(result.logrank_chisq) else np.nan
    estimates = {name: getattr(result, name) for name in ESTIMATE_FIELDS}
    fields |= {"n": result.n, "events": result.events}
    if problem is None:
        if any(issubclass(item.category, ConvergenceWarning) for item in caught):
            problem = (
                "the Cox model did not converge"
                if not result.converged
                else "the partial likelihood has no finite maximum"
            )
        elif not result.se_log_hr >= MIN_SE_LOG_HR:
            problem = f"degenerate variance (SE < {MIN_SE_LOG_HR:g})"
    if problem is not None:
        return fields | _no_fit(problem) | {"logrank_p": logrank_p}
    return fields | estimates | {"logrank_p": logrank_p, "note": ""}


def endpoint_fields(
    data: pd.DataFrame, contrast: str, endpoint: str, weights: str | None, ties: str, strata=()
) -> dict:
    """``cox_fields`` of one endpoint of ``contrast``: its ``<endpoint>_time_days`` and
    ``<endpoint>_event`` columns, the contrast's arms, stratified by the columns ``strata``."""
    return cox_fields(
        data,
        f"{endpoint}_time_days",
        f"{endpoint}_event",
        contrast_groups(contrast),
        weights,
        ties,
        strata=list(strata or ()),
    )
