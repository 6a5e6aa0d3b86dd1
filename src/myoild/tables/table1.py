"""Table 1 (retrospective) and Table 2 (prospective): baseline characteristics by group, as in the paper.

Machine table (``tables/table1_<cohort>.tsv``): one row per characteristic and level, with
``characteristic`` (a stable snake_case key), ``level``, one column per group (formatted summary),
``p_value`` (full precision), ``test`` (``t_test``, ``mann_whitney``, ``chi_square``,
``fisher_exact``, or null where no test is made), ``smd``; then ``label`` (as the paper prints
it), ``statistic`` (``mean (SD)``, ``median (IQR)``, ``n (%)``, ``n``), ``test_detail`` and
``n_<group>`` (patients with a known value). A categorical characteristic repeats its p-value on
every level row. The first row (``patients``) gives the group sizes.

Tests and summaries: ``hypothesis_tests`` and ``summaries``. Which test a row gets is the rule
``categorical_test`` / ``continuous_test`` (config ``tables``; by default Student's t for mean (SD)
rows, Mann-Whitney for median (IQR) rows, chi-square or Fisher by the expected counts for n (%)
rows); the summary does not change with the rule. The drug rows of Table 1 define the groups and
are neither tested nor given an SMD. SMD: the contrast's first group minus the other
(the design's treated group: retrospective, tacrolimus - conventional; prospective,
tacrolimus+pirfenidone - tacrolimus in the paper's study).

Only included patients enter. Baseline labs are the baseline visit's values; the drugs are those
started within the design's treatment window (30 days) of index (``derive.groups.drugs_started``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from myoild.contract import (
    ANALYSED_DIAGNOSES,
    BASELINE_LABS,
    HRCT_FEATURES,
    HRCT_PATTERNS,
    IMMUNOSUPPRESSANTS,
)
from myoild.derive.groups import drugs_started
from myoild.design import PAPER, StudyDesign
from myoild.disclosure import Disclosure
from myoild.derive.keys import optional_column
from myoild.tables import hypothesis_tests, summaries
from myoild.tables.hypothesis_tests import TestResult, test_rule_sentence

STATISTIC = {
    "mean_sd": "mean (SD)",
    "median_iqr": "median (IQR)",
    "binary": "n (%)",
    "categorical": "n (%)",
    "started": "n (%)",
}
NOT_TESTED = "defines the groups: not tested"


@dataclass(frozen=True)
class Characteristic:
    """A row (or block of level rows) of the table: ``name`` is its column in ``patient_characteristics``."""

    name: str
    label: str
    kind: str  # mean_sd | median_iqr | binary | categorical | started
    levels: tuple[str, ...] = ()


def _rows(*specs) -> tuple[Characteristic, ...]:
    return tuple(Characteristic(*spec) for spec in specs)


DRUG_LABELS = {
    "tacrolimus": "Tacrolimus",
    "cyclophosphamide": "CTX",
    "methotrexate": "MTX",
    "azathioprine": "AZA",
    "leflunomide": "LEF",
    "ciclosporin": "CsA",
    "mycophenolate": "MMF",
    "tripterygium": "Tripterygium glycosides",
}
_THERAPY = _rows(
    ("initial_pred_mg_day", "Initial prednisolone dose (mg/day)", "mean_sd"),
    ("ivig", "IVIg", "binary"),
    ("plasma_exchange", "Plasma exchange", "binary"),
)
RETROSPECTIVE_ROWS = (
    _rows(
        ("age_years", "Age (years)", "mean_sd"),
        ("female_sex", "Female sex", "binary"),
        ("diagnosis", "Diagnosis", "categorical", ANALYSED_DIAGNOSES),
    )
    + _THERAPY
    + _rows(*((drug, DRUG_LABELS[drug], "started") for drug in IMMUNOSUPPRESSANTS))
)
PROSPECTIVE_ROWS = _rows(
    ("age_years", "Age (years)", "mean_sd"),
    ("female_sex", "Female sex", "binary"),
    ("disease_duration_months", "Disease duration (months)", "median_iqr"),
    ("smoking_history", "Smoking history", "binary"),
    ("diagnosis", "Diagnosis", "categorical", ANALYSED_DIAGNOSES),
    ("heliotrope_rash", "Heliotrope rash", "binary"),
    ("gottron_sign", "Gottron's sign", "binary"),
    ("proximal_weakness", "Proximal muscle weakness", "binary"),
    ("hypertension", "Arterial hypertension", "binary"),
    ("diabetes", "Diabetes mellitus", "binary"),
    ("malignancy", "Malignancy", "binary"),
    ("ck_u_l", "CK (U/L)", "median_iqr"),
    ("ldh_u_l", "LDH (U/L)", "median_iqr"),
    ("ferritin_ug_l", "Ferritin (ug/L)", "median_iqr"),
    ("esr_mm_h", "ESR (mm/h)", "median_iqr"),
    ("crp_mg_l", "CRP (mg/L)", "median_iqr"),
    ("anti_mda5", "Anti-MDA-5 antibody", "binary"),
    ("anti_jo1", "Anti-Jo-1 antibody", "binary"),
    ("anti_ej", "Anti-EJ antibody", "binary"),
    ("anti_pl7", "Anti-PL-7 antibody", "binary"),
    ("anti_pl12", "Anti-PL-12 antibody", "binary"),
    ("hrct_pattern", "HRCT pattern", "categorical", HRCT_PATTERNS),
)
#: Baseline HRCT scores (mean of the two readers), added before the therapy rows when given.
HRCT_SCORE_ROWS = _rows(
    ("hrct_total", "Total HRCT score", "mean_sd"),
    ("hrct_ground_glass", "Ground-glass attenuation", "mean_sd"),
    ("hrct_consolidation", "Airspace consolidation", "mean_sd"),
    ("hrct_reticulation", "Interlobular septal thickening and/or reticular opacity", "mean_sd"),
    ("hrct_traction_bronchiectasis", "Traction bronchiectasis", "mean_sd"),
)
_PATIENT_FLAGS = (
    "smoking_history", "heliotrope_rash", "gottron_sign", "proximal_weakness", "hypertension", "diabetes",
    "malignancy", "anti_mda5", "anti_jo1", "anti_ej", "anti_pl7", "anti_pl12",
)  # fmt: skip
_BASELINE_LABS = ("ck_u_l", "ldh_u_l", "ferritin_ug_l", "esr_mm_h", "crp_mg_l")
#: What ``patient_characteristics`` reads of the analysis set (the table1 job reads no more, and
#: only its cohort's rows).
ANALYSIS_COLUMNS = (
    "patient_id", "cohort", "included", "group", "diagnosis", "age_years", "initial_pred_mg_day", "ivig",
    "plasma_exchange", "sex",
)  # fmt: skip
#: The columns of the normalised tables ``patient_characteristics`` reads (and of those only the
#: rows of the cohort's included patients).
INPUT_COLUMNS = {
    "patients": (
        "patient_id", "index_date", "site", "weight_kg", "hrct_pattern", "disease_duration_months", *_PATIENT_FLAGS,
    ),
    "medications": ("patient_id", "drug", "start_date"),
    "visits": ("patient_id", "visit", *_BASELINE_LABS),
}  # fmt: skip


#: Table rows of the propensity covariates that neither table shows by default.
_COVARIATE_ROWS = {
    "weight_kg": Characteristic("weight_kg", "Weight (kg)", "mean_sd"),
    **{row.name: row for row in PROSPECTIVE_ROWS},
    **{derived: row for row in PROSPECTIVE_ROWS for derived, lab in BASELINE_LABS.items() if row.name == lab},
}


def covariate_characteristics(
    cohort: str, covariates: tuple[str, ...], sites: list[str], with_hrct_scores: bool = False
) -> tuple[Characteristic, ...]:
    """Rows added to the cohort's table for the propensity model's ``covariates`` it does not show
    already, and the patients per site when there is more than one (``sites``)."""
    shown = {spec.name for spec in characteristics_of(cohort, with_hrct_scores)} | {"sex"}
    added = [] if len(sites) < 2 else [Characteristic("site", "Site", "categorical", tuple(sites))]
    for name in covariates:
        spec = _COVARIATE_ROWS.get(name)
        if spec is not None and spec.name not in shown and name != "site":
            added.append(spec)
            shown.add(spec.name)
    return tuple(added)


def characteristics_of(cohort: str, with_hrct_scores: bool = False) -> tuple[Characteristic, ...]:
    """The rows of Table 1 (retrospective) or Table 2 (prospective), in the paper's order."""
    if cohort == "retrospective":
        return RETROSPECTIVE_ROWS
    return PROSPECTIVE_ROWS + (HRCT_SCORE_ROWS if with_hrct_scores else ()) + _THERAPY


