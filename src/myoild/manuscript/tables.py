"""The manuscript's tables from the finished machine tables (RESULTS_CONTRACT.md):

- Table 1 and Table 2, baseline characteristics (``tables/table1_<cohort>.tsv``): the group
  summaries as the table gives them, p by the journal's rules with a footnote letter naming its
  test, SMD to two decimals;
- the hazard ratios (``tables/survival_models.tsv``): one row per contrast, endpoint and model,
  with its main CI (robust or model-based), the bootstrap percentile CI where the bootstrap ran,
  the E-value and, for the Cox models, the absolute effects of ``tables/absolute_effects.tsv``; a
  row without an estimate shows ``not estimable`` and the reason its note gives; a row whose
  weights fail a diagnostic (``warnings``) gets a footnote letter with the failures;
- adverse events by category (``tables/adverse_events.tsv``), a table per cohort.

Counts of patients and their events pass the run's ``Disclosure`` (config ``report.min_cell_count``:
a small count shown as ``<5``, with a footnote saying so).

Numbers follow ``myoild.manuscript.journal``; abbreviations are spelt out in each table's footnotes.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from myoild.contract import COHORTS
from myoild.contrasts import contrast_groups
from myoild.design import PAPER, StudyDesign
from myoild.disclosure import Disclosure
from myoild.labels import CATEGORY_LABELS, ENDPOINT_NAMES, GROUP_LABELS, MODEL_LABELS, contrast_label
from myoild.manuscript.journal import (
    abbreviation_footnote,
    format_difference,
    format_hr,
    format_hr_ci,
    format_interval,
    format_p,
    format_percent,
    format_smd,
    journal_units,
)
from myoild.manuscript.layout import Cell, Footnote, FootnoteMarks, ManuscriptTable, Row, heading, row
from myoild.model_rows import ordered_models, text_of
from myoild.report.formatting import MISSING, format_count
from myoild.tables import test_rule_sentence
from myoild.tables.summaries import NOT_AVAILABLE
from myoild.tables.table1 import group_summaries

TEST_NAMES = {
    "t_test": "Student's t-test",
    "mann_whitney": "Mann-Whitney U test",
    "chi_square": "Pearson's chi-square test",
    "fisher_exact": "Fisher's exact test",
}
BOOTSTRAP = "bootstrap_percentile"
CI_WORDS = {
    "robust": "robust (sandwich) variance clustered on patient",
    "model": "model-based variance",
    BOOTSTRAP: "bootstrap percentile interval",
}
MODEL_NOTES = {
    "fine_gray_iptw": "Fine-Gray subdistribution HR of relapse, with death before relapse as a competing event.",
    "fine_gray_unadjusted": "Fine-Gray subdistribution HR of relapse, with death before relapse as a competing event.",
    "cox_iptw_landmark": "Landmark analysis: the patients still at risk at the end of the treatment-start window, "
    "time counted from then, the propensity model refitted on them.",
}
#: The absolute effects that go with a model's row: IPTW-weighted or not.
ABSOLUTE_WEIGHTING = {"cox_iptw": True, "cox_unadjusted": False}
NOT_ESTIMABLE = "not estimable"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _text(value) -> str:
    """A summary cell of Table 1/2, with one sign for "nothing to show" across the tables."""
    return MISSING if pd.isna(value) or value == NOT_AVAILABLE else str(value)


def _finished(
    name: str, title: str, header, rows: list[Row], marks: FootnoteMarks, notes: list[str], landscape: bool = False
) -> ManuscriptTable:
    """The table with its footnotes: the marked ones, then ``notes`` (empty ones left out), then the
    abbreviations it uses."""
    notes = [note for note in notes if note]
    table = ManuscriptTable(name, title, tuple(header), tuple(rows), landscape=landscape)
    marked = marks.footnotes()
    abbreviations = abbreviation_footnote(table.texts() + notes + [footnote.text for footnote in marked])
    footnotes = (*marked, *(Footnote(note) for note in notes), *([Footnote(abbreviations)] if abbreviations else []))
    return replace(table, footnotes=footnotes)


def _p_cell(line: pd.Series, marks: FootnoteMarks) -> Cell:
    """The p-value with a mark naming its test, or ``–`` with a mark saying why there is none."""
    if pd.notna(line["p_value"]):
        return Cell(format_p(line["p_value"]), marks.mark(_sentence(TEST_NAMES.get(line["test"], str(line["test"])))))
    detail = text_of(line["test_detail"])
    return Cell(MISSING, marks.mark(_sentence(detail)) if detail else "")


def characteristics_table(
    table: pd.DataFrame,
    cohort: str,
    name: str,
    categorical_test: str = "auto",
    continuous_test: str = "by_statistic",
    disclosure: Disclosure = Disclosure(),
    design: StudyDesign = PAPER,
) -> ManuscriptTable:
    """Table 1 (retrospective) or Table 2 (prospective) from ``tables/table1_<cohort>.tsv``, made
    with the test rules ``categorical_test`` and ``continuous_test`` (config ``tables``); the SMD
    note names the study ``design``'s treated group."""
    groups = list(table.columns[2 : table.columns.get_loc("p_value")])
    sizes = table.loc[table["characteristic"] == "patients", groups].iloc[0]
    labels = (f"{GROUP_LABELS.get(g, g)} (n = {disclosure.count(int(sizes[g]))})" for g in groups)
    header = ("Characteristic", *labels, "p", "SMD")
    marks = FootnoteMarks()
    rows: list[Row] = []
    for _, block in table[table["characteristic"] != "patients"].groupby("characteristic", sort=False):
        first = block.iloc[0]
        title = f"{journal_units(first['label'])}, {first['statistic']}"
        if pd.isna(first["level"]):
            cells = (_text(value) for value in group_summaries(first, groups, disclosure))
            rows.append(row(title, *cells, _p_cell(first, marks), format_smd(first["smd"])))
            continue
        rows.append(row(title, *([""] * len(groups)), _p_cell(first, marks), ""))
        for _, level in block.iterrows():
            cells = (_text(value) for value in group_summaries(level, groups, disclosure))
            rows.append(row(str(level["level"]), *cells, "", format_smd(level["smd"]), indent=True))
    treated = design.treated_group[cohort]
    control = next(group for group in groups if group != treated)
    notes = [
        "Values are n (%), mean (SD) or median (IQR); percentages of the patients with a known value.",
        f"SMD: ({GROUP_LABELS.get(treated, treated)} - {GROUP_LABELS.get(control, control).lower()}) / pooled SD "
        "(Austin 2009).",
        f"Tests: {test_rule_sentence(categorical_test, continuous_test)}",
        disclosure.note,
    ]
    title = f"Baseline characteristics of the {cohort} cohort by treatment group"
    return _finished(name, title, header, rows, marks, notes)


