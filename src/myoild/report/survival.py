"""Sections on the retrospective comparison: propensity scores and balance, hazard ratios with the
forest plot and the bootstrap, Kaplan-Meier curves with numbers at risk."""

from __future__ import annotations

import pandas as pd

from myoild.contract import PROSP_CONTRAST, RETRO_CONTRASTS
from myoild.figures.forest import CI_METHOD_LABELS, ENDPOINT_NAMES, MODEL_LABELS, contrast_label, ordered_models
from myoild.figures.style import GROUP_LABELS
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import MISSING, format_count, format_hr_ci, format_number, format_p
from myoild.report.html import Heading, Section, details, figure, not_available, paragraph, slug, table

CONTRASTS = RETRO_CONTRASTS + (PROSP_CONTRAST,)


def _diagnostics_rows(diagnostics: pd.DataFrame, balance: pd.DataFrame | None) -> list[list[str]]:
    rows = []
    for _, row in diagnostics.iterrows():
        worst = [MISSING, MISSING]
        if balance is not None:
            own = balance[balance["contrast"] == row["contrast"]]
            worst = [format_number(own[column].abs().max(), 3) for column in ("smd_unweighted", "smd_weighted")]
        rows.append([
            contrast_label(row["contrast"]), format_count(row["n_treated"]), format_count(row["n_control"]),
            format_count(row["n_missing_covariates"]), format_number(row["ess_treated"]),
            format_number(row["ess_control"]), f"{format_number(row['ps_min'], 3)}–{format_number(row['ps_max'], 3)}",
            format_number(row["weight_max"], 2), *worst, "" if pd.isna(row["warnings"]) else row["warnings"],
        ])  # fmt: skip
    return rows


def propensity_section(results: ResultsFolder) -> Section:
    blocks: list = [
        figure(results.figure("ps_overlap"), "ps_overlap",
               "Propensity score overlap. Distribution of the estimated probability of tacrolimus by arm, per contrast."),
        figure(results.figure("balance"), "balance",
               "Covariate balance. Absolute standardised mean differences before (open) and after (filled) IPTW; "
               "dashed line at 0.1."),
    ]  # fmt: skip
    diagnostics = results.table("tables/weight_diagnostics.tsv")
    balance = results.table("tables/balance.tsv")
    if diagnostics is None:
        blocks.append(not_available("tables/weight_diagnostics.tsv"))
    else:
        header = ["Contrast", "Treated", "Control", "Missing covariates", "ESS treated", "ESS control", "PS range",
                  "Max weight", "Max |SMD| before", "Max |SMD| after", "Warnings"]  # fmt: skip
        blocks.append(table(header, _diagnostics_rows(diagnostics, balance), "Weights: diagnostics per contrast"))
        blocks.append(paragraph("ESS: Kish effective sample size, (sum w)^2 / sum w^2, per arm."))
    if balance is None:
        blocks.append(not_available("tables/balance.tsv"))
    else:
        rows = [
            [contrast_label(r.contrast), r.covariate, *(format_number(v, 3) for v in (
                r.smd_unweighted, r.smd_weighted, r.mean_treated_w, r.mean_control_w))]
            for r in balance.itertuples(index=False)
        ]  # fmt: skip
        header = ["Contrast", "Covariate (level)", "SMD unweighted", "SMD IPTW", "Mean treated (IPTW)",
                  "Mean control (IPTW)"]  # fmt: skip
        blocks.append(details("Balance of every covariate (table)", table(header, rows, numeric_from=2)))
    return Section("propensity", "Propensity scores and balance", tuple(blocks))


def _model_rows(models: pd.DataFrame) -> list[list[str]]:
    return [
        [contrast_label(r.contrast), ENDPOINT_NAMES.get(r.endpoint, r.endpoint), MODEL_LABELS.get(r.model, r.model),
         CI_METHOD_LABELS.get(r.ci_method, r.ci_method), format_count(r.n), format_count(r.events),
         format_hr_ci(r.hr, r.ci_low, r.ci_high), format_p(r.p_value), format_p(r.logrank_p)]
        for r in ordered_models(models).itertuples(index=False)
    ]  # fmt: skip