def _numbers(values: pd.Series) -> np.ndarray:
    """Numbers or nullable booleans as float64 (1/0, NaN where missing)."""
    if values.dtype == object:
        values = values.astype("boolean")
    return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def patient_characteristics(
    analysis_set: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    cohort: str,
    hrct_scores: pd.DataFrame | None = None,
    treatment_window_days: int = PAPER.treatment_window_days,
) -> pd.DataFrame:
    """One row per included patient of ``cohort`` (index patient_id): ``group`` and every characteristic
    (the drug columns: started within ``treatment_window_days`` of index).

    Flags are 0/1 floats, numbers floats, categories strings; NaN/None where missing.
    """
    chosen = analysis_set[(analysis_set["cohort"] == cohort) & analysis_set["included"].astype(bool)]
    ids = pd.Index(chosen["patient_id"])
    frame = chosen.set_index("patient_id")[["group", "diagnosis"]].copy()
    for column in ("age_years", "initial_pred_mg_day", "ivig", "plasma_exchange"):
        frame[column] = _numbers(chosen[column])
    frame["female_sex"] = np.where(chosen["sex"].isna(), np.nan, (chosen["sex"] == "F").astype(float))

    patients = tables["patients"].set_index("patient_id").reindex(ids)
    for column in _PATIENT_FLAGS + ("disease_duration_months",):
        frame[column] = _numbers(optional_column(patients, column, "Float64"))
    frame["hrct_pattern"] = optional_column(patients, "hrct_pattern", "object").to_numpy(dtype=object)
    frame["site"] = optional_column(patients, "site", "object").to_numpy(dtype=object)
    frame["weight_kg"] = _numbers(optional_column(patients, "weight_kg", "float64"))

    visits = tables["visits"]
    baseline = visits[visits["visit"] == "baseline"].drop_duplicates("patient_id").set_index("patient_id").reindex(ids)
    for column in _BASELINE_LABS:
        frame[column] = _numbers(optional_column(baseline, column, "float64"))

    started = drugs_started(tables["patients"], tables["medications"], window_days=treatment_window_days).reindex(ids)
    for drug in IMMUNOSUPPRESSANTS:
        frame[drug] = started[drug].to_numpy(dtype=float)

    if hrct_scores is not None:
        at_baseline = hrct_scores[hrct_scores["timepoint"] == "baseline"]
        scores = at_baseline.pivot_table(index="patient_id", columns="feature", values="score", aggfunc="first")
        for feature in ("total",) + HRCT_FEATURES:
            values = scores[feature] if feature in scores.columns else pd.Series(dtype=float)
            frame[f"hrct_{feature}"] = values.reindex(ids).to_numpy(dtype=float)
    return frame


