"""Absolute treatment effects at the horizon per contrast and endpoint: each arm's Kaplan-Meier
survival and restricted mean survival time (RMST), and their treated-minus-control differences.

Rows (``COLUMNS``) per contrast, endpoint and weighting, in this order: ``survival`` for the
treated arm, the control arm and ``difference``, then ``rmst`` likewise.

- survival: KM survival at ``horizon_days`` (``myoild.stats.survival_at``; IPTW-weighted with the
  infinitesimal-jackknife SE when weighted, Greenwood otherwise, as R ``survfit``); per-arm limits
  are R's log-scale interval ``S exp(+-z se(log S))`` of ``weighted_km``; the difference
  ``S1 - S0`` has ``se = sqrt(se1^2 + se0^2)`` (the arms are disjoint patients, so their
  estimates are independent given the weights; the weights' own estimation is ignored, as in
  the robust Cox variance) and the Wald interval ``diff +- z se``;
- rmst: the area under each arm's KM curve to ``horizon_days`` (``myoild.stats.restricted_mean``)
  and the difference of the two; their ``se``/``ci_low``/``ci_high`` are left NaN here, to be
  filled from bootstrap replicates.

``outcome_incidence`` gives each arm's cumulative incidence ``1 - S(horizon)`` (weighted when
the analysis is), which decides whether the outcome counts as rare for the E-value
(``myoild.stats.outcome_is_rare``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from myoild.stats import restricted_mean, survival_at
from myoild.stats.inference import normal_quantile

COLUMNS = [
    "cohort",
    "contrast",
    "endpoint",
    "weighted",
    "horizon_days",
    "measure",
    "group",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
]


def _arms(data: pd.DataFrame) -> tuple[str, str]:
    """The names of the treated (``treated == 1``) and the control (``treated == 0``) arm."""
    names = []
    for code in (1, 0):
        labels = pd.unique(data.loc[data["treated"] == code, "arm"])
        if len(labels) != 1:
            raise ValueError(f"patients with treated == {code} must form one arm, found {list(labels)}")
        names.append(labels[0])
    return names[0], names[1]


def _survival(data: pd.DataFrame, endpoint: str, weighted: bool, horizon_days: float, conf_level: float):
    """``survival_at`` per arm at the horizon, indexed by arm."""
    weights = "weight" if weighted else None
    table = survival_at(
        data,
        f"{endpoint}_time_days",
        f"{endpoint}_event",
        weights,
        group="arm",
        times=(horizon_days,),
        conf_level=conf_level,
    )
    return table.set_index("arm")


def outcome_incidence(data: pd.DataFrame, endpoint: str, weighted: bool, horizon_days: float = 365) -> pd.Series:
    """Each arm's cumulative incidence ``1 - S(horizon_days)`` of the (weighted when
    ``weighted``) Kaplan-Meier curve, indexed by arm name, the treated arm first."""
    arms = list(_arms(data))
    survival = _survival(data, endpoint, weighted, horizon_days, 0.95)["survival"]
    return (1.0 - survival.loc[arms]).rename("incidence")


def absolute_effect_rows(
    data: pd.DataFrame,
    cohort: str,
    contrast: str,
    endpoint: str,
    weighted: bool,
    horizon_days: float = 365,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Survival and RMST at ``horizon_days`` per arm and their difference (see the module
    docstring) for one contrast and endpoint. ``data``: one row per patient as
    ``myoild.survival.analysis_data`` returns it (``treated`` 0/1, ``arm``,
    ``<endpoint>_time_days``, ``<endpoint>_event``, and ``weight`` when ``weighted``)."""
    treated, control = _arms(data)
    survival = _survival(data, endpoint, weighted, horizon_days, conf_level)
    rmst = restricted_mean(
        data,
        f"{endpoint}_time_days",
        f"{endpoint}_event",
        "weight" if weighted else None,
        group="arm",
        horizon=horizon_days,
    ).set_index("arm")["rmst"]
    first, second = survival.loc[treated], survival.loc[control]
    difference = first["survival"] - second["survival"]
    se = math.hypot(first["std_err"], second["std_err"])
    half_width = normal_quantile(conf_level) * se
    estimates = [
        ("survival", treated, first["survival"], first["std_err"], first["ci_low"], first["ci_high"]),
        ("survival", control, second["survival"], second["std_err"], second["ci_low"], second["ci_high"]),
        ("survival", "difference", difference, se, difference - half_width, difference + half_width),
        ("rmst", treated, rmst[treated], np.nan, np.nan, np.nan),
        ("rmst", control, rmst[control], np.nan, np.nan, np.nan),
        ("rmst", "difference", rmst[treated] - rmst[control], np.nan, np.nan, np.nan),
    ]
    context = {
        "cohort": cohort,
        "contrast": contrast,
        "endpoint": endpoint,
        "weighted": bool(weighted),
        "horizon_days": horizon_days,
    }
    rows = [
        {**context, **dict(zip(COLUMNS[5:], (measure, group, *(float(v) for v in values))))}
        for measure, group, *values in estimates
    ]
    return pd.DataFrame(rows, columns=COLUMNS)
