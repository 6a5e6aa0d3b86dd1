"""Data protection (issue 13, item 4): no patient identifier in the report, the figures or the console
by default; no path of the machine in the report or the manifest; spreadsheet cells never turned into
formulas; small counts hidden in the human-readable outputs with ``report.min_cell_count``."""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest
from matplotlib.text import Text
from test_report_support import CONFIG, shared_results

from myoild.disclosure import Disclosure
from myoild.figures.flow import flow_figure
from myoild.manifest import build_manifest
from myoild.manuscript import Cell, ManuscriptTable, manuscript_tables, xlsx_bytes
from myoild.manuscript.layout import row
from myoild.report import build_report
from myoild.report.folder import ResultsFolder
from myoild.report.hrct import exclusion_table
from myoild.report.survival import propensity_section
from myoild.report.validation import validation_section
from myoild.synth import generate_cohort, write_cohort
from myoild.tables import table1_markdown
from myoild.tabular import read_tsv, write_tsv
from myoild.validate import main as validate_main

VERSIONS = {"python": "3.11.0", "myoild": "0.1.0"}
#: So large that every count of patients is hidden: what is left in a count cell was not passed
#: through the disclosure rule.
EVERYTHING_HIDDEN = 10**6
HIDDEN = f"<{EVERYTHING_HIDDEN}"
#: Columns of the report's and the manuscript's tables that count patients or their events.
COUNT_COLUMN = re.compile(
    r"^(Patients|n|Events|Events/n|Treated|Control|Missing covariates|Exams|Records|Day \d+|Patients with both "
    r"doses)$|patients(, n)? \(%\)$|^(.*: )?events$|grade ≥3",
    re.IGNORECASE,
)
#: An n (%) summary of Table 1/2 with n > 0.
N_PERCENT = re.compile(r"^[1-9]\d* \(\d+\.\d%?\)$")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return shared_results(tmp_path_factory.getbasetemp())


@pytest.fixture
def copied(results, tmp_path) -> Path:
    return Path(shutil.copytree(results, tmp_path / "results"))


def _page_text(html: str) -> str:
    """The page without its embedded PNG bytes (base64 could spell anything)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)


def _patient_ids(results: Path) -> set[str]:
    return set(pd.read_parquet(results / "cohort/analysis_set.parquet")["patient_id"])


class Tables(HTMLParser):
    """Every table of a page: its header cells and body rows (stdlib parser, not the builder's code)."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: list[dict] = []
        self._row: list | None = None
        self._cell: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"header": [], "rows": []})
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._row.append((tag, self._cell))
            self._cell = None
        elif tag == "tr":
            cells = [text for _, text in self._row]
            if all(kind == "th" for kind, _ in self._row):
                self.tables[-1]["header"] = cells
            else:
                self.tables[-1]["rows"].append(cells)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def unhidden_counts(header: list[str], rows: list[list[str]]) -> list[str]:
    """Cells of a table that show a count of patients from 1 up: a whole number in a count column
    (decimals there are percentages or sums of weights), an n (%) summary anywhere, ``n=12`` in a
    header, ``n = 12`` in a cell."""
    found = [text for text in header if re.search(r"\(n ?= ?[1-9]", text)]
    for cells in rows:
        for name, text in zip(header, cells):
            numbers = re.findall(r"(?<![<\d.])\d+(?![\d.])", text) if COUNT_COLUMN.search(name) else []
            if any(int(number) > 0 for number in numbers) or N_PERCENT.match(text) or re.search(r"n = [1-9]", text):
                found.append(f"{name}: {text}")
    return found


# --- No patient identifier by default -------------------------------------------------------------