def _continuous_rows(
    spec: Characteristic, by_group: dict[str, np.ndarray], treated: str, control: str, rules: dict[str, str]
) -> list[dict]:
    summarise = summaries.format_mean_sd if spec.kind == "mean_sd" else summaries.format_median_iqr
    result = hypothesis_tests.continuous_test(by_group[treated], by_group[control], spec.kind, rules["continuous"])
    row = {group: summarise(values) for group, values in by_group.items()}
    counts = {group: len(summaries.known(values)) for group, values in by_group.items()}
    smd = summaries.smd_continuous(by_group[treated], by_group[control])
    return [_row(spec, None, row, counts, result, smd)]


def _level_rows(
    spec: Characteristic, by_group: dict[str, np.ndarray], treated: str, control: str, rules: dict[str, str]
) -> list[dict]:
    """Rows of a binary (one row, level null), categorical (a row per level) or drug characteristic."""
    if spec.kind == "categorical":
        known = {group: values[pd.notna(values)] for group, values in by_group.items()}
        levels = spec.levels
        indicators = {
            level: {group: (values == level).astype(float) for group, values in known.items()} for level in levels
        }
    else:
        known = {group: summaries.known(values) for group, values in by_group.items()}
        levels = (None,)
        indicators = {None: known}
    if spec.kind == "started":
        result = TestResult(np.nan, None, NOT_TESTED)
    else:
        groups = (treated, control)
        if spec.kind == "categorical":
            contingency = [[int(indicators[level][group].sum()) for level in levels] for group in groups]
        else:
            contingency = [[int((known[group] == 0).sum()), int((known[group] == 1).sum())] for group in groups]
        result = hypothesis_tests.categorical_test(contingency, rules["categorical"])
    rows = []
    for level in levels:
        flags = indicators[level]
        formatted = {group: summaries.format_n_percent(values) for group, values in flags.items()}
        counts = {group: len(values) for group, values in flags.items()}
        # A row that defines the groups separates them completely: no SMD (it would be infinite).
        smd = np.nan if spec.kind == "started" else summaries.smd_binary(flags[treated], flags[control])
        rows.append(_row(spec, level, formatted, counts, result, smd))
    return rows


