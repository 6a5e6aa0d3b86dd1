"""HRCT scores, their change from baseline to 12 months, and inter-reader agreement (paper: Figure 4).

Scores (DATA_CONTRACT.md, hrct_reads): a reader's feature score is the sum of the five lobe grades
(0-20), the total the sum over the four features (0-80); the score of an exam (patient x timepoint)
is the mean of its two readers. An exam with other than two readers, or whose 20-cell grid
(5 lobes x 4 features) is incomplete for a reader, keeps empty scores (never zero) and is flagged.

Change (paper: "Cases who died during observational period were not included"): included
prospective patients with a complete baseline and a complete 12-month exam; the others are left
out and counted under the first reason that applies (``EXCLUSION_REASONS``).

Agreement, which the paper does not report: ICC(2,1) of each feature score and of the total over
the complete exams, and linear and quadratic weighted kappa of the lobe grades (0-4) of those
exams, per feature and over all features (``myoild.stats.agreement``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from myoild.contract import HRCT_FEATURES, HRCT_TIMEPOINTS, LOBES
from myoild.design import PAPER, StudyDesign
from myoild.scales import ALL, ANALYSED_PATIENT_COLUMNS, analysed_patients, prospective_groups_and_all, with_all_group
from myoild.stats.agreement import KAPPA_WEIGHTINGS, icc_absolute_agreement, weighted_kappa
from myoild.stats.nonparametric import mann_whitney, median_quartiles, wilcoxon_signed_rank

TOTAL = "total"
SCORE_FEATURES = HRCT_FEATURES + (TOTAL,)
GRADES = tuple(range(5))
READERS_PER_EXAM = 2
CELLS_PER_READER = len(LOBES) * len(HRCT_FEATURES)
#: tables/hrct_scores.parquet (RESULTS_CONTRACT.md); extras follow.
HRCT_SCORE_COLUMNS = ("patient_id", "timepoint", "feature", "score", "reader_1", "reader_2")
HRCT_SCORE_EXTRAS = ("reader_1_code", "reader_2_code", "n_readers", "cells_missing", "complete")
#: tables/hrct_deltas.tsv; extras follow.
HRCT_DELTA_COLUMNS = (
    "group",
    "feature",
    "n",
    "baseline_mean",
    "baseline_sd",
    "m12_mean",
    "m12_sd",
    "delta_mean",
    "p_within",
    "p_between",
)
HRCT_DELTA_EXTRAS = ("delta_sd", "delta_median", "delta_q1", "delta_q3", "p_within_method", "p_between_method")
#: Why an included prospective patient is left out of the change analysis, in the order checked.
EXCLUSION_REASONS = (
    "no_baseline_exam",
    "incomplete_baseline_exam",
    "died_without_m12_exam",
    "no_m12_exam",
    "incomplete_m12_exam",
)
EXAM = ["patient_id", "timepoint"]
#: What ``hrct_deltas`` reads (rule hrct_deltas): of the analysis set's prospective rows, who is
#: analysed, in which group, and whether they died (an exclusion reason); of tables/hrct_scores.parquet,
#: each exam's feature scores, every row (a study scores the HRCT of its prospective cohort: a few
#: hundred rows; a data set without HRCT reads writes a table without rows whose untyped
#: ``patient_id`` ``tabular.read_patient_rows`` cannot filter).
ANALYSIS_COLUMNS = (*ANALYSED_PATIENT_COLUMNS, "death_event")
SCORE_COLUMNS = ("patient_id", "timepoint", "feature", "score")


def hrct_scores(hrct_reads: pd.DataFrame) -> pd.DataFrame:
    """tables/hrct_scores.parquet: one row per exam and feature (the four features, then ``total``).

    ``reader_1`` and ``reader_2`` are the scores of the exam's first two reader codes in sorted
    order (empty when that reader's grid is incomplete); ``score`` is their mean, empty unless the
    exam is ``complete`` (exactly two readers, each with all 20 cells). Extras: the reader codes,
    ``n_readers`` and ``cells_missing`` (of the 20 x number of readers cells).
    """
    reads = hrct_reads[[*EXAM, "reader", "lobe", "feature", "grade"]]
    per_reader = reads.groupby([*EXAM, "reader"], sort=True).agg(cells=("grade", "size")).reset_index()
    per_reader["reader_rank"] = per_reader.groupby(EXAM).cumcount() + 1
    per_reader["reader_complete"] = per_reader["cells"].eq(CELLS_PER_READER)

    feature_sums = (
        reads.assign(grade=reads["grade"].astype("float64"))
        .pivot_table(index=[*EXAM, "reader"], columns="feature", values="grade", aggfunc="sum")
        .reindex(columns=list(HRCT_FEATURES))
    )
    feature_sums[TOTAL] = feature_sums.sum(axis=1)
    reader_scores = per_reader.merge(
        feature_sums.stack(future_stack=True).rename("reader_score").reset_index(), on=[*EXAM, "reader"]
    )
    reader_scores["reader_score"] = reader_scores["reader_score"].where(reader_scores["reader_complete"])

    exams = per_reader.groupby(EXAM, sort=True).agg(
        n_readers=("reader", "size"),
        cells=("cells", "sum"),
        readers_complete=("reader_complete", "all"),
    )
    exams["cells_missing"] = exams["n_readers"] * CELLS_PER_READER - exams["cells"]
    exams["complete"] = exams["n_readers"].eq(READERS_PER_EXAM) & exams["readers_complete"]
    first_two = per_reader[per_reader["reader_rank"] <= READERS_PER_EXAM]
    codes = first_two.pivot(index=EXAM, columns="reader_rank", values="reader").reindex(columns=[1, 2])
    exams["reader_1_code"], exams["reader_2_code"] = codes[1], codes[2]

    scores = (
        reader_scores[reader_scores["reader_rank"] <= READERS_PER_EXAM]
        .pivot(index=[*EXAM, "feature"], columns="reader_rank", values="reader_score")
        .reindex(columns=[1, 2])
        .rename(columns={1: "reader_1", 2: "reader_2"})
    )
    grid = pd.MultiIndex.from_tuples(
        [(*exam, feature) for exam in exams.index for feature in SCORE_FEATURES], names=[*EXAM, "feature"]
    )
    scores = scores.reindex(grid).reset_index().merge(exams.reset_index(), on=EXAM)
    scores["score"] = scores[["reader_1", "reader_2"]].mean(axis=1, skipna=False).where(scores["complete"])
    scores["n_readers"] = scores["n_readers"].astype("Int64")
    scores["cells_missing"] = scores["cells_missing"].astype("Int64")
    order = pd.Categorical(scores["timepoint"], categories=HRCT_TIMEPOINTS, ordered=True)
    feature_order = pd.Categorical(scores["feature"], categories=SCORE_FEATURES, ordered=True)
    scores = scores.assign(_t=order.codes, _f=feature_order.codes).sort_values(
        ["patient_id", "_t", "_f"], kind="mergesort"
    )
    return scores[list(HRCT_SCORE_COLUMNS + HRCT_SCORE_EXTRAS)].reset_index(drop=True)


def _exam_status(scores: pd.DataFrame, timepoint: str) -> tuple[pd.Index, pd.Index]:
    """Patients with an exam at ``timepoint`` and patients whose exam there has a total score."""
    totals = scores[scores["timepoint"].eq(timepoint) & scores["feature"].eq(TOTAL)]
    return pd.Index(totals["patient_id"]), pd.Index(totals.loc[totals["score"].notna(), "patient_id"])


def hrct_change_exclusions(scores: pd.DataFrame, analysis_set: pd.DataFrame) -> pd.DataFrame:
    """``patient_id``, ``group``, ``reason``: included prospective patients left out of the change analysis.

    Reasons in ``EXCLUSION_REASONS`` order, first applicable; ``died_without_m12_exam`` when the
    patient has no 12-month exam and ``death_event`` = 1 in the analysis set.
    """
    patients = analysed_patients(analysis_set, "prospective").merge(
        analysis_set[["patient_id", "death_event"]], on="patient_id", how="left"
    )
    ids = patients["patient_id"]
    has_baseline, baseline_complete = _exam_status(scores, "baseline")
    has_m12, m12_complete = _exam_status(scores, "m12")
    died = patients["death_event"].astype("float64").eq(1)
    conditions = [
        ~ids.isin(has_baseline),
        ~ids.isin(baseline_complete),
        ~ids.isin(has_m12) & died,
        ~ids.isin(has_m12),
        ~ids.isin(m12_complete),
    ]
    patients["reason"] = np.select(conditions, EXCLUSION_REASONS, default=None)
    excluded = patients[patients["reason"].notna()]
    return excluded[["patient_id", "group", "reason"]].reset_index(drop=True)


def hrct_deltas(
    scores: pd.DataFrame, analysis_set: pd.DataFrame, design: StudyDesign = PAPER
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """tables/hrct_deltas.tsv and the counted exclusions.

    Deltas: per group (the ``design``'s two prospective groups, then ``all``) and feature (``total`` first, as
    Figure 4A): n, mean and SD (n - 1) at baseline and 12 months, mean change (12 months - baseline),
    ``p_within`` (paired Wilcoxon signed-rank, 12 months vs baseline) and ``p_between``
    (Mann-Whitney between the two groups on the changes; on the group rows, empty on ``all``);
    both as R ``wilcox.test`` defaults. Extras: SD, median and quartiles of the change, test variants.

    Exclusions: ``group``, ``reason``, ``n``, ``patient_ids`` (comma-separated) for every group and
    reason in ``EXCLUSION_REASONS``, zero counts included.
    """
    excluded = hrct_change_exclusions(scores, analysis_set)
    patients = analysed_patients(analysis_set, "prospective")
    analysed = patients[~patients["patient_id"].isin(excluded["patient_id"])]
    paired = (
        scores[scores["patient_id"].isin(analysed["patient_id"])]
        .pivot(index=["patient_id", "feature"], columns="timepoint", values="score")
        .reindex(columns=list(HRCT_TIMEPOINTS))
        .reset_index()
        .merge(analysed, on="patient_id")
    )
    paired["delta"] = paired["m12"] - paired["baseline"]
    paired = with_all_group(paired)

    by = ["group", "feature"]
    grouped = paired.groupby(by, sort=False)
    summary = pd.DataFrame(
        {
            "n": grouped["delta"].count(),
            "baseline_mean": grouped["baseline"].mean(),
            "baseline_sd": grouped["baseline"].std(ddof=1),
            "m12_mean": grouped["m12"].mean(),
            "m12_sd": grouped["m12"].std(ddof=1),
            "delta_mean": grouped["delta"].mean(),
            "delta_sd": grouped["delta"].std(ddof=1),
        }
    )
    quartiles = median_quartiles(paired, "delta", by)[["median", "q1", "q3"]]
    summary = summary.join(quartiles.rename(columns=lambda c: f"delta_{c}"))
    within = {key: wilcoxon_signed_rank(block["m12"], block["baseline"]) for key, block in grouped}
    summary["p_within"] = [within[key].p_value for key in summary.index]
    summary["p_within_method"] = [within[key].method for key in summary.index]
    first, second = design.groups["prospective"]
    deltas = {key: block["delta"] for key, block in grouped}
    between = {
        feature: mann_whitney(deltas.get((first, feature), []), deltas.get((second, feature), []))
        for feature in SCORE_FEATURES
    }

    order = [TOTAL, *HRCT_FEATURES]
    grid = pd.MultiIndex.from_product([prospective_groups_and_all(design), order], names=by)
    summary = summary.reindex(grid).reset_index()
    on_groups = ~summary["group"].eq(ALL)
    summary["p_between"] = [between[f].p_value for f in summary["feature"]]
    summary["p_between_method"] = [between[f].method for f in summary["feature"]]
    summary[["p_between", "p_between_method"]] = summary[["p_between", "p_between_method"]].where(on_groups)
    summary["n"] = summary["n"].fillna(0).astype("Int64")
    for column in ("p_within_method", "p_between_method"):
        summary[column] = summary[column].astype(object).where(summary[column].notna(), None)
    return summary[list(HRCT_DELTA_COLUMNS + HRCT_DELTA_EXTRAS)], _count_exclusions(excluded, (first, second))


def _count_exclusions(excluded: pd.DataFrame, groups: tuple[str, str]) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([groups, EXCLUSION_REASONS], names=["group", "reason"])
    grouped = excluded.groupby(["group", "reason"])["patient_id"]
    counts = pd.DataFrame({"n": grouped.size(), "patient_ids": grouped.agg(lambda ids: ",".join(sorted(ids)))})
    counts = counts.reindex(grid).reset_index()
    counts["n"] = counts["n"].fillna(0).astype("Int64")
    counts["patient_ids"] = counts["patient_ids"].fillna("")
    return counts


def reader_agreement(hrct_reads: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Inter-reader agreement over the complete exams, per timepoint and over both (``all``).

    Rows: ``statistic`` ``icc_a1`` (ICC(2,1), two-way random, absolute agreement, single rater;
    per feature score and the total; 95% CI of McGraw & Wong and the F test of ICC = 0) and
    ``kappa_linear`` / ``kappa_quadratic`` (Cohen's weighted kappa of the lobe grades 0-4 with
    fixed categories; per feature and over all features, ``feature`` = ``all``; no CI, since lobes
    of one exam are not independent). Columns: ``statistic``, ``feature``, ``timepoint``,
    ``n_exams``, ``n_ratings`` (rating pairs), ``estimate``, ``ci_low``, ``ci_high``, ``p_value``.
    Exams pooled over timepoints count each exam as a unit.
    """
    complete = scores[scores["complete"].astype(bool)]
    grades = hrct_reads.merge(
        complete[[*EXAM, "reader_1_code", "reader_2_code"]].drop_duplicates(), on=EXAM, how="inner"
    )
    grades = grades.assign(rater=np.where(grades["reader"].eq(grades["reader_1_code"]), "a", "b"))
    lobe_pairs = (
        grades.pivot(index=[*EXAM, "feature", "lobe"], columns="rater", values="grade")
        .reindex(columns=["a", "b"])
        .reset_index()
    )

    rows = []
    for timepoint in (ALL, *HRCT_TIMEPOINTS):
        exams = complete if timepoint == ALL else complete[complete["timepoint"].eq(timepoint)]
        pairs = lobe_pairs if timepoint == ALL else lobe_pairs[lobe_pairs["timepoint"].eq(timepoint)]
        n_exams = exams[EXAM].drop_duplicates().shape[0]
        for feature in (TOTAL, *HRCT_FEATURES):
            ratings = exams.loc[exams["feature"].eq(feature), ["reader_1", "reader_2"]].to_numpy(dtype=float)
            icc = icc_absolute_agreement(ratings)
            rows.append(
                ("icc_a1", feature, timepoint, n_exams, len(ratings), icc.icc, icc.ci_low, icc.ci_high, icc.p_value)
            )
        for feature in (ALL, *HRCT_FEATURES):
            feature_pairs = pairs if feature == ALL else pairs[pairs["feature"].eq(feature)]
            for weighting in KAPPA_WEIGHTINGS:
                kappa = weighted_kappa(feature_pairs["a"], feature_pairs["b"], GRADES, weighting)
                rows.append(
                    (
                        f"kappa_{weighting}",
                        feature,
                        timepoint,
                        n_exams,
                        len(feature_pairs),
                        kappa,
                        np.nan,
                        np.nan,
                        np.nan,
                    )
                )
    columns = ["statistic", "feature", "timepoint", "n_exams", "n_ratings", "estimate", "ci_low", "ci_high", "p_value"]
    return pd.DataFrame(rows, columns=columns)
