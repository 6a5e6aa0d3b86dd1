"""Tests of proportional hazards for every Cox model row (``tables/ph_tests.tsv``): R
``cox.zph(fit)`` with its defaults (``transform = "km"``, ``terms = TRUE``) on the same fit,
``fit <- coxph(Surv(t, e) ~ treated, weights = w, robust = TRUE, ties = ...)`` for IPTW rows and
the unweighted model otherwise, with ``+ strata(site)`` when ``survival.strata`` names columns
(``myoild.stats.proportional_hazards_test``: the residuals of a stratified fit are centred within
their stratum's risk sets). A test that is not defined (no events in an arm, every event at one
time, treatment constant within every stratum) has empty ``chisq`` and ``p_value`` and the reason
in ``note``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from myoild.contrasts import contrast_cohort
from myoild.labels import ENDPOINT_NAMES, contrast_label
from myoild.stats import ConvergenceWarning, ZphResult, proportional_hazards_test

COLUMNS = ["cohort", "contrast", "endpoint", "model", "ties", "chisq", "df", "p_value", "note"]


def _test(data: pd.DataFrame, endpoint: str, ties: str, weights: str | None, strata: tuple[str, ...]) -> ZphResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # an infinite HR: the test says undefined
        return proportional_hazards_test(
            data,
            f"{endpoint}_time_days",
            f"{endpoint}_event",
            "treated",
            weights=weights,
            ties=ties,
            strata=list(strata),
        )


def schoenfeld_panels(
    data: pd.DataFrame,
    contrast: str,
    endpoints: list[str],
    ties: str,
    weights: str | None,
    strata: tuple[str, ...] = (),
) -> tuple[list[tuple[str, ZphResult]], list[str]]:
    """The scaled Schoenfeld residuals of each endpoint's model, stratified by the columns
    ``strata`` (titled panels) and, for an endpoint whose model cannot be fitted, why."""
    panels, notes = [], []
    for endpoint in endpoints:
        title = f"{contrast_label(contrast)}: {ENDPOINT_NAMES.get(endpoint, endpoint)}"
        try:
            panels.append((title, _test(data, endpoint, ties, weights, strata)))
        except ValueError as error:
            notes.append(f"{title}: not estimable: {error}")
    return panels, notes


def ph_test_row(
    data: pd.DataFrame,
    contrast: str,
    endpoint: str,
    model: str,
    ties: str,
    weights: str | None,
    strata: tuple[str, ...] = (),
) -> dict:
    """One row of ``tables/ph_tests.tsv`` (module docstring), for the model stratified by the
    columns ``strata`` (none: unstratified)."""
    row = {
        "cohort": contrast_cohort(contrast),
        "contrast": contrast,
        "endpoint": endpoint,
        "model": model,
        "ties": ties,
    }
    try:
        result = _test(data, endpoint, ties, weights, strata)
    except ValueError as error:
        return row | {"chisq": np.nan, "df": 1, "p_value": np.nan, "note": f"not estimable: {error}"}
    note = "" if result.undefined is None else f"not estimable: {result.undefined}"
    return row | {"chisq": result.chisq, "df": result.df, "p_value": result.p_value, "note": note}
