"""Data protection beyond the report's tables (issue 13, item 4): the Kaplan-Meier figures' numbers at
risk and the adverse-event chart's n/N follow ``report.min_cell_count`` as the report does
(``myoild.disclosure``); the manuscript workbook keeps every text that a spreadsheet would read as a
formula (OWASP's list: a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) as text; the
machine TSVs keep such text exactly, with no prefix (docs/RESULTS.md, "Formula-like text")."""

from __future__ import annotations

import io
import re
import zipfile

import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.text import Text
from test_figures_journal import AT_RISK, CONTRAST, MODELS, km_table
from test_report_support import shared_results

from myoild.contract import AE_ANY, AE_CATEGORIES
from myoild.disclosure import Disclosure
from myoild.figures.adverse_events import adverse_event_figure
from myoild.figures.hrct import hrct_figure
from myoild.figures.km import kaplan_meier_figure
from myoild.figures.scales import scale_boxplot_figure, scale_group_figure
from myoild.manuscript import Cell, ManuscriptTable, xlsx_bytes
from myoild.manuscript.layout import row
from myoild.tabular import read_tsv, write_tsv

SMALL = Disclosure(min_cell_count=5)
#: First characters that make a spreadsheet (or a CSV import) read a cell as a formula (OWASP, "CSV
#: Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def texts(fig: plt.Figure) -> list[str]:
    """Every text of ``fig`` (panels, legends, notes), which is then closed."""
    found = [text.get_text() for text in fig.findobj(Text)]
    plt.close(fig)
    return found


# --- Kaplan-Meier numbers at risk ------------------------------------------------------------------


def test_kaplan_meier_numbers_at_risk_hide_small_counts_as_the_report_does():
    """AT_RISK counts 5, 2, 1 (tacrolimus) and 4, 3, 0 (conventional) patients."""
    shown = set(texts(kaplan_meier_figure(km_table(censored=True), AT_RISK, MODELS, CONTRAST, False)))
    assert {"5", "2", "1", "4", "3", "0"} <= shown and "<5" not in shown
    hidden = texts(kaplan_meier_figure(km_table(censored=True), AT_RISK, MODELS, CONTRAST, False, SMALL))
    assert {"5", "<5", "0"} <= set(hidden) and not {"1", "2", "3", "4"} & set(hidden)
    assert hidden.count("<5") == 4 and SMALL.note in hidden


def test_weighted_kaplan_meier_hides_the_small_count_and_keeps_its_sum_of_weights():
    """As the report's table of numbers at risk: the patients hidden, the sum of weights after them."""
    models = MODELS.assign(model="cox_iptw")
    at_risk = AT_RISK.assign(n_risk_weighted=AT_RISK["n_risk"] * 1.5)
    fig = kaplan_meier_figure(km_table(censored=True).assign(weighted=True), at_risk, models, CONTRAST, True, SMALL)
    found = set(texts(fig))
    assert {"5\n(7.5)", "<5\n(3.0)", "<5\n(1.5)", "0\n(0.0)"} <= found and "2\n(3.0)" not in found


# --- Adverse-event chart -----------------------------------------------------------------------------


def adverse_events(with_event: dict[str, dict[str, int]], at_risk: dict[str, int]) -> pd.DataFrame:
    """A retrospective tables/adverse_events.tsv: patients with an event per group and category (0
    where not given) of ``at_risk`` patients per group."""
    rows = []
    for category in (AE_ANY, *AE_CATEGORIES):
        for group, n in at_risk.items():
            count = with_event[group].get(category, 0)
            rows.append((category, group, count, n, 100 * count / n))
    columns = ["category", "group", "patients_with_event", "patients_at_risk", "percent"]
    return pd.DataFrame(rows, columns=columns).assign(cohort="retrospective", p_fisher=0.5)


def test_adverse_event_chart_hides_small_counts_and_their_bars():
    """A hidden n loses its bar too (its percentage of a shown N would give it back), as the report's
    adverse-event table drops a hidden n's percentage."""
    first, second = dict.fromkeys(AT_RISK["group"])  # the groups of the Kaplan-Meier tests' contrast
    table = adverse_events(
        {first: {AE_ANY: 6, AE_CATEGORIES[0]: 3}, second: {AE_ANY: 3, AE_CATEGORIES[0]: 2}}, {first: 12, second: 4}
    )
    fig = adverse_event_figure(table)
    widths = sorted(bar.get_width() for bar in fig.axes[0].patches if bar.get_width() > 0)
    assert widths == [25.0, 50.0, 50.0, 75.0]
    assert {"6/12", "3/12", "0/12", "3/4", "2/4", "0/4"} <= set(texts(fig))
    fig = adverse_event_figure(table, SMALL)
    assert [bar.get_width() for bar in fig.axes[0].patches if bar.get_width() > 0] == [50.0]
    found = texts(fig)
    labels = [text for text in found if re.fullmatch(r"[<\d]+/[<\d]+", text)]
    assert {"6/12", "<5/12", "0/12", "<5/<5", "0/<5"} == set(labels)
    assert any(text.endswith("(N=12)") for text in found) and any(text.endswith("(N=<5)") for text in found)
    assert any(SMALL.note in text and "Bars of hidden counts are not drawn." in text for text in found)


