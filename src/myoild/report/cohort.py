"""Sections on who was analysed: the patient flow, Table 1 (retrospective) and Table 2 (prospective)."""

from __future__ import annotations

import pandas as pd

from myoild.disclosure import Disclosure
from myoild.labels import GROUP_LABELS, contrast_label, reason_label
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import MISSING, format_count, format_number, format_p
from myoild.report.html import Section, figure, not_available, paragraph, table
from myoild.tables.table1 import NOT_TESTED, TEST_NAMES, group_summaries

STEP_LABELS = {"screened": "Screened", "excluded": "Excluded", "analysed": "Analysed"}
TABLE_TITLES = {
    "retrospective": ("table1", "Table 1: retrospective cohort"),
    "prospective": ("table2", "Table 2: prospective cohort"),
}


def flow_section(results: ResultsFolder, disclosure: Disclosure = Disclosure()) -> Section:
    blocks = [
        figure(
            results.figure("flow"),
            "flow",
            "Patient flow. Screened patients, exclusions by first reason met (reasons counting no patient left "
            "out), analysed patients per group (paper, Supplementary Figures 1 and 3).",
        )
    ]
    flow = results.table("cohort/flow.tsv")
    if flow is None:
        blocks.append(not_available("cohort/flow.tsv"))
    else:
        rows = [
            [cohort, STEP_LABELS.get(step, step), _flow_reason(step, reason), format_count(n, disclosure)]
            for cohort, step, reason, n in flow[["cohort", "step", "reason", "n"]].itertuples(index=False)
        ]
        blocks.append(table(["Cohort", "Step", "Reason or group", "Patients"], rows, "Patient flow", text=(0, 1, 2)))
    by_site = results.table("cohort/flow_by_site.tsv")
    if by_site is not None and by_site["site"].nunique() > 1:
        blocks.append(site_table(by_site, disclosure))
    diagnostics = results.table("tables/weight_diagnostics.tsv")
    if diagnostics is not None and (diagnostics["n_missing_covariates"] > 0).any():
        blocks.append(missing_covariate_table(diagnostics, disclosure))
    return Section("flow", "Patient flow", tuple(blocks))


def site_table(by_site: pd.DataFrame, disclosure: Disclosure) -> str:
    """Screened, excluded and analysed patients per group of each cohort at each site
    (``cohort/flow_by_site.tsv``)."""
    rows = []
    for (cohort, site), steps in by_site.groupby(["cohort", "site"], sort=False):
        analysed = steps[steps["step"] == "analysed"]
        cells = [
            steps.loc[steps["step"] == "screened", "n"].sum(),
            steps.loc[steps["step"] == "excluded", "n"].sum(),
        ]
        groups = ", ".join(
            f"{GROUP_LABELS.get(group, group)} {format_count(n, disclosure)}"
            for group, n in analysed[["reason", "n"]].itertuples(index=False)
        )
        rows.append([cohort, str(site), *(format_count(n, disclosure) for n in cells), groups])
    header = ["Cohort", "Site", "Screened", "Excluded", "Analysed by group"]
    return table(header, rows, "Patients per site", text=(0, 1, 4))


def missing_covariate_table(diagnostics: pd.DataFrame, disclosure: Disclosure) -> str:
    """Patients left out of each contrast's propensity and IPTW models for a missing covariate,
    counted per covariate (``tables/weight_diagnostics.tsv``; complete-case analysis)."""
    rows = [
        [
            contrast_label(row["contrast"]),
            format_count(row["n_missing_covariates"], disclosure),
            ", ".join(
                f"{name} {format_count(int(count), disclosure)}"
                for name, count in (item.split("=") for item in str(row["missing_by_covariate"]).split())
            ),
        ]
        for _, row in diagnostics.iterrows()
        if row["n_missing_covariates"] > 0
    ]
    caption = "Patients left out of the adjusted models for a missing covariate (complete-case analysis)"
    return table(["Contrast", "Patients left out", "Missing, per covariate"], rows, caption, text=(0, 2))


def _flow_reason(step: str, reason: object) -> str:
    if pd.isna(reason):
        return ""
    return GROUP_LABELS.get(reason, reason) if step == "analysed" else reason_label(reason)


def _test_text(row: pd.Series) -> str:
    if row["test_detail"] == NOT_TESTED:
        return "not tested (defines the groups)"
    if pd.isna(row["test"]):
        return MISSING
    name = TEST_NAMES.get(row["test"], row["test"])
    return name if pd.isna(row["test_detail"]) else f"{name} ({row['test_detail']})"


def characteristics_table(frame: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> str:
    """Table 1 or Table 2 for people: a characteristic's levels indented under it, p once per
    characteristic (3 significant digits), SMD to 2 decimals; group sizes and n (%) cells pass
    ``disclosure`` (a small n as ``<5``)."""
    groups = list(frame.columns[2 : frame.columns.get_loc("p_value")])
    sizes = frame.loc[frame["characteristic"] == "patients", groups].iloc[0]
    header = ["Characteristic"]
    header += [f"{GROUP_LABELS.get(g, g)} (n={disclosure.count(int(sizes[g]))})" for g in groups]
    header += ["p", "SMD", "Test"]
    rows, classes = [], []
    for _, block in frame[frame["characteristic"] != "patients"].groupby("characteristic", sort=False):
        first = block.iloc[0]
        title = f"{first['label']}, {first['statistic']}"
        if pd.isna(first["level"]):
            cells = group_summaries(first, groups, disclosure)
            rows.append([title, *cells, format_p(first["p_value"]), format_number(first["smd"], 2), _test_text(first)])
            classes.append(None)
            continue
        rows.append([title, *[""] * len(groups), format_p(first["p_value"]), "", _test_text(first)])
        classes.append("header")
        for _, row in block.iterrows():
            rows.append([row["level"], *group_summaries(row, groups, disclosure), "", format_number(row["smd"], 2), ""])
            classes.append("level")
    return table(header, rows, text=(0, -1), row_classes=classes)


def characteristics_section(results: ResultsFolder, cohort: str, disclosure: Disclosure = Disclosure()) -> Section:
    anchor, title = TABLE_TITLES[cohort]
    relative = f"tables/table1_{cohort}.tsv"
    frame = results.table(relative)
    if frame is None:
        return Section(anchor, title, (not_available(relative),))
    note = paragraph(
        "Mean (SD), median (IQR) or n (%) of patients with a known value. SMD: standardised mean difference of "
        "the contrast's first group minus the second over the pooled SD (Austin 2009). p: two-sided."
    )
    return Section(anchor, title, (characteristics_table(frame, disclosure), note))