def test_report_names_no_patient_by_default_and_every_one_with_show_patient_ids(results):
    ids = _patient_ids(results)
    hidden = _page_text(build_report(results, CONFIG, VERSIONS))
    shown = _page_text(build_report(results, {**CONFIG, "report": {"show_patient_ids": True}}, VERSIONS))
    excluded = set(",".join(read_tsv(results / "tables/hrct_exclusions.tsv")["patient_ids"].dropna()).split(","))
    assert excluded & ids, "the test cohort must leave some patients out of the HRCT change"
    assert [patient for patient in ids if re.search(rf"\b{re.escape(patient)}\b", hidden)] == []
    assert all(patient in shown for patient in excluded & ids)


def test_hrct_exclusions_in_the_report_give_counts_and_reasons_not_patients():
    exclusions = pd.DataFrame(
        {"group": ["tacrolimus"], "reason": ["died_without_m12_exam"], "n": [2], "patient_ids": ["P00011,P00020"]}
    )
    text = exclusion_table(exclusions)
    assert "P00011" not in text and "P00020" not in text
    assert "died without m12 exam" in text and ">2<" in text and "tables/hrct_exclusions.tsv" in text
    assert "P00011, P00020" in exclusion_table(exclusions, Disclosure(show_patient_ids=True))


def test_validation_warnings_in_the_report_give_counts_and_reasons_not_patients(tmp_path):
    grid = {"table": "hrct_reads", "column": None, "row": None, "check": "hrct_grid_complete"}
    notes = [
        {**grid, "patient_id": "P00001", "message": "baseline exam, reader RAD1: 1 of 20 cells missing (2018-03-26)"},
        {**grid, "patient_id": "P00001", "message": "m12 exam, reader RAD2: 2 of 20 cells missing"},
        {**grid, "patient_id": "P00007", "message": "m12 exam, reader RAD1: 3 of 20 cells missing"},
        {"table": "patients", "column": "favourite_colour", "row": None, "patient_id": None,
         "check": "extra_column", "message": "column 'favourite_colour' is not in the data contract and is ignored"},
    ]  # fmt: skip
    report = {"status": "pass", "errors": [], "notes": notes, "tables": {}}
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation/report.json").write_text(json.dumps(report), encoding="utf-8")
    text = validation_section(ResultsFolder(tmp_path)).html(1)
    assert "P00001" not in text and "P00007" not in text and "2018-03-26" not in text and "RAD1" not in text
    counted = Tables(text).tables[-1]
    assert counted["header"] == ["Table", "Column", "Check", "Reason", "Records", "Patients"]
    assert counted["rows"] == [
        [
            "hrct_reads",
            "",
            "hrct_grid_complete",
            "a reader's lobe x feature grid of an HRCT exam is incomplete; the exam's scores stay empty",
            "3",
            "2",
        ]
    ]
    assert "column 'favourite_colour' is not in the data contract" in html.unescape(text)  # no patient: listed
    listed = validation_section(ResultsFolder(tmp_path), Disclosure(show_patient_ids=True)).html(1)
    assert "P00001" in listed and "P00007" in listed


def test_report_never_prints_the_patients_missing_covariates(copied):
    diagnostics = read_tsv(copied / "tables/weight_diagnostics.tsv")
    diagnostics["patients_missing_covariates"] = "R99991 R99992"
    diagnostics["n_missing_covariates"] = 2
    write_tsv(diagnostics, copied / "tables/weight_diagnostics.tsv")
    for disclosure in (Disclosure(), Disclosure(show_patient_ids=True)):
        assert "R9999" not in propensity_section(ResultsFolder(copied), disclosure).html(1)


def test_validation_console_message_names_no_patient_when_validation_passes(tmp_path):
    write_cohort(generate_cohort(3, 20, 10), tmp_path / "raw", fmt="csv")
    reads = pd.read_csv(tmp_path / "raw/hrct_reads.csv", dtype=str, keep_default_na=False)
    reads.iloc[1:].to_csv(tmp_path / "raw/hrct_reads.csv", index=False)  # P00001's baseline grid: a warning
    console = io.StringIO()
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
        assert validate_main(tmp_path / "raw", tmp_path / "results") == 0
    assert "1 warnings" in console.getvalue() and "P00001" not in console.getvalue()
    assert "P00001" in (tmp_path / "results/validation/report.md").read_text(encoding="utf-8")


