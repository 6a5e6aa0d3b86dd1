"""Tests of proportional hazards for every Cox model row (``tables/ph_tests.tsv``): R
``cox.zph(fit)`` with its defaults (``transform = "km"``, ``terms = TRUE``) on the same fit,
``fit <- coxph(Surv(t, e) ~ treated, weights = w, robust = TRUE, ties = ...)`` for IPTW rows and
the unweighted model otherwise (``myoild.stats.proportional_hazards_test``). A test that is not
defined (no events in an arm, every event at one time) has empty ``chisq`` and ``p_value`` and
the reason in ``note``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from myoild.contrasts import contrast_cohort
from myoild.figures.forest import ENDPOINT_NAMES, contrast_label
from myoild.stats import ConvergenceWarning, ZphResult, proportional_hazards_test

COLUMNS = ["cohort", "contrast", "endpoint", "model", "ties", "chisq", "df", "p_value", "note"]


def _test(data: pd.DataFrame, endpoint: str, ties: str, weights: str | None) -> ZphResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # an infinite HR: the test says undefined
        return proportional_hazards_test(
            data, f"{endpoint}_time_days", f"{endpoint}_event", "treated", weights=weights, ties=ties
        )


def schoenfeld_panels(
    data: pd.DataFrame, contrast: str, endpoints: list[str], ties: str, weights: str | None
) -> tuple[list[tuple[str, ZphResult]], list[str]]:
    """The scaled Schoenfeld residuals of each endpoint's model (titled panels) and, for an
    endpoint whose model cannot be fitted, why."""
    panels, notes = [], []
    for endpoint in endpoints:
        title = f"{contrast_label(contrast)}: {ENDPOINT_NAMES.get(endpoint, endpoint)}"
        try:
            panels.append((title, _test(data, endpoint, ties, weights)))
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
    """One row of ``tables/ph_tests.tsv`` (module docstring); a stratified model's test is not
    computed here (R's cox.zph of a stratified fit is not implemented), and the note says so."""
    row = {"cohort": contrast_cohort(contrast), "contrast": contrast, "endpoint": endpoint, "model": model, "ties": ties}
    if strata:
        note = f"not estimable: the test of a model stratified by {', '.join(strata)} is not implemented"
        return row | {"chisq": np.nan, "df": 1, "p_value": np.nan, "note": note}
    try:
        result = _test(data, endpoint, ties, weights)
    except ValueError as error:
        return row | {"chisq": np.nan, "df": 1, "p_value": np.nan, "note": f"not estimable: {error}"}
    note = "" if result.undefined is None else f"not estimable: {result.undefined}"
    return row | {"chisq": result.chisq, "df": result.df, "p_value": result.p_value, "note": note}
