"""Myositis assessment scales over the prospective visits (paper: Figure 2, Figure 3A-C, Supp. Figure 4).

Paper, statistical analysis: "Changes in clinical assessment indicators between baseline and each
visit point were analyzed using the Wilcoxon t-test. The Bonferroni post-test correction was used";
between subgroups, the Mann-Whitney U test. Here:

- patients: the included patients of the prospective cohort, by group and all together (``all``);
- values: the scheduled visits (baseline, m1, m3, m6, m12); unscheduled visits are not used. A
  patient with two visits of the same label contributes the earliest-dated one;
- per group, scale and visit: n, median, quartiles (R type 7), minimum and maximum;
- ``p_vs_baseline``: paired Wilcoxon signed-rank test of the visit against baseline over the
  patients with both values; ``p_vs_baseline_adj`` = min(1, p x m), m = the number of
  post-baseline visits of that group and scale that had a test (Bonferroni);
- ``p_between_groups``: Mann-Whitney test between the two groups at that visit (on the group rows;
  empty on ``all``), ``p_between_groups_change`` likewise on the change from baseline;
- every test as R ``wilcox.test`` with its default arguments (``myoild.stats.nonparametric``); the
  variant used (``exact`` or ``normal_cc``) is in the ``*_method`` columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from myoild.contract import SCALES, SCHEDULED_VISITS
from myoild.design import PAPER, StudyDesign
from myoild.stats.nonparametric import mann_whitney, median_quartiles, wilcoxon_signed_rank
from myoild.tabular import read_analysis_columns, read_patient_rows

ALL = "all"
POST_BASELINE_VISITS = SCHEDULED_VISITS[1:]
#: The analysis-set columns ``analysed_patients`` reads: who is included in which cohort and group.
ANALYSED_PATIENT_COLUMNS = ("patient_id", "cohort", "included", "group")
#: What ``scale_summary`` reads (rule scales, of the prospective cohort's analysed patients only):
#: of the analysis set, their group; of the normalised visits, each visit's date and label (to
#: keep the earliest of each scheduled visit) and the scales.
ANALYSIS_COLUMNS = ANALYSED_PATIENT_COLUMNS
VISIT_COLUMNS = ("patient_id", "visit_date", "visit", *SCALES)
#: tables/scales.tsv (RESULTS_CONTRACT.md); extras follow.
SCALE_SUMMARY_COLUMNS = (
    "group",
    "scale",
    "visit",
    "n",
    "median",
    "q1",
    "q3",
    "p_vs_baseline",
    "p_vs_baseline_adj",
    "p_between_groups",
)
SCALE_SUMMARY_EXTRAS = (
    "min",
    "max",
    "n_paired",
    "change_n",
    "change_median",
    "change_q1",
    "change_q3",
    "p_between_groups_change",
    "p_vs_baseline_method",
    "p_between_groups_method",
    "p_between_groups_change_method",
)


def analysed_patients(analysis_set: pd.DataFrame, cohort: str) -> pd.DataFrame:
    """``patient_id`` and ``group`` of the included patients of ``cohort``, sorted by patient_id."""
    included = analysis_set["included"].astype("boolean").fillna(False).astype(bool)
    patients = analysis_set.loc[included & analysis_set["cohort"].eq(cohort), ["patient_id", "group"]]
    return patients.sort_values("patient_id", kind="mergesort").reset_index(drop=True)


def read_cohort_inputs(
    cohort: str,
    analysis_set: str | Path,
    analysis_columns: Sequence[str],
    tables: Mapping[str, tuple[str | Path, Sequence[str]]],
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """What a stage of one ``cohort`` reads, and no more (at a million retrospective patients the
    whole tables cost a prospective stage seconds and gigabytes, for 41 patients): the cohort's
    rows of the ``analysis_set`` file's ``analysis_columns``, and of each of the ``tables``
    (name: (Parquet file, columns)) the rows of the cohort's analysed patients
    (``analysed_patients``) and those columns. A stage that chooses its patients by
    ``analysed_patients(analysis_set, cohort)`` finds the same rows here as in the whole tables."""
    analysis = read_analysis_columns(analysis_set, analysis_columns, cohort)
    chosen = analysed_patients(analysis, cohort)["patient_id"]
    return analysis, {name: read_patient_rows(path, columns, chosen) for name, (path, columns) in tables.items()}


def with_all_group(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` followed by a copy of its rows with ``group`` = ``all`` (summaries over all patients)."""
    return pd.concat([frame, frame.assign(group=ALL)], ignore_index=True)