def test_failed_validation_names_the_patient_to_fix_as_the_data_contract_requires(tmp_path):
    """By design: the contract asks every error to name table, column, row and patient, and the user
    who must fix the file reads it on the console (and in the rule's log) of their own machine."""
    write_cohort(generate_cohort(3, 20, 10), tmp_path / "raw", fmt="csv")
    patients = pd.read_csv(tmp_path / "raw/patients.csv", dtype=str, keep_default_na=False)
    patients.loc[0, "age_years"] = "-4"
    patients.to_csv(tmp_path / "raw/patients.csv", index=False)
    console = io.StringIO()
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
        assert validate_main(tmp_path / "raw", tmp_path / "results") == 1
    assert f"patient_id {patients.loc[0, 'patient_id']}" in console.getvalue()


# --- No path of the machine -----------------------------------------------------------------------


def test_manifest_and_report_record_no_path_of_the_machine(results, tmp_path):
    machine = tmp_path / "home" / "alice"
    input_dir, results_dir = machine / "hospital export", machine / "results"
    input_dir.mkdir(parents=True)
    (input_dir / "patients.csv").write_text("patient_id\nP1\n", encoding="utf-8")
    results_dir.mkdir()
    (results_dir / "report.html").write_text("<html></html>\n", encoding="utf-8")
    config = {
        **CONFIG,
        "input_dir": str(input_dir),
        "results_dir": str(results_dir),
        "logs_dir": str(machine / "logs"),
        "synthetic": {**CONFIG["synthetic"], "out_dir": str(machine / "synthetic")},
    }
    manifest = build_manifest(
        [input_dir / "patients.csv"], input_dir, [results_dir / "report.html"], results_dir, config, VERSIONS
    )
    assert str(machine) not in manifest and "alice" not in manifest
    assert json.loads(manifest)["inputs"][0]["path"] == "patients.csv"
    report = build_report(results, config, VERSIONS)
    assert str(machine) not in report and "alice" not in report and str(results) not in report
    assert "SYNTHETIC" not in report  # the input is still said to be the user's, not the built-in cohort


# --- Spreadsheets ---------------------------------------------------------------------------------


def test_manuscript_xlsx_stores_formula_like_data_as_text():
    values = ["=2+5", "@SUM(A1:A2)", "+1", "-3", '=HYPERLINK("http://x","y")']
    table = ManuscriptTable(
        "Table 1",
        "=title",
        ("=header", *values[1:]),
        (row(*values), row(*(Cell(value, "a") for value in values))),
    )
    data = xlsx_bytes([table])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets)
    sheet = openpyxl.load_workbook(io.BytesIO(data), rich_text=False)["Table 1"]
    cells = [sheet.cell(number, column) for number in (4, 5) for column in range(1, 6)]
    assert all(cell.data_type == "s" for cell in cells)
    assert [cell.value for cell in cells[:5]] == values
    assert [str(cell.value) for cell in cells[5:]] == [f"{value}a" for value in values]


# --- Small counts ---------------------------------------------------------------------------------


