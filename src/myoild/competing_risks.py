"""Relapse with death as a competing event, per contrast: cumulative incidence curves and the
Fine-Gray subdistribution hazard ratio (issue: death before relapse removes the patient from the
risk of relapse; a Kaplan-Meier curve of relapse that censors deaths overstates the incidence).

Status per patient (``competing_status``): ``1`` relapse when the relapse endpoint's event is set
(time: its time); else ``2`` death without prior relapse when the death endpoint's event is set
(time: the death time); else ``0`` censored at the relapse endpoint's time. The relapse endpoint is
the cohort's first configured endpoint whose name contains ``relapse`` (``relapse`` in the
retrospective cohort, ``respiratory_relapse`` in the prospective one by default).

- Cumulative incidence (``tables/competing_risks.tsv``): weighted Aalen-Johansen curves per arm,
  exactly R ``survfit(Surv(time, status) ~ treated, weights = w, id = patient_id)`` with a status
  factor whose first level is censoring (``myoild.stats.cumulative_incidence``), IPTW-weighted for
  weighted contrasts and unweighted for every contrast.
- Fine-Gray (rows of ``survival_models.tsv``): R ``finegray(Surv(time, status) ~ ., data, weights
  = w, etype = "relapse")`` then ``coxph(Surv(fgstart, fgstop, fgstatus) ~ treated, data = fg,
  weights = fgwt, cluster = patient_id)`` (``+ strata(site)`` with config ``survival.strata``, as
  the Cox models): ``fine_gray_iptw`` with IPTW weights, ``fine_gray_unadjusted`` without
  (``myoild.stats.fine_gray``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.contrasts import contrast_cohort, contrast_groups
from myoild.cox_rows import cox_fields
from myoild.stats import cumulative_incidence, fine_gray

CAUSES = ("relapse", "death")
STATUS = "competing_status"
TIME = "competing_time_days"
CIF_COLUMNS = [
    "cohort",
    "contrast",
    "endpoint",
    "group",
    "weighted",
    "time_days",
    "cif_relapse",
    "cif_relapse_low",
    "cif_relapse_high",
    "cif_death",
    "cif_death_low",
    "cif_death_high",
    "n_risk",
    "cif_relapse_se",
    "cif_death_se",
]


def relapse_endpoint(endpoints: list[str]) -> str | None:
    """The cohort's relapse endpoint (module docstring), or None when it analyses none."""
    return next((endpoint for endpoint in endpoints if "relapse" in endpoint), None)


def competing_status(data: pd.DataFrame, relapse: str) -> pd.DataFrame:
    """``data`` with ``competing_time_days`` and ``competing_status`` (0 censored, 1 relapse, 2
    death without prior relapse)."""
    relapsed = data[f"{relapse}_event"].to_numpy() == 1
    died = ~relapsed & (data["death_event"].to_numpy() == 1)
    time = np.where(died, data["death_time_days"].to_numpy(float), data[f"{relapse}_time_days"].to_numpy(float))
    return data.assign(**{TIME: time, STATUS: np.where(relapsed, 1, np.where(died, 2, 0))})


def incidence_rows(data: pd.DataFrame, contrast: str, relapse: str, weighted: bool) -> pd.DataFrame:
    """Each arm's cumulative incidence of relapse and death (``CIF_COLUMNS``), arms with patients only."""
    parts = []
    for arm in contrast_groups(contrast):
        in_arm = data[data["arm"] == arm]
        if in_arm.empty:
            continue
        curve = cumulative_incidence(in_arm, TIME, STATUS, "weight" if weighted else None, causes=CAUSES)
        parts.append(curve.assign(group=arm))
    if not parts:
        return pd.DataFrame(columns=CIF_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    table = table.assign(cohort=contrast_cohort(contrast), contrast=contrast, endpoint=relapse, weighted=weighted)
    return table[CIF_COLUMNS]


def fine_gray_fields(data: pd.DataFrame, contrast: str, weighted: bool, ties: str, strata=()) -> dict:
    """The Fine-Gray model of relapse as the fields of a ``survival_models.tsv`` row, stratified by
    the columns ``strata`` as the Cox models are (estimability as ``myoild.cox_rows``: no relapse
    in an arm leaves the estimate empty with the reason)."""
    weights = "weight" if weighted else None
    relapses = data.assign(relapse_indicator=(data[STATUS] == 1).astype(int))

    def fit(frame: pd.DataFrame):
        return fine_gray(
            frame, TIME, STATUS, "treated", cause=1, weights=weights, ties=ties, strata=list(strata)
        )

    fields = cox_fields(relapses, TIME, "relapse_indicator", contrast_groups(contrast), weights, ties, fit)
    return fields | {"ci_method": "robust"}


def incidence_at(curves: pd.DataFrame, contrast: str, weighted: bool, horizon: float) -> pd.Series | None:
    """Each arm's cumulative incidence of relapse at ``horizon`` (None when an arm has no curve)."""
    rows = curves[(curves["contrast"] == contrast) & (curves["weighted"] == weighted) & (curves["time_days"] <= horizon)]
    values = {arm: rows.loc[rows["group"] == arm, "cif_relapse"] for arm in contrast_groups(contrast)}
    if any(value.empty for value in values.values()):
        return None
    return pd.Series({arm: value.iloc[-1] for arm, value in values.items()})