def not_estimable_text(line: pd.Series) -> str:
    """``not estimable: <reason>`` from a model row's note (which may say more before it)."""
    note = text_of(line.get("note"))
    start = note.find(NOT_ESTIMABLE)
    if start >= 0:
        return note[start:]
    return f"{NOT_ESTIMABLE} ({note})" if note else NOT_ESTIMABLE


def _main_and_bootstrap_rows(models: pd.DataFrame) -> tuple[pd.DataFrame, dict[tuple, pd.Series]]:
    """The rows shown (each model's robust or model-based CI row; a bootstrap row only when its model
    has no other) and the bootstrap rows by (contrast, endpoint, model)."""
    ordered = ordered_models(models)
    keys = list(zip(ordered["contrast"], ordered["endpoint"], ordered["model"]))
    is_bootstrap = (ordered["ci_method"] == BOOTSTRAP).to_numpy()
    main_keys = {key for key, bootstrap in zip(keys, is_bootstrap) if not bootstrap}
    twinned = [bootstrap and key in main_keys for key, bootstrap in zip(keys, is_bootstrap)]
    bootstrap_rows = {keys[i]: ordered.iloc[i] for i, twin in enumerate(twinned) if twin}
    return ordered[[not twin for twin in twinned]].reset_index(drop=True), bootstrap_rows


def _absolute_cells(absolute: pd.DataFrame | None, line: pd.Series) -> list[str]:
    """Event-free probability of each arm, its difference, and the RMST difference, for a Cox row."""
    weighted = ABSOLUTE_WEIGHTING.get(line["model"])
    if absolute is None or weighted is None:
        return [MISSING] * 3
    rows_of = absolute[
        (absolute["contrast"] == line["contrast"])
        & (absolute["endpoint"] == line["endpoint"])
        & (absolute["weighted"].astype(bool) == weighted)
    ]
    by = {(r["measure"], r["group"]): r for _, r in rows_of.iterrows()}
    first, second = contrast_groups(line["contrast"])
    survival = [by.get(("survival", group)) for group in (first, second, "difference")]
    rmst = by.get(("rmst", "difference"))
    cells = [MISSING] * 3
    if survival[0] is not None and survival[1] is not None:
        cells[0] = f"{format_percent(100 * survival[0]['estimate'])} vs {format_percent(100 * survival[1]['estimate'])}"
    if survival[2] is not None:
        cells[1] = format_difference(*(100 * survival[2][c] for c in ("estimate", "ci_low", "ci_high")))
    if rmst is not None:
        cells[2] = format_difference(rmst["estimate"], rmst["ci_low"], rmst["ci_high"])
    return cells


