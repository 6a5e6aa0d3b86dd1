"""The reviewer's questions, answered from this run's tables: proportional hazards, unmeasured
confounding (E-values), absolute effects at the horizon, death as a competing event, sensitivity
to weighting choices and immortal time (landmark)."""

from __future__ import annotations

import pandas as pd

from myoild.design import PAPER, StudyDesign
from myoild.disclosure import Disclosure
from myoild.labels import ENDPOINT_NAMES, GROUP_LABELS, MODEL_LABELS, contrast_label
from myoild.model_rows import estimate_text, text_of
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import format_count, format_number, format_p
from myoild.report.html import Heading, Section, details, figure, not_available, paragraph, table

PH_ALPHA = 0.05


def ph_flag(ph_tests: pd.DataFrame | None, row: pd.Series) -> str:
    """``PH p = 0.012`` when the model's proportional-hazards test rejects at 5%, else empty."""
    if ph_tests is None:
        return ""
    match = ph_tests[
        (ph_tests["contrast"] == row["contrast"])
        & (ph_tests["endpoint"] == row["endpoint"])
        & (ph_tests["model"] == row["model"])
    ]
    if match.empty or pd.isna(match["p_value"].iloc[0]) or match["p_value"].iloc[0] >= PH_ALPHA:
        return ""
    return f"proportional hazards doubtful (cox.zph p = {format_p(match['p_value'].iloc[0])})"


def _ph_blocks(results: ResultsFolder, design: StudyDesign) -> list:
    tests = results.table("tables/ph_tests.tsv")
    blocks: list = [Heading("proportional-hazards", "Proportional hazards")]
    if tests is None:
        return blocks + [not_available("tables/ph_tests.tsv")]
    rows = [
        [
            contrast_label(row["contrast"]),
            ENDPOINT_NAMES.get(row["endpoint"], row["endpoint"]),
            MODEL_LABELS.get(row["model"], row["model"]),
            format_number(row["chisq"], 2),
            format_p(row["p_value"]),
            text_of(row["note"]) or ("p < 0.05" if row["p_value"] < PH_ALPHA else ""),
        ]
        for _, row in tests.iterrows()
    ]
    header = ["Contrast", "Endpoint", "Model", "Chi-square (1 df)", "p", "Note"]
    caption = (
        f"Scaled Schoenfeld residuals of the IPTW Cox models of {contrast_label(design.main_contrast).lower()} against time "
        "(Kaplan-Meier scale), with a 4-df spline smooth and +-2 SE; dashed: the fitted log HR."
    )
    return blocks + [
        table(header, rows, "Test of proportional hazards (R cox.zph, transform = \"km\")", text=(0, 1, 2, 5)),
        paragraph(
            "A small p means the hazard ratio changes over follow-up: the single HR is then an average over time "
            "and the curves below say how it changes."
        ),
        figure(results.figure("schoenfeld"), "schoenfeld", caption),
    ]


def _evalue_sentences(models: pd.DataFrame, design: StudyDesign) -> list[str]:
    """A sentence per main IPTW hazard ratio (VanderWeele & Ding 2017)."""
    main = models[(models["contrast"] == design.main_contrast) & (models["model"] == "cox_iptw") & (models["ci_method"] == "robust")]
    sentences = []
    for _, row in main.iterrows():
        endpoint = ENDPOINT_NAMES.get(row["endpoint"], row["endpoint"])
        if pd.isna(row["e_value"]):
            sentences.append(f"{endpoint}: no E-value, the hazard ratio is {estimate_text(row)}.")
            continue
        rare = "rare (under 15% in both arms), so RR = HR" if row["outcome_rare"] else "common, so HR was converted to RR"
        sentences.append(
            f"{endpoint}: HR {estimate_text(row)}; an unmeasured confounder associated with both treatment and "
            f"{endpoint.lower()} by a risk ratio of {format_number(row['e_value'], 2)} each could explain the estimate "
            f"away, and one of {format_number(row['e_value_ci'], 2)} could move the CI to include 1 "
            f"(outcome {rare})."
        )
    return sentences