def test_scale_and_hrct_figures_hide_small_numbers_of_patients(tmp_path):
    """Every analysed group of the shared results has fewer than 10,000 patients: each n shows as
    ``<10000`` (zero stays 0), and the note says so."""
    results = shared_results(tmp_path)
    hidden = Disclosure(min_cell_count=10_000)
    scales = read_tsv(results / "tables/scales.tsv")
    for figure in (scale_boxplot_figure(scales, disclosure=hidden), scale_group_figure(scales, disclosure=hidden)):
        found = texts(figure)
        counts = [text.split("\n")[-1] for text in found if "\nn=" in text]
        assert counts and all(re.fullmatch(r"n=(<10000|0)(/(<10000|0))?", text) for text in counts), counts
        assert hidden.note in " ".join(" ".join(found).split())  # the note is wrapped to the figure's width
    found = texts(hrct_figure(read_tsv(results / "tables/hrct_deltas.tsv"), hidden))
    counts = [text.split("\n")[-1] for text in found if "\nn=" in text]
    assert counts and set(counts) <= {"n=<10000", "n=0"}, counts
    assert hidden.note in " ".join(" ".join(found).split())


def test_adverse_event_chart_names_the_designs_window():
    table = adverse_events({"tacrolimus": {}, "conventional": {}}, {"tacrolimus": 10, "conventional": 10})
    assert any("onset within 730 days" in text for text in texts(adverse_event_figure(table, window_days=730)))


# --- Spreadsheets and machine tables -----------------------------------------------------------------

#: Text a manuscript cell could hold: anything XML 1.0 can carry (no other control character, which
#: validation refuses in the input), starting with a formula character.
FORMULA_LIKE = st.builds(
    str.__add__,
    st.sampled_from(FORMULA_STARTS),
    st.text(st.characters(exclude_categories=("Cc", "Cs", "Cn")) | st.sampled_from("\t\r\n"), max_size=12),
)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(FORMULA_LIKE, min_size=1, max_size=4))
def test_manuscript_workbook_keeps_any_formula_like_text_as_exact_text(values):
    """test_data_protection checks ``=``, ``+``, ``-``, ``@``; here also a leading tab or carriage
    return, any text after them, and footnote marks (rich text)."""
    header = tuple(f"Column {i}" for i in range(len(values)))
    table = ManuscriptTable("Table 1", "Title", header, (row(*values), row(*(Cell(v, "a") for v in values))))
    data = xlsx_bytes([table])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    cells = openpyxl.load_workbook(io.BytesIO(data), rich_text=False)["Table 1"]
    plain, marked = cells[4][: len(values)], cells[5][: len(values)]
    assert all(cell.data_type == "s" for cell in plain + marked)
    assert [cell.value for cell in plain] == values
    assert [str(cell.value) for cell in marked] == [f"{value}a" for value in values]


def test_tsv_tables_keep_formula_like_text_exactly_without_a_prefix(tmp_path):
    """A TSV is for programs: a patient id ``=2+5`` stays ``=2+5`` (a spreadsheet's quote prefix
    would change the data); docs/RESULTS.md tells people to import TSVs as text."""
    values = ["=2+5", "+1", "-3", "@SUM(A1:A2)", "\t=1+1", '=HYPERLINK("http://x","y")']
    table = pd.DataFrame({"patient_ids": values, "n": range(len(values))})
    write_tsv(table, tmp_path / "ids.tsv")
    pd.testing.assert_frame_equal(read_tsv(tmp_path / "ids.tsv"), table)
    text = (tmp_path / "ids.tsv").read_text(encoding="utf-8")
    assert text.startswith("patient_ids\tn\n=2+5\t0\n+1\t1\n-3\t2\n@SUM(A1:A2)\t3\n")


def test_tsv_tables_keep_a_carriage_return_in_text_exactly(tmp_path):
    """CSV's minimal quoting leaves a carriage return unquoted, and a reader ends the row there:
    ``"\\r=1+1"`` came back as ``"=1+1"``."""
    table = pd.DataFrame({"patient_ids": ["\r=1+1", "P\r2", "plain", float("nan")], "n": [1, 2, 3, 4]})
    write_tsv(table, tmp_path / "ids.tsv")
    pd.testing.assert_frame_equal(read_tsv(tmp_path / "ids.tsv"), table)