def _hr_cells(line: pd.Series, marks: FootnoteMarks) -> tuple[Cell, str]:
    warnings = text_of(line.get("warnings"))
    mark = marks.mark(f"The weights fail a diagnostic; read with caution: {warnings}.") if warnings else ""
    if pd.isna(line["hr"]):
        return Cell(not_estimable_text(line), mark), MISSING
    return Cell(format_hr_ci(line["hr"], line["ci_low"], line["ci_high"]), mark), format_p(line["p_value"])


def _bootstrap_cell(line: pd.Series | None, marks: FootnoteMarks) -> Cell:
    if line is None:
        return Cell(MISSING)
    if pd.isna(line["ci_low"]) or pd.isna(line["ci_high"]):
        note = text_of(line.get("note"))
        return Cell(NOT_ESTIMABLE, marks.mark(_sentence(note)) if note else "")
    return Cell(format_interval(line["ci_low"], line["ci_high"]))


def _model_label(model: str) -> str:
    label = MODEL_LABELS.get(model, model)
    return label[:1].upper() + label[1:]


def hazard_ratio_table(
    models: pd.DataFrame,
    absolute: pd.DataFrame | None,
    name: str,
    bootstrap_level: float = 0.95,
    disclosure: Disclosure = Disclosure(),
) -> ManuscriptTable:
    """The hazard-ratio table (module docstring) from ``tables/survival_models.tsv`` and, where
    present, ``tables/absolute_effects.tsv``; ``bootstrap_level``: the coverage of the bootstrap
    intervals (config ``bootstrap.conf_level``)."""
    level = f"{100 * bootstrap_level:g}%"
    shown, bootstrap = _main_and_bootstrap_rows(models)
    with_bootstrap = bool(bootstrap)
    with_evalues = "e_value" in shown.columns
    with_absolute = absolute is not None and len(absolute) > 0
    horizon = format_count(absolute["horizon_days"].iloc[0]) if with_absolute else ""
    header = ["Endpoint", "Model", "Events/n", "HR (95% CI)", "p"]
    header += [f"Bootstrap {level} CI"] if with_bootstrap else []
    header += ["E-value (CI)"] if with_evalues else []
    if with_absolute:
        header += [
            f"Event-free at day {horizon}, %",
            "Difference, % points (95% CI)",
            f"RMST difference to day {horizon}, days ({level} CI)",
        ]
    marks = FootnoteMarks()
    rows: list[Row] = []
    contrast = None
    for _, line in shown.iterrows():
        if line["contrast"] != contrast:
            contrast = line["contrast"]
            rows.append(heading(contrast_label(contrast)))
        model_note = MODEL_NOTES.get(line["model"])
        hr, p = _hr_cells(line, marks)
        cells = [
            ENDPOINT_NAMES.get(line["endpoint"], line["endpoint"]),
            Cell(_model_label(line["model"]), marks.mark(model_note) if model_note else ""),
            f"{format_count(line['events'], disclosure)}/{format_count(line['n'], disclosure)}",
            hr,
            p,
        ]
        if with_bootstrap:
            cells.append(_bootstrap_cell(bootstrap.get((line["contrast"], line["endpoint"], line["model"])), marks))
        if with_evalues:
            evalue = line["e_value"]
            cells.append(MISSING if pd.isna(evalue) else f"{format_hr(evalue)} ({format_hr(line['e_value_ci'])})")
        if with_absolute:
            cells += _absolute_cells(absolute, line)
        rows.append(row(*cells))

    by_method: dict[str, list[str]] = {}
    for _, line in shown.iterrows():
        labels = by_method.setdefault(line["ci_method"], [])
        label = MODEL_LABELS.get(line["model"], line["model"])
        if label not in labels:
            labels.append(label)
    notes = [
        "HR < 1 favours the first group of the contrast. Cox and Fine-Gray models of the treatment alone; 95% CI and "
        "Wald p from "
        + "; ".join(f"{CI_WORDS.get(method, method)} ({' / '.join(labels)})" for method, labels in by_method.items())
        + "."
    ]
    if shown["hr"].isna().any():
        notes.append("Not estimable: no finite HR exists (e.g. no events in one arm) or its variance is degenerate.")
    if with_bootstrap:
        notes.append(
            f"Bootstrap {level} CI: percentile interval of the HRs of the bootstrap replicates, each refitting the "
            "propensity model, the weights and the weighted Cox model."
        )
    if with_evalues:
        notes.append(
            "E-value (VanderWeele & Ding 2017): the risk ratio an unmeasured confounder would need with both "
            "treatment and outcome to explain the HR away; in parentheses, that for the CI limit closer to 1 (1: the "
            "CI includes 1)."
        )
    if with_absolute:
        notes.append(
            f"Absolute effects at day {horizon}, for the Cox models (IPTW-weighted for the IPTW model): Kaplan-Meier "
            "event-free probability, first vs second group, and its difference in percentage points (Wald 95% CI); "
            f"RMST difference in days (bootstrap percentile {level} CI where the bootstrap ran)."
        )
    notes.append(disclosure.note)
    title = "Hazard ratios of every contrast, endpoint and model"
    return _finished(name, title, header, rows, marks, notes, landscape=True)