def absolute_sentences(absolute: pd.DataFrame, design: StudyDesign = PAPER) -> list[str]:
    """``Death, IPTW: 12-month survival 92.9% vs 78.9%, difference 14.0 points (5.3 to 22.6); ...``"""
    sentences = []
    main = absolute[(absolute["contrast"] == design.main_contrast) & absolute["weighted"].astype(bool)]
    for endpoint, rows in main.groupby("endpoint", sort=False):
        survival = rows[rows["measure"] == "survival"].reset_index(drop=True)
        rmst = rows[rows["measure"] == "rmst"].reset_index(drop=True)
        if len(survival) != 3 or len(rmst) != 3:
            continue
        first, second, difference = (survival.loc[i] for i in range(3))
        horizon = int(first["horizon_days"])
        sentences.append(
            f"{ENDPOINT_NAMES.get(endpoint, endpoint)} (IPTW): {horizon}-day event-free probability "
            f"{format_number(100 * first['estimate'])}% with {GROUP_LABELS.get(first['group'], first['group']).lower()} "
            f"vs {format_number(100 * second['estimate'])}% with {GROUP_LABELS.get(second['group'], second['group']).lower()}, "
            f"difference {format_number(100 * difference['estimate'])} points "
            f"(95% CI {format_number(100 * difference['ci_low'])} to {format_number(100 * difference['ci_high'])}); "
            f"restricted mean event-free time {format_number(rmst.loc[0, 'estimate'])} vs "
            f"{format_number(rmst.loc[1, 'estimate'])} days, difference {format_number(rmst.loc[2, 'estimate'])} days"
            + (
                f" (bootstrap 95% CI {format_number(rmst.loc[2, 'ci_low'])} to {format_number(rmst.loc[2, 'ci_high'])})."
                if pd.notna(rmst.loc[2, "ci_low"])
                else " (no bootstrap interval)."
            )
        )
    return sentences


def _absolute_blocks(results: ResultsFolder, models: pd.DataFrame | None, design: StudyDesign) -> list:
    absolute = results.table("tables/absolute_effects.tsv")
    blocks: list = [Heading("absolute-effects", "Absolute effects and E-values")]
    if absolute is None:
        blocks.append(not_available("tables/absolute_effects.tsv"))
    else:
        blocks += [paragraph(sentence) for sentence in absolute_sentences(absolute, design)]
        rows = [
            [
                contrast_label(row["contrast"]),
                ENDPOINT_NAMES.get(row["endpoint"], row["endpoint"]),
                "IPTW" if row["weighted"] else "unweighted",
                "event-free probability" if row["measure"] == "survival" else "RMST (days)",
                GROUP_LABELS.get(row["group"], row["group"]),
                format_number(row["estimate"], 3 if row["measure"] == "survival" else 1),
                format_number(row["se"], 3 if row["measure"] == "survival" else 1),
                f"{format_number(row['ci_low'], 3 if row['measure'] == 'survival' else 1)} to "
                f"{format_number(row['ci_high'], 3 if row['measure'] == 'survival' else 1)}",
            ]
            for _, row in absolute.iterrows()
        ]
        header = ["Contrast", "Endpoint", "Weighting", "Measure", "Group", "Estimate", "SE", "95% CI"]
        blocks.append(details("Every absolute effect (table)", table(header, rows, text=(0, 1, 2, 3, 4, 7))))
        blocks.append(
            paragraph(
                "Event-free probability at the horizon: Kaplan-Meier (IJ SE for IPTW weights, as R survfit); the "
                "difference has SE sqrt(se1^2 + se0^2) and a Wald CI. RMST: area under the curve to the horizon (R "
                "survfit rmean); its SE and CI come from the bootstrap replicates (empty without bootstrap replicates)."
            )
        )
    if models is not None and "e_value" in models:
        blocks += [paragraph(sentence) for sentence in _evalue_sentences(models, design)]
        blocks.append(
            paragraph(
                "E-values (VanderWeele & Ding 2017, R EValue::evalues.HR) for every hazard ratio are in "
                "tables/survival_models.tsv (e_value, e_value_ci, outcome_rare)."
            )
        )
    return blocks