def scale_values(visits: pd.DataFrame, analysis_set: pd.DataFrame) -> pd.DataFrame:
    """Long table ``patient_id``, ``group``, ``visit``, ``scale``, ``value`` (float, NaN when not assessed).

    One row per included prospective patient, scheduled visit they attended and scale; a patient
    with two visits of one label contributes the earliest-dated one.
    """
    patients = analysed_patients(analysis_set, "prospective")
    scheduled = visits.loc[visits["visit"].isin(SCHEDULED_VISITS), ["patient_id", "visit_date", "visit", *SCALES]]
    scheduled = scheduled.merge(patients, on="patient_id", how="inner")
    scheduled = scheduled.sort_values(["patient_id", "visit_date"], kind="mergesort")
    scheduled = scheduled.drop_duplicates(["patient_id", "visit"], keep="first")
    scheduled[list(SCALES)] = scheduled[list(SCALES)].astype("float64")
    return scheduled.melt(
        id_vars=["patient_id", "group", "visit"], value_vars=list(SCALES), var_name="scale", value_name="value"
    )


def _by_visit(values: pd.DataFrame) -> pd.DataFrame:
    """Values with one column per scheduled visit, indexed by (group, scale, patient_id)."""
    wide = values.set_index(["group", "scale", "patient_id", "visit"])["value"].unstack("visit")
    return wide.reindex(columns=list(SCHEDULED_VISITS))


def _tests_against_baseline(wide: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (group, scale), block in wide.groupby(level=["group", "scale"], sort=False):
        for visit in POST_BASELINE_VISITS:
            result = wilcoxon_signed_rank(block[visit], block["baseline"])
            n_paired = int((block[visit].notna() & block["baseline"].notna()).sum())
            rows.append((group, scale, visit, n_paired, result.p_value, result.method))
    tests = pd.DataFrame(rows, columns=["group", "scale", "visit", "n_paired", "p_vs_baseline", "p_vs_baseline_method"])
    n_compared = tests.groupby(["group", "scale"])["p_vs_baseline"].transform("count")
    tests["p_vs_baseline_adj"] = np.minimum(1.0, tests["p_vs_baseline"] * n_compared)
    return tests.set_index(["group", "scale", "visit"])


def prospective_groups_and_all(design: StudyDesign) -> tuple[str, str, str]:
    """The design's two prospective groups, then ``all`` (the row order of the prospective tables)."""
    return (*design.groups["prospective"], ALL)


def _tests_between_groups(wide: pd.DataFrame, name: str, groups: tuple[str, str]) -> pd.DataFrame:
    """Mann-Whitney test between the two prospective ``groups`` per scale and visit column of ``wide``."""
    first, second = groups
    empty = pd.Series(dtype=float)
    rows = []
    for scale, block in wide.groupby(level="scale", sort=False):
        by_group = {group: values.droplevel(["group", "scale"]) for group, values in block.groupby(level="group")}
        for visit in wide.columns:
            result = mann_whitney(
                by_group.get(first, empty).get(visit, empty), by_group.get(second, empty).get(visit, empty)
            )
            rows.append((scale, visit, result.p_value, result.method))
    return pd.DataFrame(rows, columns=["scale", "visit", name, f"{name}_method"]).set_index(["scale", "visit"])


def scale_summary(visits: pd.DataFrame, analysis_set: pd.DataFrame, design: StudyDesign = PAPER) -> pd.DataFrame:
    """tables/scales.tsv: one row per group (the ``design``'s two prospective groups, then ``all``),
    scale and visit.

    Every combination is present (n = 0 and empty statistics where nobody was assessed), in contract
    order of groups, scales and visits. Rules: see the module docstring.
    """
    values = with_all_group(scale_values(visits, analysis_set))
    wide = _by_visit(values)
    change = wide[list(POST_BASELINE_VISITS)].sub(wide["baseline"], axis=0)
    change_long = change.stack(future_stack=True).rename("value").reset_index()

    grid = pd.MultiIndex.from_product(
        [prospective_groups_and_all(design), SCALES, SCHEDULED_VISITS], names=["group", "scale", "visit"]
    )
    by = ["group", "scale", "visit"]
    summary = median_quartiles(values, "value", by).reindex(grid)
    change_summary = median_quartiles(change_long, "value", by)[["n", "median", "q1", "q3"]]
    change_summary.columns = ["change_n", "change_median", "change_q1", "change_q3"]
    summary = summary.join(change_summary).join(_tests_against_baseline(wide))

    in_groups = wide.index.get_level_values("group") != ALL
    groups = design.groups["prospective"]
    between = _tests_between_groups(wide[in_groups], "p_between_groups", groups).join(
        _tests_between_groups(change[in_groups], "p_between_groups_change", groups)
    )
    summary = summary.reset_index().merge(between.reset_index(), on=["scale", "visit"], how="left")
    # A between-group test belongs to the two group rows, not to all patients together.
    summary[list(between.columns)] = summary[list(between.columns)].mask(summary["group"].eq(ALL))
    summary["n"] = summary["n"].fillna(0)
    for column in ("p_vs_baseline_method", "p_between_groups_method", "p_between_groups_change_method"):
        summary[column] = summary[column].astype(object).where(summary[column].notna(), None)
    for column in ("n", "change_n", "n_paired"):
        summary[column] = summary[column].astype("Int64")
    return summary[list(SCALE_SUMMARY_COLUMNS + SCALE_SUMMARY_EXTRAS)]