def _bootstrap_blocks(bootstrap: pd.DataFrame | None, models: pd.DataFrame | None) -> list:
    has_rows = models is not None and (models["ci_method"] == "bootstrap_percentile").any()
    if bootstrap is None:
        note = "Bootstrap: not run (tables/bootstrap.tsv is absent)."
        if has_rows:
            note = "Bootstrap: percentile CIs are in the table above; tables/bootstrap.tsv is absent."
        return [paragraph(note, "note")]
    rows = [
        [contrast_label(r.contrast), ENDPOINT_NAMES.get(r.endpoint, r.endpoint), format_count(r.replicates),
         format_hr_ci(r.hr, r.ci_low, r.ci_high), str(r.seed)]
        for r in bootstrap.itertuples(index=False)
    ]  # fmt: skip
    header = ["Contrast", "Endpoint", "Replicates", "HR (95% percentile CI)", "Seed"]
    return [table(header, rows, "Bootstrap of the IPTW hazard ratio", numeric_from=2)]


def hazard_ratio_section(results: ResultsFolder) -> Section:
    models = results.table("tables/survival_models.tsv")
    blocks: list = [Heading("hazard-ratio-table", "Every hazard ratio")]
    if models is None:
        blocks.append(not_available("tables/survival_models.tsv"))
    else:
        header = ["Contrast", "Endpoint", "Model", "CI", "n", "Events", "HR (95% CI)", "p", "Log-rank / score p"]
        blocks.append(table(header, _model_rows(models), numeric_from=4))
        blocks.append(paragraph(
            "HR < 1 favours the contrast's first group. Log-rank / score p: for IPTW models the robust score test "
            "of the weighted Cox model (R summary(coxph)$robscore), for unadjusted models the log-rank test."))  # fmt: skip
    blocks += [
        Heading("forest-plot", "Forest plot"),
        figure(results.figure("forest"), "forest",
               "Forest plot. Every hazard ratio with its 95% CI on a log axis; the line marks HR = 1."),
        Heading("bootstrap", "Bootstrap"),
        *_bootstrap_blocks(results.table("tables/bootstrap.tsv"), models),
    ]  # fmt: skip
    return Section("hazard-ratios", "Hazard ratios", tuple(blocks))


def at_risk_table(at_risk: pd.DataFrame, contrast: str) -> str:
    """Numbers at risk per endpoint and arm: whole patients, the IPTW weighted sum in parentheses."""
    rows_of = at_risk[at_risk["contrast"] == contrast]
    days = sorted(rows_of["time_days"].unique())
    rows = []
    for (endpoint, group), block in rows_of.groupby(["endpoint", "group"], sort=False):
        by_day = block.set_index("time_days")
        cells = []
        for day in days:
            n, weighted = by_day.loc[day, "n_risk"], by_day.loc[day, "n_risk_weighted"]
            cells.append(format_count(n) + ("" if pd.isna(weighted) else f" ({format_number(weighted)})"))
        rows.append([ENDPOINT_NAMES.get(endpoint, endpoint), GROUP_LABELS.get(group, group), *cells])
    weighted = rows_of["n_risk_weighted"].notna().any()
    caption = "Numbers at risk: patients" + (" (sum of IPTW weights)" if weighted else "")
    return table(["Endpoint", "Group", *(f"Day {day}" for day in days)], rows, caption, numeric_from=2)


def km_section(results: ResultsFolder) -> Section:
    at_risk = results.table("tables/km_at_risk.tsv")
    blocks: list = []
    for contrast in CONTRASTS:
        panels = [f"km_{contrast}_{weighting}" for weighting in ("weighted", "unweighted")]
        present = [name for name in panels if results.figure(name) is not None]
        in_table = at_risk is not None and (at_risk["contrast"] == contrast).any()
        if not present and not in_table:
            continue
        blocks.append(Heading(f"km-{slug(contrast)}", f"Kaplan-Meier: {contrast_label(contrast)}"))
        for name in present:
            kind = "IPTW-weighted" if name.endswith("_weighted") else "Unweighted"
            blocks.append(figure(results.figure(name), name,
                                 f"{kind} Kaplan-Meier curves with 95% bands, {contrast_label(contrast)}; "
                                 "numbers at risk below the axis (weighted sums in parentheses)."))  # fmt: skip
        if in_table:
            blocks.append(at_risk_table(at_risk, contrast))
    if not blocks:
        blocks.append(not_available("tables/km_at_risk.tsv"))
    return Section("kaplan-meier", "Kaplan-Meier curves", tuple(blocks))
