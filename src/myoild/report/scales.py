"""Section on the prospective assessment scales (paper, Figures 2-3, Supplementary Figure 4) and the
glucocorticoid sparing (paper, Results: 50 vs 10 mg/day, the dose on the index date against the last dose)."""

from __future__ import annotations

import pandas as pd

from myoild.contract import SCHEDULED_VISITS
from myoild.disclosure import Disclosure
from myoild.glucocorticoids import START_DOSE_DEFINITION
from myoild.labels import GROUP_LABELS, SCALE_LABELS, VISIT_LABELS
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import MISSING, format_count, format_number, format_p, format_spread, p_statement
from myoild.report.html import Heading, Markup, Section, details, escape, figure, not_available, table

#: Decimals of the scale summaries (MITAX runs from 0 to 1).
SCALE_DECIMALS = {"mitax": 2}
ALL = "all"


def _scale_name(scale: str) -> str:
    return SCALE_LABELS.get(scale, (scale,))[0]


def _two_lines(first: str, second: str) -> Markup:
    return Markup(f"{escape(first)}<br><small>{escape(second)}</small>")


def _spread(row: pd.Series) -> str:
    return format_spread(row["median"], row["q1"], row["q3"], SCALE_DECIMALS.get(row["scale"], 1))


def _wide_table(cells: dict[tuple[str, str], Markup], scales: list[str], caption: str) -> str:
    """One row per scale, one column per scheduled visit."""
    rows = [[_scale_name(s), *(cells.get((s, visit), MISSING) for visit in SCHEDULED_VISITS)] for s in scales]
    return table(["Scale", *(VISIT_LABELS.get(visit, visit) for visit in SCHEDULED_VISITS)], rows, caption)


def _all_patients_cells(everyone: pd.DataFrame, disclosure: Disclosure) -> dict[tuple[str, str], Markup]:
    cells = {}
    for _, row in everyone.iterrows():
        note = f"n = {format_count(row['n'], disclosure)}"
        if pd.notna(row["p_vs_baseline_adj"]):
            note += ", " + p_statement(row["p_vs_baseline_adj"], "p adj")
        cells[(row["scale"], row["visit"])] = _two_lines(_spread(row), note)
    return cells


def _between_group_cells(by_group: pd.DataFrame) -> dict[tuple[str, str], Markup]:
    cells = {}
    for (scale, visit), block in by_group.groupby(["scale", "visit"], sort=False):
        decimals = SCALE_DECIMALS.get(scale, 1)
        medians = " vs ".join(format_number(value, decimals) for value in block["median"])
        first = block.iloc[0]
        note = p_statement(first["p_between_groups"])
        if pd.notna(first["p_between_groups_change"]):
            note += "; change " + p_statement(first["p_between_groups_change"])
        cells[(scale, visit)] = _two_lines(medians, note)
    return cells


def scale_tables(scales: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> list[str]:
    """All patients over visits; the two groups per visit; every row folded away."""
    order = list(dict.fromkeys(scales["scale"]))
    by_group = scales[scales["group"] != ALL]
    names = " vs ".join(GROUP_LABELS.get(group, group) for group in dict.fromkeys(by_group["group"]))
    blocks = [
        _wide_table(
            _all_patients_cells(scales[scales["group"] == ALL], disclosure),
            order,
            "All prospective patients: median (IQR); Wilcoxon signed-rank p vs baseline, Bonferroni-adjusted",
        ),
        _wide_table(
            _between_group_cells(by_group),
            order,
            f"Between groups: median {names}; Mann-Whitney p of the values and of the change from baseline",
        ),
    ]
    rows = [
        [
            GROUP_LABELS.get(row["group"], row["group"]),
            _scale_name(row["scale"]),
            VISIT_LABELS.get(row["visit"], row["visit"]),
            format_count(row["n"], disclosure),
            _spread(row),
            format_p(row["p_vs_baseline"]),
            format_p(row["p_vs_baseline_adj"]),
            format_p(row["p_between_groups"]),
        ]
        for _, row in scales.iterrows()
    ]
    header = ["Group", "Scale", "Visit", "n", "Median (IQR)", "p vs baseline", "p adj (Bonferroni)", "p between groups"]
    blocks.append(details("Every scale, group and visit (table)", table(header, rows, text=(0, 1, 2))))
    return blocks


def glucocorticoid_table(sparing: pd.DataFrame, disclosure: Disclosure = Disclosure()) -> str:
    rows = [
        [
            GROUP_LABELS.get(row["group"], row["group"]),
            f"{format_count(row['n'], disclosure)} of {format_count(row['n_patients'], disclosure)}",
            format_spread(row["start_median"], row["start_q1"], row["start_q3"]),
            format_spread(row["last_median"], row["last_q1"], row["last_q3"]),
            format_p(row["p_value"]),
        ]
        for _, row in sparing.iterrows()
    ]
    header = ["Group", "Patients with both doses", "Start (index date), median (IQR)", "Last visit, median (IQR)", "p"]
    caption = (
        f"Prednisolone-equivalent dose (mg/day), start vs last ({START_DOSE_DEFINITION}): paired Wilcoxon "
        "signed-rank test"
    )
    return table(header, rows, caption)


def scales_section(results: ResultsFolder, disclosure: Disclosure = Disclosure()) -> Section:
    blocks: list = [
        figure(
            results.figure("scales_over_visits"),
            "scales_over_visits",
            "Assessment scales A-J over 12 months, all prospective patients (paper, Figure 2); * paired Wilcoxon "
            "test against baseline, Bonferroni-adjusted over visits.",
        ),
        figure(
            results.figure("scales_by_group"),
            "scales_by_group",
            "Patient global activity (A), MMT-8 (B) and MYOACT (C) over 12 months by group (paper, Figure 3A-C); "
            "* Mann-Whitney test between the groups at each visit.",
        ),
    ]
    scales = results.table("tables/scales.tsv")
    blocks += scale_tables(scales, disclosure) if scales is not None else [not_available("tables/scales.tsv")]
    blocks.append(Heading("glucocorticoids", "Glucocorticoid sparing"))
    sparing = results.table("tables/glucocorticoids.tsv")
    if sparing is None:
        blocks.append(not_available("tables/glucocorticoids.tsv"))
    else:
        blocks.append(glucocorticoid_table(sparing, disclosure))
    return Section("scales", "Assessment scales", tuple(blocks))
