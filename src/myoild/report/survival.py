"""Sections on the retrospective comparison: propensity scores and balance, hazard ratios with the
forest plot and the bootstrap, Kaplan-Meier curves with numbers at risk."""

from __future__ import annotations

import pandas as pd

from myoild.design import PAPER, StudyDesign
from myoild.disclosure import Disclosure
from myoild.labels import CI_METHOD_LABELS, ENDPOINT_NAMES, GROUP_LABELS, MODEL_LABELS, contrast_label
from myoild.model_rows import WARNING_MARK, estimate_text, has_warnings, ordered_models, text_of
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import MISSING, format_count, format_number, format_p
from myoild.report.html import Heading, Section, details, figure, not_available, paragraph, slug, table
from myoild.report.reviewer import ph_flag

HR_NOTE = (
    "HR < 1 favours the contrast's first group. Log-rank / score p: for IPTW models the robust score test of "
    "the weighted Cox model (R summary(coxph)$robscore), for unadjusted models the log-rank test. "
    "Not estimable: no finite hazard ratio exists (e.g. no events in one arm) or its variance is degenerate; "
    f"the reason is given and no number is shown. {WARNING_MARK}: the contrast's weights fail a diagnostic "
    "(listed under Warnings); read these estimates with caution."
)


def _diagnostics_rows(diagnostics: pd.DataFrame, balance: pd.DataFrame | None, disclosure: Disclosure) -> list[list]:
    rows = []
    for _, row in diagnostics.iterrows():
        worst = [MISSING, MISSING]
        if balance is not None:
            own = balance[balance["contrast"] == row["contrast"]]
            worst = [format_number(own[column].abs().max(), 3) for column in ("smd_unweighted", "smd_weighted")]
        counts = [format_count(row[c], disclosure) for c in ("n_treated", "n_control", "n_missing_covariates")]
        ess = [format_number(row[column]) for column in ("ess_treated", "ess_control")]
        ps_range = f"{format_number(row['ps_min'], 3)}–{format_number(row['ps_max'], 3)}"
        warnings = "" if pd.isna(row["warnings"]) else row["warnings"]
        max_weight = format_number(row["weight_max"], 2)
        rows.append([contrast_label(row["contrast"]), *counts, *ess, ps_range, max_weight, *worst, warnings])
    return rows


def propensity_section(results: ResultsFolder, disclosure: Disclosure = Disclosure()) -> Section:
    overlap = (
        "Propensity score overlap. Estimated probability of each contrast's first (treated) group, by arm, one "
        "panel per contrast."
    )
    balance_caption = (
        "Covariate balance. Absolute standardised mean differences of each covariate (level) before (open) and "
        "after (filled) IPTW, one panel per contrast; dashed line at 0.1."
    )
    blocks: list = [
        figure(results.figure("ps_overlap"), "ps_overlap", overlap),
        figure(results.figure("balance"), "balance", balance_caption),
    ]
    diagnostics = results.table("tables/weight_diagnostics.tsv")
    balance = results.table("tables/balance.tsv")
    if diagnostics is None:
        blocks.append(not_available("tables/weight_diagnostics.tsv"))
    else:
        header = [
            "Contrast", "Treated", "Control", "Missing covariates", "ESS treated", "ESS control", "PS range",
            "Max weight", "Max |SMD| before", "Max |SMD| after", "Warnings",
        ]
        rows = _diagnostics_rows(diagnostics, balance, disclosure)
        blocks.append(table(header, rows, "Weights: diagnostics per contrast", text=(0, -1)))
        blocks.append(paragraph("ESS: Kish effective sample size, (sum w)^2 / sum w^2, per arm."))
    if balance is None:
        blocks.append(not_available("tables/balance.tsv"))
    else:
        columns = ["smd_unweighted", "smd_weighted", "mean_treated_w", "mean_control_w"]
        rows = [
            [contrast_label(row["contrast"]), row["covariate"], *(format_number(row[c], 3) for c in columns)]
            for _, row in balance.iterrows()
        ]
        header = [
            "Contrast", "Covariate (level)", "SMD unweighted", "SMD IPTW", "Mean treated (IPTW)", "Mean control (IPTW)"
        ]
        blocks.append(details("Balance of every covariate (table)", table(header, rows, text=(0, 1))))
    return Section("propensity", "Propensity scores and balance", tuple(blocks))


def _model_row(row: pd.Series, ph_note: str, disclosure: Disclosure) -> list[str]:
    mark = f" {WARNING_MARK}" if has_warnings(row) else ""
    return [
        contrast_label(row["contrast"]),
        ENDPOINT_NAMES.get(row["endpoint"], row["endpoint"]),
        MODEL_LABELS.get(row["model"], row["model"]),
        CI_METHOD_LABELS.get(row["ci_method"], row["ci_method"]),
        format_count(row["n"], disclosure),
        format_count(row["events"], disclosure),
        estimate_text(row) + mark,
        format_p(row["p_value"]),
        format_p(row["logrank_p"]),
        "; ".join(part for part in (text_of(row.get("warnings")), ph_note) if part),
    ]


def _failures(row: pd.Series) -> str:
    """Failed replicates with their reasons (columns the bootstrap stage may add)."""
    if pd.isna(row.get("replicates_failed")):
        return MISSING
    reasons = row.get("failure_reasons")
    count = format_count(row["replicates_failed"])
    return f"{count} ({reasons})" if isinstance(reasons, str) and reasons else count