def adverse_event_table(
    events: pd.DataFrame,
    cohort: str,
    name: str,
    design: StudyDesign = PAPER,
    disclosure: Disclosure = Disclosure(),
) -> ManuscriptTable:
    """Adverse events of ``cohort`` by category and group, from ``tables/adverse_events.tsv``."""
    rows_of = events[events["cohort"] == cohort]
    groups = list(dict.fromkeys(rows_of["group"]))
    at_risk = rows_of.groupby("group", sort=False)["patients_at_risk"].max()
    header = ["Category"]
    for group in groups:
        label = GROUP_LABELS.get(group, group)
        header += [
            f"{label} (n = {format_count(at_risk[group], disclosure)}): patients, n (%)",
            f"{label}: events",
            f"{label}: grade ≥3 / serious / discontinued, n",
        ]
    header.append("p")
    rows = []
    marks = FootnoteMarks()
    empty_group = (at_risk == 0).any()
    for category, block in rows_of.groupby("category", sort=False):
        # Fisher's test with an empty group compares nothing (adverse_events gives it p = 1).
        p_cell = (
            Cell(MISSING, marks.mark("Not estimable: a group has no patients at risk."))
            if empty_group
            else Cell(format_p(block["p_fisher"].iloc[0]))
        )
        by_group = block.set_index("group")
        cells = [CATEGORY_LABELS.get(category, category)]
        for group in groups:
            line = by_group.loc[group]
            severe = " / ".join(
                format_count(line[c], disclosure) for c in ("grade3plus", "serious", "led_to_discontinuation")
            )
            with_event = line["patients_with_event"]
            patients = (
                disclosure.small
                if disclosure.hides(with_event)
                else f"{format_count(with_event)} ({format_percent(line['percent'])})"
            )
            cells += [patients, format_count(line["events"], disclosure), severe]
        cells.append(p_cell)
        rows.append(row(*cells))
    notes = [
        f"Events with onset from the index date to day {design.followup_days}: patients with at least one event "
        "(percentage of the patients at risk), number of events, and patients with at least one event of CTCAE grade "
        "3 or worse, serious, or leading to discontinuation.",
        "p: two-sided Fisher's exact test of patients with vs without an event.",
        disclosure.note,
    ]
    title = f"Adverse events in the {cohort} cohort by category and treatment group"
    return _finished(name, title, header, rows, marks, notes, landscape=True)


def manuscript_tables(
    table1_retrospective: pd.DataFrame,
    table1_prospective: pd.DataFrame,
    models: pd.DataFrame,
    absolute: pd.DataFrame | None,
    adverse_events: pd.DataFrame,
    *,
    categorical_test: str = "auto",
    continuous_test: str = "by_statistic",
    bootstrap_level: float = 0.95,
    design: StudyDesign = PAPER,
    disclosure: Disclosure = Disclosure(),
) -> list[ManuscriptTable]:
    """Table 1, Table 2, the hazard ratios (Table 3) and the adverse events of each cohort with rows
    (Tables 4 and 5), numbered in that order; counts of patients as ``disclosure`` allows."""
    options = {
        "categorical_test": categorical_test,
        "continuous_test": continuous_test,
        "disclosure": disclosure,
        "design": design,
    }
    tables = [
        characteristics_table(table1_retrospective, "retrospective", "Table 1", **options),
        characteristics_table(table1_prospective, "prospective", "Table 2", **options),
        hazard_ratio_table(models, absolute, "Table 3", bootstrap_level, disclosure),
    ]
    for cohort in COHORTS:
        if (adverse_events["cohort"] == cohort).any():
            name = f"Table {len(tables) + 1}"
            tables.append(adverse_event_table(adverse_events, cohort, name, design, disclosure))
    return tables
