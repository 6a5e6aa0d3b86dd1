"""Section on the HRCT scores: change from baseline to 12 months (paper, Figure 4), the patients
left out of it, and the agreement of the two readers."""

from __future__ import annotations

import pandas as pd

from myoild.disclosure import Disclosure
from myoild.labels import FEATURE_LABELS, GROUP_LABELS
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import format_count, format_number, format_p
from myoild.report.html import Heading, Section, details, figure, not_available, table

STATISTIC_LABELS = {
    "icc_a1": "ICC(2,1)",
    "kappa_linear": "kappa, linear weights",
    "kappa_quadratic": "kappa, quadratic weights",
}


def _feature(feature: str) -> str:
    return FEATURE_LABELS.get(feature, (feature,))[0] if feature != "all" else "All features"


def _mean_sd(mean: float, sd: float) -> str:
    return f"{format_number(mean)} ({format_number(sd)})"


def delta_table(deltas: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> str:
    rows = [
        [
            GROUP_LABELS.get(row["group"], row["group"]),
            _feature(row["feature"]),
            format_count(row["n"], disclosure),
            _mean_sd(row["baseline_mean"], row["baseline_sd"]),
            _mean_sd(row["m12_mean"], row["m12_sd"]),
            format_number(row["delta_mean"], 2),
            format_p(row["p_within"]),
            format_p(row["p_between"]),
        ]
        for _, row in deltas.iterrows()
    ]
    header = [
        "Group", "Score", "n", "Baseline, mean (SD)", "12 months, mean (SD)", "Mean change", "p within", "p between"
    ]
    caption = "HRCT scores (mean of two readers): p within, Wilcoxon signed-rank; p between groups, Mann-Whitney"
    return table(header, rows, caption, text=(0, 1))


def exclusion_table(exclusions: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> str:
    """Patients left out of the change analysis, per group and reason; their identifiers only with
    ``disclosure.show_patient_ids`` (they are in tables/hrct_exclusions.tsv)."""
    rows = []
    for _, row in exclusions.iterrows():
        group, reason = GROUP_LABELS.get(row["group"], row["group"]), row["reason"].replace("_", " ")
        cells = [group, reason, format_count(row["n"], disclosure)]
        if disclosure.show_patient_ids:
            cells.append("" if pd.isna(row["patient_ids"]) else row["patient_ids"].replace(",", ", "))
        rows.append(cells)
    if disclosure.show_patient_ids:
        header = ["Group", "Left out because", "Patients", "Patient ids"]
        return table(header, rows, "Patients left out of the change analysis", text=(0, 1, 3))
    caption = "Patients left out of the change analysis (their ids: tables/hrct_exclusions.tsv)"
    return table(["Group", "Left out because", "Patients"], rows, caption, text=(0, 1))


def agreement_table(agreement: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> str:
    rows = [
        [
            STATISTIC_LABELS.get(row["statistic"], row["statistic"]),
            _feature(row["feature"]),
            row["timepoint"],
            format_count(row["n_exams"], disclosure),
            format_number(row["estimate"], 3),
            "" if pd.isna(row["ci_low"]) else f"{format_number(row['ci_low'], 3)}–{format_number(row['ci_high'], 3)}",
        ]
        for _, row in agreement.iterrows()
    ]
    return table(["Statistic", "Score", "Time point", "Exams", "Estimate", "95% CI"], rows, text=(0, 1, 2))


def hrct_section(results: ResultsFolder, disclosure: Disclosure = Disclosure()) -> Section:
    caption = (
        "HRCT scores (A total, B-E the four features) at baseline (hatched) and 12 months by group, mean + SD "
        "(paper, Figure 4)."
    )
    blocks: list = [figure(results.figure("hrct_change"), "hrct_change", caption)]
    for relative, render in (("tables/hrct_deltas.tsv", delta_table), ("tables/hrct_exclusions.tsv", exclusion_table)):
        frame = results.table(relative)
        blocks.append(render(frame, disclosure) if frame is not None else not_available(relative))
    blocks.append(Heading("hrct-agreement", "Agreement of the two readers"))
    agreement = results.table("tables/hrct_agreement.tsv")
    if agreement is None:
        blocks.append(not_available("tables/hrct_agreement.tsv"))
    else:
        summary = "Intraclass correlation and weighted kappa (table)"
        blocks.append(details(summary, agreement_table(agreement, disclosure)))
    return Section("hrct", "HRCT", tuple(blocks))
