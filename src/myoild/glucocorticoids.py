"""Glucocorticoid sparing in the prospective cohort.

Paper (results): "Daily prednisolone dose was significantly lower at last visit compared with the
baseline (50 mg/d vs. 10 mg/d)": the dose the treatment started with against the last dose. Doses
are prednisolone-equivalent mg/day (DATA_CONTRACT.md) as the derivation records them in the
analysis set:

- start: the dose on the index date, ``initial_pred_mg_day`` (the sum of the prednisolone and
  methylprednisolone episodes active that day, ``myoild.derive.covariates``; the same value as the
  propensity covariate and Table 1's initial dose). Not the baseline visit's dose: the baseline
  visit may precede the start of treatment, and then records 0 mg/day;
- last: ``pred_last_mg_day``, the dose of the latest-dated visit after the baseline visit within
  the follow-up window (scheduled or unscheduled) that has a recorded dose.

Compared within patients with both doses by the paired Wilcoxon signed-rank test (R
``wilcox.test(last, start, paired = TRUE)`` defaults).
"""

from __future__ import annotations

import pandas as pd

from myoild.design import PAPER, StudyDesign
from myoild.scales import ANALYSED_PATIENT_COLUMNS, analysed_patients, prospective_groups_and_all, with_all_group
from myoild.stats.nonparametric import median_quartiles, wilcoxon_signed_rank

#: Derived per patient by myoild.derive (analysis set): the dose on the index date, and the dose of
#: the last visit after baseline within the follow-up window that has one.
START = "initial_pred_mg_day"
LAST = "pred_last_mg_day"
#: What ``glucocorticoid_sparing`` reads (rule glucocorticoids, of the prospective cohort's rows
#: only): who is analysed, in which group, and the two doses.
ANALYSIS_COLUMNS = (*ANALYSED_PATIENT_COLUMNS, START, LAST)
#: What the start dose is, for the report and the manuscript tables.
START_DOSE_DEFINITION = (
    "start: the prednisolone-equivalent dose on the index date (glucocorticoid episodes active that day); "
    "last: the dose at the last visit in the follow-up window with a recorded dose"
)
GLUCOCORTICOID_COLUMNS = (
    "group",
    "n_patients",
    "n",
    "start_median",
    "start_q1",
    "start_q3",
    "last_median",
    "last_q1",
    "last_q3",
    "p_value",
    "method",
)


def glucocorticoid_sparing(analysis_set: pd.DataFrame, design: StudyDesign = PAPER) -> pd.DataFrame:
    """Start vs last dose per prospective group of the ``design`` and ``all``: the patients analysed (``n``: with both
    doses, of ``n_patients``), median and quartiles (R type 7) of each dose over those patients, the
    paired Wilcoxon p-value and its variant (``exact`` or ``normal_cc``)."""
    patients = analysed_patients(analysis_set, "prospective").merge(
        analysis_set[["patient_id", START, LAST]], on="patient_id", validate="one_to_one"
    )
    doses = with_all_group(
        patients.assign(start_mg_day=patients[START].astype("float64"), last_mg_day=patients[LAST].astype("float64"))
    )
    n_patients = doses.groupby("group").size()
    paired = doses.dropna(subset=["start_mg_day", "last_mg_day"])
    summary = pd.DataFrame({"n_patients": n_patients}).reindex(list(prospective_groups_and_all(design)))
    summary.index.name = "group"
    for dose, prefix in (("start_mg_day", "start"), ("last_mg_day", "last")):
        quartiles = median_quartiles(paired, dose, ["group"])[["n", "median", "q1", "q3"]]
        summary = summary.join(quartiles.add_prefix(f"{prefix}_"))
    summary["n"] = summary.pop("start_n")
    summary = summary.drop(columns="last_n")
    tests = {
        group: wilcoxon_signed_rank(block["last_mg_day"], block["start_mg_day"])
        for group, block in paired.groupby("group")
    }
    summary["p_value"] = [tests[g].p_value if g in tests else float("nan") for g in summary.index]
    summary["method"] = [tests[g].method if g in tests else None for g in summary.index]
    summary[["n_patients", "n"]] = summary[["n_patients", "n"]].fillna(0).astype("Int64")
    return summary.reset_index()[list(GLUCOCORTICOID_COLUMNS)]