def _row(spec, level, formatted, counts, result: TestResult, smd: float) -> dict:
    return {
        "characteristic": spec.name,
        "level": level,
        **formatted,
        "p_value": result.p_value,
        "test": result.test,
        "smd": smd,
        "label": spec.label,
        "statistic": STATISTIC[spec.kind],
        "test_detail": result.detail,
        **{f"n_{group}": n for group, n in counts.items()},
    }


def table1(
    analysis_set: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    cohort: str,
    hrct_scores: pd.DataFrame | None = None,
    categorical_test: str = "auto",
    continuous_test: str = "by_statistic",
    covariates: tuple[str, ...] = (),
    design: StudyDesign = PAPER,
) -> pd.DataFrame:
    """Table 1 (``cohort="retrospective"``) or Table 2 (``"prospective"``) as a machine table (module
    docstring), tested by the rules ``categorical_test`` and ``continuous_test``
    (``hypothesis_tests.CATEGORICAL_RULES`` / ``CONTINUOUS_RULES``; ValueError for another), with
    rows for the propensity ``covariates`` the table does not show and for the sites (more than one);
    groups and treatment window are the study ``design``'s."""
    rules = {"categorical": categorical_test, "continuous": continuous_test}
    groups = design.groups[cohort]
    treated = design.treated_group[cohort]
    control = next(group for group in groups if group != treated)
    frame = patient_characteristics(analysis_set, tables, cohort, hrct_scores, design.treatment_window_days)
    members = {group: (frame["group"] == group).to_numpy() for group in groups}

    sizes = {group: int(member.sum()) for group, member in members.items()}
    rows = [
        {
            "characteristic": "patients", "level": None, **{g: str(n) for g, n in sizes.items()},
            "p_value": np.nan, "test": None, "smd": np.nan, "label": "Patients", "statistic": "n",
            "test_detail": None, **{f"n_{g}": n for g, n in sizes.items()},
        }
    ]  # fmt: skip
    sites = sorted(frame["site"].dropna().unique())
    with_scores = hrct_scores is not None
    specs = characteristics_of(cohort, with_scores) + covariate_characteristics(cohort, covariates, sites, with_scores)
    for spec in specs:
        column = frame[spec.name].to_numpy()
        by_group = {group: column[member] for group, member in members.items()}
        build = _continuous_rows if spec.kind in ("mean_sd", "median_iqr") else _level_rows
        rows += build(spec, by_group, treated, control, rules)
    table = pd.DataFrame(rows)
    for group in groups:
        table[f"n_{group}"] = table[f"n_{group}"].astype("int64")
    return table