def _competing_blocks(results: ResultsFolder, models: pd.DataFrame | None) -> list:
    blocks: list = [Heading("competing-risks", "Death as a competing event for relapse")]
    curves = results.table("tables/competing_risks.tsv")
    if curves is None:
        return blocks + [not_available("tables/competing_risks.tsv")]
    caption = (
        "Cumulative incidence of relapse (solid) and of death before relapse (dashed), Aalen-Johansen, per arm, "
        "one panel per contrast (IPTW-weighted where the contrast is weighted)."
    )
    blocks.append(figure(results.figure("competing_risks"), "competing_risks", caption))
    if models is not None:
        fine_gray = models[models["model"].isin(["fine_gray_iptw", "fine_gray_unadjusted"])]
        rows = [
            [
                contrast_label(row["contrast"]),
                MODEL_LABELS.get(row["model"], row["model"]),
                estimate_text(row),
                format_p(row["p_value"]),
            ]
            for _, row in fine_gray.iterrows()
        ]
        blocks.append(
            table(["Contrast", "Model", "Subdistribution HR (95% CI)", "p"], rows, "Fine-Gray models of relapse", text=(0, 1, 2))
        )
    return blocks


def _sensitivity_blocks(
    results: ResultsFolder, models: pd.DataFrame | None, disclosure: Disclosure, design: StudyDesign
) -> list:
    blocks: list = [Heading("sensitivity", "Sensitivity to the weighting choices")]
    grid = results.table("tables/sensitivity.tsv")
    if grid is None:
        return blocks + [not_available("tables/sensitivity.tsv")]
    caption = (
        f"Hazard ratios of {contrast_label(design.main_contrast).lower()} under each estimand (ATE, ATT, overlap), weight truncation "
        "or trimming (Crump et al. 2009) and ties method; highlighted: the configured analysis."
    )
    estimable = grid["hr"].dropna()
    if len(estimable):
        blocks.append(
            paragraph(
                f"Across the {len(grid)} cells of the grid the hazard ratio ranges from {format_number(estimable.min(), 3)} "
                f"to {format_number(estimable.max(), 3)}"
                + (f"; {grid['hr'].isna().sum()} cells are not estimable (see their notes)." if grid["hr"].isna().any() else ".")
            )
        )
    blocks.append(figure(results.figure("sensitivity"), "sensitivity", caption))
    if models is not None:
        landmark = models[models["model"] == "cox_iptw_landmark"]
        rows = [
            [
                contrast_label(row["contrast"]),
                ENDPOINT_NAMES.get(row["endpoint"], row["endpoint"]),
                format_count(row["n"], disclosure),
                estimate_text(row),
                text_of(row["note"]),
            ]
            for _, row in landmark.iterrows()
        ]
        blocks.append(Heading("landmark", "Immortal time: landmark at the end of the treatment-start window"))
        blocks.append(
            paragraph(
                "The groups are defined by the drugs started within the treatment-start window (study."
                "treatment_window_days), so a patient must survive long enough to receive a second drug to leave a "
                "group. The landmark analysis keeps the patients still at risk at the end of that window (the day is "
                "in each row's note), counts time from then, refits the propensity model on them and fits the IPTW "
                "Cox model (ATE weights, robust CI)."
            )
        )
        blocks.append(table(["Contrast", "Endpoint", "n", "HR (95% CI)", "Note"], rows, text=(0, 1, 3, 4)))
    return blocks


def reviewer_section(
    results: ResultsFolder, disclosure: Disclosure = Disclosure(), design: StudyDesign = PAPER
) -> Section:
    models = results.table("tables/survival_models.tsv")
    blocks = (
        _ph_blocks(results, design)
        + _absolute_blocks(results, models, design)
        + _competing_blocks(results, models)
        + _sensitivity_blocks(results, models, disclosure, design)
    )
    return Section("reviewer-analyses", "Reviewer analyses", tuple(blocks))