def test_small_counts_are_hidden_in_table1_markdown_and_kept_in_the_machine_table():
    table = pd.DataFrame(
        {
            "characteristic": ["patients", "age_years", "female_sex", "diagnosis", "diagnosis"],
            "level": [None, None, None, "DM", "PM"],
            "tacrolimus": ["6", "49.83 (4.96)", "3 (50.0)", "6 (100.0)", "0 (0.0)"],
            "tacrolimus+pirfenidone": ["11", "44.45 (10.00)", "7 (63.6)", "10 (90.9)", "1 (9.1)"],
            "p_value": [float("nan"), 0.24, 0.644, 0.9, 0.9],
            "test": [None, "t_test", "fisher_exact", "fisher_exact", "fisher_exact"],
            "smd": [float("nan"), -0.68, 0.28, 0.1, -0.1],
            "label": ["Patients", "Age (years)", "Female sex", "Diagnosis", "Diagnosis"],
            "statistic": ["n", "mean (SD)", "n (%)", "n (%)", "n (%)"],
            "test_detail": [None] * 5,
            "n_tacrolimus": [6, 6, 6, 6, 6],
            "n_tacrolimus+pirfenidone": [11, 11, 11, 11, 11],
        }
    )
    before = table.copy()
    text = table1_markdown(table, disclosure=Disclosure(min_cell_count=5))
    lines = text.splitlines()
    assert lines[0].startswith("| Characteristic | tacrolimus (n=6) | tacrolimus+pirfenidone (n=11) |")
    assert "| Female sex, n (%) | <5 | 7 (63.6) |" in text
    assert "| &nbsp;&nbsp;PM | 0 (0.0) | <5 |" in text and "| 49.83 (4.96) |" in text
    assert "Counts from 1 to 4 are shown as <5." in text
    pd.testing.assert_frame_equal(table, before)
    small = table1_markdown(table, disclosure=Disclosure(min_cell_count=7))
    assert "tacrolimus (n=<7)" in small and "tacrolimus+pirfenidone (n=11)" in small
    assert "<5" not in table1_markdown(table) and "Counts from" not in table1_markdown(table)


def test_small_counts_are_hidden_in_the_flow_diagram():
    flow = pd.DataFrame(
        {
            "cohort": ["retrospective"] * 5,
            "step": ["screened", "excluded", "excluded", "analysed", "analysed"],
            "reason": [None, "diagnosis_IBM", "diagnosis_overlap", "tacrolimus", "conventional"],
            "n": [12, 3, 0, 2, 7],
        }
    )
    figure = flow_figure(flow, Disclosure(min_cell_count=5))
    texts = " | ".join(text.get_text() for text in figure.findobj(Text))
    plt.close(figure)
    assert "Screened\nn = 12" in texts and "Analysed\nn = 9" in texts and "n = 7" in texts
    assert "Excluded, n = <5" in texts and "Diagnosis: IBM: <5" in texts and "n = <5" in texts
    assert not re.search(r"n = [1-4]\b|: [1-4]\b", texts)


def test_small_counts_are_hidden_in_every_table_of_the_report(results):
    config = {**CONFIG, "report": {"min_cell_count": EVERYTHING_HIDDEN}}
    page = build_report(results, config, VERSIONS)
    tables = Tables(_page_text(page)).tables
    assert len(tables) > 20
    found = [cell for t in tables for cell in unhidden_counts(t["header"], t["rows"])]
    assert found == []
    assert f"Counts from 1 to {EVERYTHING_HIDDEN - 1} are shown as {HIDDEN}." in html.unescape(page)
    # The check sees the counts when they are shown.
    shown = Tables(_page_text(build_report(results, CONFIG, VERSIONS))).tables
    assert len([cell for t in shown for cell in unhidden_counts(t["header"], t["rows"])]) > 100


def test_small_counts_are_hidden_in_the_manuscript_tables(results):
    tsv = {name: read_tsv(results / f"tables/{name}.tsv") for name in
           ("table1_retrospective", "table1_prospective", "survival_models", "absolute_effects", "adverse_events")}  # fmt: skip
    tables = manuscript_tables(*tsv.values(), disclosure=Disclosure(min_cell_count=EVERYTHING_HIDDEN))
    found = []
    for table in tables:
        body = [[cell.text for cell in line.cells] for line in table.rows if not line.heading]
        found += unhidden_counts(list(table.header), body)
        assert any(f"shown as {HIDDEN}" in footnote.text for footnote in table.footnotes), table.name
    assert found == []
    shown = manuscript_tables(*tsv.values())
    assert all(
        unhidden_counts(list(t.header), [[c.text for c in line.cells] for line in t.rows if not line.heading])
        for t in shown
    )
