"""Manuscript tables: the journal's rounding rules by hand, and the Word and Excel files opened with
python-docx and openpyxl (table shapes, titles, a few cells, text that stays text, fixed bytes)."""

import io
import math
import time
import zipfile

import docx
import openpyxl
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from test_report_support import shared_results

from myoild.manuscript import manuscript_tables, write_docx, write_xlsx
from myoild.manuscript.journal import abbreviation_footnote, format_difference, format_hr, format_p, journal_units
from myoild.manuscript.layout import Cell, FootnoteMarks
from myoild.manuscript.tables import adverse_event_table, hazard_ratio_table
from myoild.tabular import read_tsv

MAIN = "tacrolimus_vs_conventional"
SEPARATION = "not estimable: the propensity model separates the groups (fitted scores numerically 0 or 1)"


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0004, "<0.001"),
        (0.000999, "<0.001"),
        (0.001, "0.001"),
        (0.00352, "0.004"),
        (0.0123, "0.012"),
        (0.456, "0.46"),
        (0.05, "0.050"),
        (0.0496, "0.0496"),  # two digits would print 0.050 for a p below 0.05
        (0.04996, "0.04996"),
        (0.1, "0.10"),
        (0.996, ">0.99"),
        (0.9999999999998742, "1"),  # Fisher's summed probabilities: exactly 1, as R prints it
        (1.0, "1"),
        (math.nan, "–"),
    ],
)
def test_p_values_as_journals_print_them(p, text):
    assert format_p(p) == text


def test_hazard_ratios_differences_and_units():
    assert format_hr(0.30397) == "0.30"
    assert format_hr(25.8824) == "25.88"
    assert format_hr(0.004) == "<0.01"
    assert format_hr(math.nan) == "–"
    assert format_difference(-8.3333, -36.25, 19.66) == "-8.3 (-36.2 to 19.7)"
    assert format_difference(13.532, math.nan, math.nan) == "13.5"
    assert journal_units("Ferritin (ug/L)") == "Ferritin (µg/L)"


def test_abbreviations_are_whole_words_listed_alphabetically():
    note = abbreviation_footnote(["CADM, n (%)", "CsA", "HRCT pattern", "NSIP+OP", "Anti-PL-7 antibody"])
    assert note == (
        "Abbreviations: CADM, clinically amyopathic dermatomyositis; CsA, ciclosporin A; HRCT, high-resolution "
        "computed tomography; NSIP, nonspecific interstitial pneumonia; OP, organising pneumonia."
    )  # no DM inside CADM, no HR inside HRCT, no PL
    assert abbreviation_footnote(["Age (years)"]) is None


def test_footnote_marks_run_a_to_z_then_aa():
    marks = FootnoteMarks()
    letters = [marks.mark(f"note {i}") for i in range(28)]
    assert letters[:3] == ["a", "b", "c"] and letters[25:] == ["z", "aa", "ab"]
    assert marks.mark("note 1") == "b"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The shared small run's tables, with hand-set values the files must show as stated."""
    tables = shared_results(tmp_path_factory.getbasetemp()) / "tables"
    models = read_tsv(tables / "survival_models.tsv")
    main_iptw = models.index[(models["contrast"] == MAIN) & (models["model"] == "cox_iptw")]
    models.loc[main_iptw[0], ["hr", "p_value"]] = [0.30397, 0.0004]
    models.loc[main_iptw[1], "p_value"] = 0.0123
    unadjusted = models.index[(models["contrast"] == MAIN) & (models["model"] == "cox_unadjusted")]
    models.loc[unadjusted[0], "p_value"] = 0.456
    not_estimable = ["hr", "ci_low", "ci_high", "p_value", "e_value", "e_value_ci"]
    models.loc[unadjusted[1], [*not_estimable, "note"]] = [math.nan] * len(not_estimable) + [SEPARATION]
    events = read_tsv(tables / "adverse_events.tsv")
    events.loc[events["category"] == "other", "category"] = "=2+5"  # a patient-entered text
    events.loc[events["category"] == "renal", "p_fisher"] = 0.9999999999998742
    return {
        "table1_retrospective": read_tsv(tables / "table1_retrospective.tsv"),
        "table1_prospective": read_tsv(tables / "table1_prospective.tsv"),
        "models": models,
        "absolute": read_tsv(tables / "absolute_effects.tsv"),
        "adverse_events": events,
    }