def _format_p(p_value: float) -> str:
    if pd.isna(p_value):
        return summaries.NOT_AVAILABLE
    return "<0.001" if p_value < 0.001 else f"{p_value:.3f}"


TEST_NAMES = {
    "t_test": "Student's t",
    "mann_whitney": "Mann-Whitney",
    "chi_square": "chi-square",
    "fisher_exact": "Fisher's exact",
}


def table1_markdown(
    table: pd.DataFrame,
    categorical_test: str = "auto",
    continuous_test: str = "by_statistic",
    disclosure: Disclosure = Disclosure(),
    design: StudyDesign = PAPER,
) -> str:
    """The machine table as a Markdown table for people: p-values to 3 decimals, SMD to 2; the note
    states the test rule the table was made with (``test_rule_sentence``). Group sizes and the n of
    n (%) cells pass ``disclosure`` (config ``report.min_cell_count``: a small n as ``<5``)."""
    groups = list(table.columns[2 : table.columns.get_loc("p_value")])
    treated = design.treated_group[_cohort_of(groups, design)]
    control = next(group for group in groups if group != treated)
    sizes = table.loc[table["characteristic"] == "patients", groups].iloc[0]
    header = ["Characteristic", *(f"{g} (n={disclosure.count(int(sizes[g]))})" for g in groups), "p", "test", "SMD"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, block in table[table["characteristic"] != "patients"].groupby("characteristic", sort=False):
        first = block.iloc[0]
        test = TEST_NAMES.get(first["test"], summaries.NOT_AVAILABLE)
        title = f"{first['label']}, {first['statistic']}"
        if pd.isna(first["level"]):
            shown = group_summaries(first, groups, disclosure)
            cells = [title, *shown, _format_p(first["p_value"]), test, _format_smd(first["smd"])]
            lines.append("| " + " | ".join(cells) + " |")
            continue
        lines.append("| " + " | ".join([title, *[""] * len(groups), _format_p(first["p_value"]), test, ""]) + " |")
        for _, row in block.iterrows():
            level = f"&nbsp;&nbsp;{row['level']}"
            cells = [level, *group_summaries(row, groups, disclosure), "", "", _format_smd(row["smd"])]
            lines.append("| " + " | ".join(cells) + " |")
    notes = [
        f"SMD: standardised mean difference, ({treated} - {control}) / pooled SD (Austin 2009).",
        f"Tests: {test_rule_sentence(categorical_test, continuous_test)}",
        "Percentages of patients with a known value.",
        disclosure.note,
    ]
    return "\n".join(lines) + "\n\n" + " ".join(note for note in notes if note) + "\n"


def group_summaries(row: pd.Series, groups: list[str], disclosure: Disclosure = Disclosure()) -> list:
    """A row's summaries of ``groups`` as people may see them: an ``n (%)`` whose n ``disclosure``
    hides shown as ``<5`` (its percentage would give the n back), the others as they are."""
    if row["statistic"] != STATISTIC["binary"]:
        return list(row[groups])
    return [disclosure.n_percent(str(row[group])) for group in groups]


def _cohort_of(groups: list[str], design: StudyDesign) -> str:
    return next(cohort for cohort, names in design.groups.items() if set(names) == set(groups))


def _format_smd(smd: float) -> str:
    # "+ 0.0" turns a negative zero into 0.00 rather than -0.00.
    return summaries.NOT_AVAILABLE if pd.isna(smd) else f"{round(smd, 2) + 0.0:.2f}"
