"""The headline: the main IPTW hazard ratios next to the paper's, and what the input was."""

from __future__ import annotations

import pandas as pd

from myoild.design import PAPER, StudyDesign
from myoild.disclosure import Disclosure
from myoild.labels import ENDPOINT_NAMES, contrast_label
from myoild.model_rows import estimate_text, has_warnings, text_of
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import MISSING, format_count, format_hr_ci, format_p, p_statement
from myoild.report.html import Markup, Section, escape, not_available, paragraph, table
from myoild.report.reviewer import absolute_sentences

#: Paper, Results (retrospective cohort) and Figure 1A-B: weighted HR, robust 95% CI, p.
PAPER_MAIN_RESULTS = {
    "death": (0.330, 0.161, 0.675, "0.002"),
    "relapse": (0.548, 0.368, 0.816, "0.003"),
}


def main_results(models: pd.DataFrame, design: StudyDesign = PAPER) -> dict[str, pd.Series | None]:
    """The IPTW Cox row with robust CI of the ``design``'s main contrast (tacrolimus vs conventional)
    for death and relapse."""
    chosen = models[
        (models["contrast"] == design.main_contrast) & (models["model"] == "cox_iptw") & (models["ci_method"] == "robust")
    ]
    rows = {}
    for endpoint in PAPER_MAIN_RESULTS:
        match = chosen[chosen["endpoint"] == endpoint]
        rows[endpoint] = match.iloc[0] if len(match) else None
    return rows


def _hr_text(row: pd.Series) -> str:
    """The HR with its CI, ``not estimable: <reason>``, and the failed diagnostics if any."""
    text = estimate_text(row)
    if has_warnings(row):
        text += f" [caution: {text_of(row['warnings'])}]"
    return text


def compares_with_paper(design: StudyDesign) -> bool:
    """The paper's figures are a reference only for its own design (drugs, windows, thresholds)."""
    return design == PAPER


def headline_sentence(rows: dict[str, pd.Series | None], design: StudyDesign = PAPER) -> str:
    """``Death: HR 0.628 (0.319–1.237), p = 0.178 (paper: 0.330 (0.161–0.675), p = 0.002); ...``
    (the paper's figures only where ``compares_with_paper``)."""
    parts = []
    for endpoint, (hr, low, high, p) in PAPER_MAIN_RESULTS.items():
        row = rows[endpoint]
        if row is None:
            ours = "not estimated"
        elif pd.isna(row["hr"]):
            ours = _hr_text(row)
        else:
            ours = f"HR {_hr_text(row)}, {p_statement(row['p_value'])}"
        paper = f" (paper: {format_hr_ci(hr, low, high)}, p = {p})" if compares_with_paper(design) else ""
        parts.append(f"{ENDPOINT_NAMES[endpoint]}: {ours}{paper}")
    return (
        f"{contrast_label(design.main_contrast)} immunosuppressants, retrospective cohort, IPTW-weighted Cox model "
        "with robust 95% CI. " + "; ".join(parts) + "."
    )


def input_statement(config: dict) -> str:
    """Which data the run analysed; the built-in synthetic cohort is said to be synthetic."""
    if not config.get("input_dir"):
        synthetic = config.get("synthetic", {})
        return (
            "Input: the built-in SYNTHETIC cohort (config input_dir is empty), generated from the paper's "
            f"published summaries (seed {synthetic.get('seed', 'default')}, "
            f"{synthetic.get('n_retrospective', 'default')} retrospective patients eligible, "
            f"{synthetic.get('n_prospective', 'default')} prospective patients enrolled). It holds no patient "
            "data: its results show what the pipeline recovers, not a re-analysis of the paper's patients."
        )
    return "Input: the raw tables of the configured input folder (checksums under Validation notes)."


def summary_section(
    results: ResultsFolder, config: dict, disclosure: Disclosure = Disclosure(), design: StudyDesign = PAPER
) -> Section:
    note = paragraph(input_statement(config), "note")
    models = results.table("tables/survival_models.tsv")
    if models is None:
        return Section("summary", "Summary", (note, not_available("tables/survival_models.tsv")))
    rows = main_results(models, design)
    headline = Markup(f'<div class="headline"><p>{escape(headline_sentence(rows, design))}</p></div>\n')
    with_paper = compares_with_paper(design)
    table_rows = []
    for endpoint, (hr, low, high, p) in PAPER_MAIN_RESULTS.items():
        row = rows[endpoint]
        if row is None:
            ours = [MISSING] * 3
        else:
            ours = [_hr_text(row), format_p(row["p_value"]), format_count(row["events"], disclosure)]
        table_rows.append([ENDPOINT_NAMES[endpoint], *ours, *((format_hr_ci(hr, low, high), p) if with_paper else ())])
    header = ["Endpoint", "This run: HR (95% CI)", "p", "Events", *(("Paper: HR (95% CI)", "Paper p") if with_paper else ())]
    caption = f"Main results: {contrast_label(design.main_contrast).lower()} (IPTW Cox)"
    comparison = table(header, table_rows, caption)
    flow = results.table("cohort/flow.tsv")
    missing = [] if flow is None else missing_cohorts(flow)
    absolute = results.table("tables/absolute_effects.tsv")
    effects = (
        [paragraph(sentence) for sentence in absolute_sentences(absolute, design)] if absolute is not None else []
    )
    gaps = [
        paragraph(
            f"This data set has no analysed {cohort} patients: the {cohort} analyses are shown as not estimable "
            "(no patients), and their tables and figures say so.",
            "note",
        )
        for cohort in missing
    ]
    return Section("summary", "Summary", (headline, note, *gaps, comparison, *effects))


def missing_cohorts(flow: pd.DataFrame) -> list[str]:
    """The cohorts of ``cohort/flow.tsv`` with no analysed patient."""
    analysed = flow[flow["step"] == "analysed"].groupby("cohort")["n"].sum()
    return [cohort for cohort in ("retrospective", "prospective") if analysed.get(cohort, 0) == 0]