@pytest.fixture(scope="module")
def written(inputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("manuscript")
    tables = manuscript_tables(**inputs)
    write_docx(tables, folder / "manuscript.docx")
    write_xlsx(tables, folder / "manuscript.xlsx")
    return folder


def _expected_rows(inputs) -> dict[str, int]:
    """Body rows of each table, counted from the machine tables."""

    def characteristics(table):
        body = table[table["characteristic"] != "patients"]
        return len(body) + body.loc[body["level"].notna(), "characteristic"].nunique()

    models = inputs["models"]
    shown = models[models["ci_method"] != "bootstrap_percentile"]
    events = inputs["adverse_events"]
    return {
        "Table 1": characteristics(inputs["table1_retrospective"]),
        "Table 2": characteristics(inputs["table1_prospective"]),
        "Table 3": len(shown) + shown["contrast"].nunique(),
        "Table 4": events.loc[events["cohort"] == "retrospective", "category"].nunique(),
        "Table 5": events.loc[events["cohort"] == "prospective", "category"].nunique(),
    }


def _cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_word_file_has_a_titled_section_per_table(written, inputs):
    document = docx.Document(written / "manuscript.docx")
    expected = _expected_rows(inputs)
    assert len(document.tables) == len(expected) == len(document.sections)
    titles = [p.text for p in document.paragraphs if p.text.startswith("Table ")]
    assert [title.split(".")[0] for title in titles] == list(expected)
    assert titles[0] == "Table 1. Baseline characteristics of the retrospective cohort by treatment group"
    widths = {"Table 1": 5, "Table 2": 5, "Table 3": 9, "Table 4": 8, "Table 5": 8}
    for (name, rows), table in zip(expected.items(), document.tables):
        assert len(table.rows) == 1 + rows, name
        assert len(table.columns) == widths[name], name
    orientation = [section.orientation for section in document.sections]
    assert orientation == [WD_ORIENT.PORTRAIT] * 2 + [WD_ORIENT.LANDSCAPE] * 3

    table1 = _cells(document.tables[0])
    assert table1[0] == ["Characteristic", "Tacrolimus (n = 45)", "Conventional (n = 75)", "p", "SMD"]
    age = next(row for row in table1 if row[0] == "Age (years), mean (SD)")
    p_cell = document.tables[0].rows[table1.index(age)].cells[3].paragraphs[0].runs
    assert p_cell[1].font.superscript and p_cell[0].text + p_cell[1].text == age[3]
    assert any(row[0] == "Ferritin (µg/L), median (IQR)" for row in _cells(document.tables[1]))
    notes = "\n".join(p.text for p in document.paragraphs)
    assert "CTX, cyclophosphamide" in notes and "CADM, clinically amyopathic dermatomyositis" in notes
    assert "IVIg, intravenous immunoglobulin" in notes and "ug/L" not in notes


def test_hazard_ratio_cells(written):
    rows = _cells(docx.Document(written / "manuscript.docx").tables[2])
    assert rows[0][:5] == ["Endpoint", "Model", "Events/n", "HR (95% CI)", "p"]
    assert rows[1] == ["Tacrolimus vs conventional"] * 9  # the contrast's heading spans the row
    iptw = [row for row in rows if row[1] == "IPTW Cox"]
    assert iptw[0][3].startswith("0.30 (") and iptw[0][4] == "<0.001"
    assert iptw[1][4] == "0.012"
    unadjusted = [row for row in rows if row[1] == "Unadjusted Cox"]
    assert unadjusted[0][4] == "0.46"
    assert unadjusted[1][3] == SEPARATION and unadjusted[1][4:6] == ["–", "–"]
    # the azathioprine contrast's weights fail diagnostics: a footnote letter after its HR
    azathioprine = rows.index(["Tacrolimus vs azathioprine"] * 9)
    assert rows[azathioprine + 1][3][-1].isalpha()


def test_adverse_events_round_noise_to_one_and_keep_text(written):
    rows = _cells(docx.Document(written / "manuscript.docx").tables[3])
    assert next(row for row in rows if row[0] == "Renal")[-1] == "1"
    assert any(row[0] == "=2+5" for row in rows)


def test_excel_sheets_and_cells(written, inputs):
    workbook = openpyxl.load_workbook(written / "manuscript.xlsx")
    expected = _expected_rows(inputs)
    assert workbook.sheetnames == list(expected)
    for name, rows in expected.items():
        sheet = workbook[name]
        assert sheet["A1"].value.startswith(f"{name}. ")
        body = [sheet.cell(4 + i, 1).value for i in range(rows)]
        assert all(value for value in body) and sheet.cell(4 + rows, 1).value is None
    sheet = workbook["Table 3"]
    iptw = next(row for row in sheet.iter_rows(min_row=4, values_only=True) if row[1] == "IPTW Cox")
    assert iptw[3].startswith("0.30 (") and iptw[4] == "<0.001"

    events = workbook["Table 4"]
    patient_text = next(row[0] for row in events.iter_rows(min_row=4) if row[0].value == "=2+5")
    assert patient_text.data_type == "s" and patient_text.quotePrefix
    with zipfile.ZipFile(written / "manuscript.xlsx") as archive:
        assert not any("<f>" in archive.read(name).decode() for name in archive.namelist() if "worksheets" in name)


def test_rewrites_are_byte_identical(inputs, written, tmp_path, monkeypatch):
    later = time.time() + 400 * 86400.0
    monkeypatch.setattr(time, "time", lambda: later)  # zip entries would carry this time
    tables = manuscript_tables(**inputs)
    write_docx(tables, tmp_path / "manuscript.docx")
    write_xlsx(tables, tmp_path / "manuscript.xlsx")
    for name in ("manuscript.docx", "manuscript.xlsx"):
        assert (tmp_path / name).read_bytes() == (written / name).read_bytes(), name
    with zipfile.ZipFile(io.BytesIO((written / "manuscript.docx").read_bytes())) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 3  # created, modified, last printed


def test_adverse_events_of_an_empty_group_have_no_p_value():
    """Fisher's test against a group without patients compares nothing: no p, and a footnote says why."""
    events = pd.DataFrame(
        {
            "cohort": "prospective",
            "category": ["opportunistic_infection"] * 2 + ["any"] * 2,
            "group": ["tacrolimus", "tacrolimus+pirfenidone"] * 2,
            "patients_with_event": [0, 2, 0, 3],
            "patients_at_risk": [0, 5, 0, 5],
            "percent": [math.nan, 40.0, math.nan, 60.0],
            "events": [0, 2, 0, 4],
            "grade3plus": 0,
            "serious": 0,
            "led_to_discontinuation": 0,
            "p_fisher": 1.0,
        }
    )
    table = adverse_event_table(events, "prospective", "Table 5")
    assert table.header[1] == "Tacrolimus (n = 0): patients, n (%)"
    assert [cell.text for cell in table.rows[0].cells] == [
        "Opportunistic infection",
        "0 (–)",
        "0",
        "0 / 0 / 0",
        "2 (40.0)",
        "2",
        "0 / 0 / 0",
        "–",
    ]
    assert table.rows[1].cells[-1] == Cell("–", "a")
    assert (
        table.footnotes[0].mark == "a" and table.footnotes[0].text == "Not estimable: a group has no patients at risk."
    )


def test_bootstrap_interval_joins_its_models_row(inputs):
    models = inputs["models"]
    main = models[(models["contrast"] == MAIN) & (models["model"] == "cox_iptw")]
    twins = main.assign(ci_low=[0.123456, math.nan], ci_high=[4.56789, math.nan], ci_method="bootstrap_percentile")
    twins["note"] = ["", "not estimable: 15 of 20 replicates failed (separation=15)"]
    table = hazard_ratio_table(pd.concat([models, twins]), None, "Table 3", bootstrap_level=0.9)
    assert table.header == ("Endpoint", "Model", "Events/n", "HR (95% CI)", "p", "Bootstrap 90% CI", "E-value (CI)")
    iptw = [line.cells for line in table.rows if not line.heading and line.cells[1].text == "IPTW Cox"]
    assert len(iptw) == len(models[models["model"] == "cox_iptw"])  # no row of its own for a bootstrap interval
    assert iptw[0][5] == Cell("0.12–4.57")
    assert iptw[1][5].text == "not estimable"
    assert {"Not estimable: 15 of 20 replicates failed (separation=15)."} <= {note.text for note in table.footnotes}
    assert any(note.text.startswith("Bootstrap 90% CI: percentile interval") for note in table.footnotes)
