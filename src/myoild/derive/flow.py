"""Patient flow (``cohort/flow.tsv``) and the check that no patient is lost between screening and analysis.

Scheme, per cohort in ``contract.COHORTS`` order: one ``screened`` row (``reason`` null), one
``excluded`` row per exclusion reason the cohort can have (``screening.exclusion_reasons``, in
screening order, zero counts included so the table's shape does not depend on the data), one
``analysed`` row per group of the study design (``reason`` = group name). Per cohort:
screened = sum(excluded) + sum(analysed).

``cohort/flow_by_site.tsv`` (``site_flow``) is the same table for the patients of each site, with
a ``site`` column: per site the counts add up the same way, and over the sites they add up to the
flow's.
"""

from __future__ import annotations

import pandas as pd

from myoild.contract import COHORTS
from myoild.derive.screening import exclusion_reasons
from myoild.design import PAPER, StudyDesign

FLOW_COLUMNS = ("cohort", "step", "n", "reason")
SITE_FLOW_COLUMNS = ("cohort", "site", "step", "n", "reason")


class FlowError(ValueError):
    """The analysis set and the flow disagree, or a patient would be lost."""


def patient_flow(analysis_set: pd.DataFrame, design: StudyDesign = PAPER) -> pd.DataFrame:
    """The flow table (``cohort, step, n, reason``) counted from the analysis set."""
    reasons_of, groups_of = exclusion_reasons(design), design.groups
    rows = []
    for cohort in COHORTS:
        part = analysis_set[analysis_set["cohort"] == cohort]
        reasons = part["exclusion_reason"].value_counts()
        groups = part.loc[part["included"], "group"].value_counts()
        rows.append((cohort, "screened", len(part), None))
        rows += [(cohort, "excluded", int(reasons.get(reason, 0)), reason) for reason in reasons_of[cohort]]
        rows += [(cohort, "analysed", int(groups.get(group, 0)), group) for group in groups_of[cohort]]
    flow = pd.DataFrame(rows, columns=list(FLOW_COLUMNS))
    flow["n"] = flow["n"].astype("int64")
    return flow


def site_flow(analysis_set: pd.DataFrame, design: StudyDesign = PAPER) -> pd.DataFrame:
    """``patient_flow`` of each site's patients (sites sorted), with the ``site`` column second."""
    parts = [
        patient_flow(patients, design).assign(site=site)
        for site, patients in analysis_set.groupby("site", sort=True, dropna=False)
    ]
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype="int64" if name == "n" else object) for name in SITE_FLOW_COLUMNS})
    return pd.concat(parts, ignore_index=True)[list(SITE_FLOW_COLUMNS)]


def _count_mismatches(cohort: str, step: str, in_flow: pd.Series, in_set: pd.Series) -> list[str]:
    return [
        f"{cohort} {step} {key}: flow says {int(in_flow.get(key, 0))}, analysis set has {int(in_set.get(key, 0))}"
        for key in sorted(set(in_flow.index) | set(in_set.index))
        if in_flow.get(key, 0) != in_set.get(key, 0)
    ]


def check_flow(analysis_set: pd.DataFrame, flow: pd.DataFrame, design: StudyDesign = PAPER) -> None:
    """Raise ``FlowError`` listing every inconsistency between the analysis set and the flow.

    Checks: unique patient ids; cohorts known; ``included`` exactly where ``exclusion_reason`` is
    null; included patients in a group of their cohort; per cohort, the screened count equals the
    cohort's rows, each excluded and analysed count equals the analysis set's, every reason and
    group of the analysis set appears in the flow, and screened = sum(excluded) + sum(analysed).
    """
    errors = []
    if analysis_set["patient_id"].isna().any() or analysis_set["patient_id"].duplicated().any():
        errors.append("analysis set: patient_id missing or duplicated")
    unknown_cohorts = sorted(set(analysis_set["cohort"].dropna()) - set(COHORTS))
    if unknown_cohorts or analysis_set["cohort"].isna().any():
        errors.append(f"analysis set: patients outside the cohorts {COHORTS}: {unknown_cohorts}")
    included = analysis_set["included"].astype(bool)
    if (included == analysis_set["exclusion_reason"].notna()).any():
        errors.append("analysis set: `included` must be true exactly where exclusion_reason is null")
    unknown_steps = sorted(set(flow["step"]) - {"screened", "excluded", "analysed"})
    if unknown_steps:
        errors.append(f"flow: unknown steps {unknown_steps}")

    for cohort in sorted(set(COHORTS) | set(flow["cohort"])):
        part = analysis_set[analysis_set["cohort"] == cohort]
        steps = flow[flow["cohort"] == cohort]
        screened = steps.loc[steps["step"] == "screened", "n"]
        excluded = steps[steps["step"] == "excluded"].groupby("reason")["n"].sum()
        analysed = steps[steps["step"] == "analysed"].groupby("reason")["n"].sum()
        if len(screened) != 1 or int(screened.iloc[0]) != len(part):
            errors.append(f"{cohort}: screened {screened.tolist()} in flow, {len(part)} patients in analysis set")
        elif int(screened.iloc[0]) != int(excluded.sum()) + int(analysed.sum()):
            errors.append(
                f"{cohort}: screened {int(screened.iloc[0])} != excluded {int(excluded.sum())}"
                f" + analysed {int(analysed.sum())}"
            )
        groups = part.loc[included.loc[part.index], "group"]
        outside = sorted(set(groups.dropna()) - set(design.groups.get(cohort, ()))) + (
            ["<none>"] if groups.isna().any() else []
        )
        if outside:
            errors.append(f"{cohort}: included patients outside the cohort's groups: {outside}")
        errors += _count_mismatches(cohort, "excluded", excluded, part["exclusion_reason"].value_counts())
        errors += _count_mismatches(cohort, "analysed", analysed, groups.value_counts())
    if errors:
        raise FlowError("patient flow does not add up:\n  " + "\n  ".join(errors))