def _bootstrap_blocks(bootstrap: pd.DataFrame | None, models: pd.DataFrame | None) -> list:
    has_rows = models is not None and (models["ci_method"] == "bootstrap_percentile").any()
    if bootstrap is None:
        note = "Bootstrap: not run (tables/bootstrap.tsv is absent)."
        if has_rows:
            note = "Bootstrap: percentile CIs are in the table above; tables/bootstrap.tsv is absent."
        return [paragraph(note, "note")]
    rows = [
        [
            contrast_label(row["contrast"]),
            ENDPOINT_NAMES.get(row["endpoint"], row["endpoint"]),
            format_count(row["replicates"]),
            _failures(row),
            estimate_text(row),
            format_count(row["seed"]),
        ]
        for _, row in bootstrap.iterrows()
    ]
    header = ["Contrast", "Endpoint", "Replicates", "Failed", "HR (95% percentile CI)", "Seed"]
    return [table(header, rows, "Bootstrap of the IPTW hazard ratio", text=(0, 1, 3, 4))]


def hazard_ratio_section(results: ResultsFolder, disclosure: Disclosure = Disclosure()) -> Section:
    models = results.table("tables/survival_models.tsv")
    blocks: list = [Heading("hazard-ratio-table", "Every hazard ratio")]
    if models is None:
        blocks.append(not_available("tables/survival_models.tsv"))
    else:
        header = [
            "Contrast", "Endpoint", "Model", "CI", "n", "Events", "HR (95% CI)", "p", "Log-rank / score p", "Warnings"
        ]
        ordered = ordered_models(models)
        ph_tests = results.table("tables/ph_tests.tsv")
        rows = [_model_row(row, ph_flag(ph_tests, row), disclosure) for _, row in ordered.iterrows()]
        flagged = ["flagged" if has_warnings(row) else None for _, row in ordered.iterrows()]
        blocks.append(table(header, rows, text=(0, 1, 2, 3, 6, 9), row_classes=flagged))
        blocks.append(paragraph(HR_NOTE))
    forest = (
        "Forest plot. Every hazard ratio with its 95% CI on a log axis; the line marks HR = 1. \u2020: the contrast's "
        "weights fail a diagnostic; \u2021: not estimable, with the reason under the plot."
    )
    blocks += [
        Heading("forest-plot", "Forest plot"),
        figure(results.figure("forest"), "forest", forest),
        Heading("bootstrap", "Bootstrap"),
        *_bootstrap_blocks(results.table("tables/bootstrap.tsv"), models),
    ]
    return Section("hazard-ratios", "Hazard ratios", tuple(blocks))


def at_risk_table(at_risk: pd.DataFrame, contrast: str, disclosure: Disclosure = Disclosure()) -> str:
    """Numbers at risk per endpoint and arm: whole patients (a small number as ``<5`` under
    ``disclosure``), the IPTW weighted sum in parentheses."""
    rows_of = at_risk[at_risk["contrast"] == contrast]
    days = sorted(rows_of["time_days"].unique())
    rows = []
    for (endpoint, group), block in rows_of.groupby(["endpoint", "group"], sort=False):
        by_day = block.set_index("time_days")
        cells = []
        for day in days:
            n, weight_sum = by_day.loc[day, "n_risk"], by_day.loc[day, "n_risk_weighted"]
            weighted = "" if pd.isna(weight_sum) else f" ({format_number(weight_sum)})"
            cells.append(format_count(n, disclosure) + weighted)
        rows.append([ENDPOINT_NAMES.get(endpoint, endpoint), GROUP_LABELS.get(group, group), *cells])
    caption = "Numbers at risk: patients"
    if rows_of["n_risk_weighted"].notna().any():
        caption += " (sum of IPTW weights)"
    return table(["Endpoint", "Group", *(f"Day {day}" for day in days)], rows, caption, text=(0, 1))


def _km_panels(results: ResultsFolder, at_risk: pd.DataFrame | None, contrast: str) -> dict[str, str | None]:
    """The contrast's Kaplan-Meier figures (name: data URI, None when missing): the unweighted one
    always, the weighted one when the contrast was weighted (weighted sums at risk) or drawn."""
    uris = {f"km_{contrast}_{kind}": results.figure(f"km_{contrast}_{kind}") for kind in ("weighted", "unweighted")}
    rows = at_risk[at_risk["contrast"] == contrast] if at_risk is not None else None
    weighted = rows is not None and rows["n_risk_weighted"].notna().any()
    if not weighted and uris[f"km_{contrast}_weighted"] is None:
        del uris[f"km_{contrast}_weighted"]
    return uris


def km_section(results: ResultsFolder, disclosure: Disclosure = Disclosure(), design: StudyDesign = PAPER) -> Section:
    at_risk = results.table("tables/km_at_risk.tsv")
    blocks: list = []
    for contrast in design.contrasts:
        panels = _km_panels(results, at_risk, contrast)
        in_table = at_risk is not None and (at_risk["contrast"] == contrast).any()
        if not in_table and all(uri is None for uri in panels.values()):
            continue
        blocks.append(Heading(f"km-{slug(contrast)}", f"Kaplan-Meier: {contrast_label(contrast)}"))
        for name, uri in panels.items():
            kind = "IPTW-weighted" if name.endswith("_weighted") else "Unweighted"
            caption = (
                f"{kind} Kaplan-Meier curves with 95% bands and censoring marks (+), {contrast_label(contrast)}, "
                "one panel per endpoint, with the hazard ratio and its test; numbers at risk of each arm below the "
                "axis (on weighted curves the sum of weights in parentheses)."
            )
            blocks.append(figure(uri, name, caption))
        if in_table:
            blocks.append(at_risk_table(at_risk, contrast, disclosure))
    if not blocks:
        blocks.append(not_available("tables/km_at_risk.tsv"))
    return Section("kaplan-meier", "Kaplan-Meier curves", tuple(blocks))
