"""Figures for a journal (issue 14, item 2), checked on the figures of the shared results folder
(``test_report_support``) and on hand-made tables:

- every PDF embeds its fonts as TrueType (Type 0 / CIDFontType2, matplotlib's ``pdf.fonttype: 42``),
  never Type 3; every PNG records 300 dpi; no figure is wider than a journal page (183 mm);
- no text is smaller than 7 pt, printed at the figure's size or shown in the report (images at
  most 1000 CSS px wide, 96 CSS px an inch);
- the same figure written twice is byte-identical;
- Kaplan-Meier figures mark censoring times (hand-computed) and label the numbers at risk;
- the two arms of every contrast differ in colour for colour-blind readers (Machado et al. 2009);
- covariates, p-values and panels are written for people.

The PDFs are read with the standard library: matplotlib writes its font dictionaries as plain
objects and its page content as zlib (FlateDecode) streams, whose ``Tf`` operators give each text's
size in points (its text matrices only rotate).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from PIL import Image
from test_report_support import shared_results

from myoild.contract import ADD_ON_DRUGS, IMMUNOSUPPRESSANTS
from myoild.contrasts import contrast_groups
from myoild.design import PAPER, StudyDesign
from myoild.figures.adverse_events import adverse_event_figure
from myoild.figures.balance import covariate_label, love_figure
from myoild.figures.km import kaplan_meier_figure, km_figure
from myoild.figures.style import RC_PARAMS, add_note, arm_colours, format_p, p_equals, panel_grid, save_figure
from myoild.figures.zph import VECTOR_POINTS_UP_TO, schoenfeld_panel
from myoild.stats import proportional_hazards_test, weighted_km
from myoild.tabular import read_tsv

RETRO_CONTRASTS, PROSP_CONTRAST = PAPER.retrospective_contrasts, PAPER.prospective_contrast

#: Journal page width (183 mm) in inches, smallest text in points, the report's widest image (CSS px).
PAGE_WIDTH = 7.2
MIN_POINTS = 7.0
REPORT_WIDTH_PX = 1000


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return shared_results(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def figures(results) -> list[Path]:
    stems = sorted({path.with_suffix("") for path in (results / "figures").glob("*.p[dn][fg]")})
    assert len(stems) >= 10
    return stems


def pdf_objects(pdf: bytes) -> list[bytes]:
    return re.findall(rb"\d+ 0 obj(.*?)endobj", pdf, flags=re.S)


def font_subtypes(pdf: bytes) -> list[str]:
    """The ``/Subtype`` of every font dictionary of the PDF."""
    subtypes = []
    for body in pdf_objects(pdf):
        head = body.split(b"stream", 1)[0]
        if re.search(rb"/Type\s*/Font\b", head):
            subtypes.append(re.search(rb"/Subtype\s*/(\w+)", head).group(1).decode())
    return subtypes


def text_sizes(pdf: bytes) -> list[float]:
    """The size in points of every ``Tf`` (select font) in the PDF's compressed content streams."""
    sizes = []
    for body in pdf_objects(pdf):
        match = re.search(rb"stream\r?\n(.*)\r?\nendstream", body, flags=re.S)
        if match and b"/FlateDecode" in body.split(b"stream", 1)[0]:
            content = zlib.decompress(match.group(1))
            sizes += [float(size) for size in re.findall(rb"/\S+\s+([\d.]+)\s+Tf", content)]
    return sizes


def page_width_inches(pdf: bytes) -> float:
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return (float(box.group(3)) - float(box.group(1))) / 72


# ---- every figure of a run --------------------------------------------------------------------
def test_pdfs_embed_truetype_fonts_never_type3(figures):
    for stem in figures:
        pdf = stem.with_suffix(".pdf").read_bytes()
        subtypes = font_subtypes(pdf)
        assert subtypes, stem.name
        assert set(subtypes) <= {"Type0", "CIDFontType2", "TrueType"}, (stem.name, subtypes)
        assert b"/Type3" not in pdf and b"/FontFile2" in pdf, stem.name


def test_pngs_are_300_dpi_and_no_figure_is_wider_than_a_page(figures):
    for stem in figures:
        with Image.open(stem.with_suffix(".png")) as image:
            assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01), stem.name
            width_px = image.size[0]
        width = page_width_inches(stem.with_suffix(".pdf").read_bytes())
        assert width <= PAGE_WIDTH + 1e-6, stem.name
        assert width_px == pytest.approx(300 * width, abs=1), stem.name


def test_no_text_is_smaller_than_7_points_printed_or_in_the_report(figures):
    for stem in figures:
        pdf = stem.with_suffix(".pdf").read_bytes()
        sizes = text_sizes(pdf)
        assert sizes, stem.name
        with Image.open(stem.with_suffix(".png")) as image:
            width_px = image.size[0]
        # The report shows the PNG at most REPORT_WIDTH_PX CSS px wide: its inches over the figure's.
        report_scale = min(width_px, REPORT_WIDTH_PX) / 96 / page_width_inches(pdf)
        assert min(sizes) >= MIN_POINTS, (stem.name, min(sizes))
        assert min(sizes) * report_scale >= MIN_POINTS, (stem.name, min(sizes) * report_scale)


def test_a_figure_written_twice_is_byte_identical(results, tmp_path):
    """A second write of a shared figure (fonts subset and embedded again) gives the same bytes."""
    tables = results / "tables"
    km, at_risk, models = (read_tsv(tables / f"{name}.tsv") for name in ("km", "km_at_risk", "survival_models"))
    name = f"km_{RETRO_CONTRASTS[0]}_weighted"
    for path in km_figure(km, at_risk, models, RETRO_CONTRASTS[0], True, tmp_path / name):
        assert path.read_bytes() == (results / "figures" / path.name).read_bytes()


# ---- Kaplan-Meier: censoring marks and numbers at risk ----------------------------------------
CONTRAST = "tacrolimus_vs_conventional"
#: Tacrolimus: events at 2, 3, 8, censored at 3 and 5; conventional: censored at 1 and twice at 6, an event at 4.
PATIENTS = pd.DataFrame(
    {
        "arm": ["tacrolimus"] * 5 + ["conventional"] * 4,
        "time": [2, 3, 3, 5, 8, 1, 4, 6, 6],
        "event": [1, 1, 0, 0, 1, 0, 1, 0, 0],
    }
)
#: Hand-computed marks (time, S(t)): tacrolimus S = 4/5 after day 2, 4/5 * 3/4 = 0.6 after day 3;
#: conventional S = 1 until day 4, then 2/3.
MARKS = {"tacrolimus": ([3, 5], [0.6, 0.6]), "conventional": ([1, 6], [1.0, 2 / 3])}


def km_table(censored: bool) -> pd.DataFrame:
    """The two arms' curves as ``tables/km.tsv`` holds them: a day-0 row, then ``weighted_km``'s rows."""
    parts = []
    for arm, rows in PATIENTS.groupby("arm", sort=False):
        curve = weighted_km(rows, "time", "event", censored=censored)
        start = {"time_days": 0.0, "n_risk": len(rows), "n_event": 0, "n_censor": 0, "survival": 1.0}
        parts.append(pd.concat([pd.DataFrame([start | {"ci_low": 1.0, "ci_high": 1.0}]), curve]).assign(group=arm))
    table = pd.concat(parts, ignore_index=True)
    return table.assign(contrast=CONTRAST, endpoint="death", weighted=False)


AT_RISK = pd.DataFrame(
    {
        "contrast": CONTRAST,
        "endpoint": "death",
        "group": ["tacrolimus"] * 3 + ["conventional"] * 3,
        "time_days": [0, 4, 8] * 2,
        "n_risk": [5, 2, 1, 4, 3, 0],
        "n_risk_weighted": np.nan,
    }
)
MODELS = pd.DataFrame(
    [{"contrast": CONTRAST, "endpoint": "death", "model": "cox_unadjusted", "hr": 2.5, "ci_low": 0.25,
      "ci_high": 25.0, "logrank_p": 0.4321, "note": ""}]
)  # fmt: skip


def _marks(ax) -> dict[str, tuple[list, list]]:
    by_colour = {colour: group for group, colour in arm_colours(contrast_groups(CONTRAST)).items()}
    return {
        by_colour[line.get_color()]: (list(line.get_xdata()), list(line.get_ydata()))
        for line in ax.get_lines()
        if line.get_marker() == "+"
    }


def test_kaplan_meier_marks_the_censoring_times_on_the_curve():
    fig = kaplan_meier_figure(km_table(censored=True), AT_RISK, MODELS, CONTRAST, False)
    marks = _marks(fig.axes[0])
    assert marks.keys() == MARKS.keys()
    for group, (times, survival) in MARKS.items():
        assert marks[group][0] == times
        assert marks[group][1] == pytest.approx(survival)
    assert "Censored" in [text.get_text() for text in fig.legends[0].get_texts()]


def test_kaplan_meier_without_censoring_rows_says_so_instead_of_showing_part_of_the_marks():
    events_only = km_table(censored=False)
    assert events_only["n_censor"].sum() == 1  # the censoring tied with tacrolimus's event on day 3
    fig = kaplan_meier_figure(events_only, AT_RISK, MODELS, CONTRAST, False)
    assert _marks(fig.axes[0]) == {}
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert any("censoring times not in the table" in text for text in texts)
    assert "Censored" not in [text.get_text() for text in fig.legends[0].get_texts()]


def test_numbers_at_risk_rows_are_labelled_with_the_group_names():
    fig = kaplan_meier_figure(km_table(censored=True), AT_RISK, MODELS, CONTRAST, False)
    texts = {text.get_text(): text.get_color() for text in fig.axes[0].texts}
    assert texts["Tacrolimus"] == "#000000"
    assert texts["Conventional"] == "#D55E00"
    assert {"5", "2", "1", "4", "3", "0"} <= texts.keys()
    fit = next(text for text in texts if text.startswith("HR "))
    assert fit == "HR 2.500 (0.250–25.000), unadjusted Cox\nlog-rank test p = 0.43"


# ---- colours for colour-blind readers ---------------------------------------------------------
#: Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
CVD = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}


def cielab(colour: str, vision: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour as seen with ``vision``."""
    srgb = np.array(to_rgb(colour))
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(vision @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_cielab_of_known_colours():
    assert cielab("#FFFFFF", CVD["normal"]) == pytest.approx([100, 0, 0], abs=0.05)
    assert cielab("#FF0000", CVD["normal"]) == pytest.approx([53.24, 80.09, 67.20], abs=0.1)


def test_the_arms_of_every_contrast_differ_for_colour_blind_readers():
    """Old colours fail this: tacrolimus #0072B2 vs azathioprine #56B4E9 are 25 CIELAB units apart.
    Every study design's contrasts are checked: any treatment, every comparator, every add-on."""
    assert np.linalg.norm(cielab("#0072B2", CVD["normal"]) - cielab("#56B4E9", CVD["normal"])) < 30
    designs = [
        StudyDesign(treatment=drug, comparators=tuple(d for d in IMMUNOSUPPRESSANTS if d != drug), add_on=add_on)
        for drug in IMMUNOSUPPRESSANTS
        for add_on in ADD_ON_DRUGS
        if add_on != drug
    ]
    contrasts = {contrast for design in designs for contrast in design.contrasts}
    assert {*RETRO_CONTRASTS, PROSP_CONTRAST} <= contrasts
    for contrast in contrasts:
        first, second = arm_colours(contrast_groups(contrast)).values()
        for vision, matrix in CVD.items():
            distance = np.linalg.norm(cielab(first, matrix) - cielab(second, matrix))
            assert distance >= 50, (contrast, vision, distance)


# ---- labels and p-values ----------------------------------------------------------------------
def test_covariates_are_labelled_as_tables_1_and_2_name_them():
    assert covariate_label("age_years") == "Age (years)"
    assert covariate_label("sex", "M") == "Sex: M"
    assert covariate_label("diagnosis", "CADM") == "Diagnosis: CADM"
    assert covariate_label("initial_pred_mg_day", np.nan) == "Initial prednisolone dose (mg/day)"
    assert covariate_label("ivig", "") == "IVIg"
    assert covariate_label("smoking_history") == "Smoking history"
    assert covariate_label("some_new_flag") == "Some new flag"


def test_balance_plot_shows_readable_covariate_labels(results):
    balance = read_tsv(results / "tables/balance.tsv")
    fig = love_figure(balance)
    labels = [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    assert labels[0] == "Age (years)" and "Sex: M" in labels and "Diagnosis: CADM" in labels
    assert not any("_" in label or "=" in label for label in labels)
    assert [ax.get_title() for ax in fig.axes][:2] == ["Tacrolimus vs conventional", "Tacrolimus vs cyclophosphamide"]


def test_p_values_are_written_in_one_format():
    assert format_p(0.9999999999998742) == "1.0"
    assert format_p(0.52) == "0.52"
    assert format_p(0.0634) == "0.063"
    assert format_p(0.05) == "0.050"
    assert format_p(0.00123) == "0.0012"
    assert format_p(0.000999) == "<0.001"
    assert format_p(np.nan) == ""
    assert p_equals(0.0004) == "p < 0.001" and p_equals(0.43) == "p = 0.43" and p_equals(None) == "p not estimable"


def test_adverse_event_p_values_sit_in_their_own_panel(results):
    events = read_tsv(results / "tables/adverse_events.tsv")
    fig = adverse_event_figure(events)
    bars, p_panel = fig.axes[0], fig.axes[1]
    assert p_panel.get_title() == "p"
    written = [text.get_text() for text in p_panel.texts]
    retrospective = events[(events["cohort"] == "retrospective") & (events["group"] == "tacrolimus")]
    assert len(written) == len(retrospective)
    assert set(written) == {format_p(p) or "\u2013" for p in retrospective["p_fisher"]}
    assert all(re.fullmatch(r"<0\.001|\d\.\d+|\u2013", text) for text in written)
    assert not any("p" in text.get_text() for text in bars.texts)  # the bars carry n/N only
    assert [tick.get_text() for tick in bars.get_yticklabels()][0] == "Any adverse event"


def _note_figure():
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(2, 2, 2.0)
        for ax in axes:
            ax.plot([0, 365], [1.0, 0.4])
            ax.set_ylabel("Survival probability")
            ax.set_xlabel("Days since start of treatment")
        add_note(fig, "Counts under 5 are shown as <5. " * 4)
    return fig


def test_pdf_has_the_layout_of_the_png(tmp_path):
    """The PDF is drawn with the positions the PNG's layout gave (one layout per figure), not a
    layout of its own at 72 dpi, which moves the panels by a fraction of a point."""
    png_only = _note_figure()
    with plt.rc_context(RC_PARAMS):
        png_only.savefig(tmp_path / "alone.png", metadata={"Software": None})
    expected = [ax.get_position().bounds for ax in png_only.axes]
    both = _note_figure()
    save_figure(both, tmp_path / "both")
    assert [ax.get_position().bounds for ax in both.axes] == expected
    assert (tmp_path / "both.png").read_bytes() == (tmp_path / "alone.png").read_bytes()


@pytest.mark.parametrize("n_events, rasterized", [(300, False), (VECTOR_POINTS_UP_TO + 500, True)])
def test_schoenfeld_points_are_vector_marks_unless_there_are_too_many(n_events, rasterized):
    """A panel's residuals are vector marks in the PDF up to ``VECTOR_POINTS_UP_TO`` points and an
    image beyond (a million patients give some 150,000 per panel: seconds and megabytes as marks)."""
    rng = np.random.default_rng(7)
    n = n_events + 50
    data = pd.DataFrame(
        {"time": rng.exponential(200.0, n).round() + 1, "event": (np.arange(n) >= 50).astype(int)}
    ).assign(treated=rng.integers(0, 2, n))
    result = proportional_hazards_test(data, "time", "event", "treated")
    with plt.rc_context(RC_PARAMS):
        fig, axes = panel_grid(1, 1, 3.0)
        schoenfeld_panel(axes[0], "Death", result)
    assert [collection.get_rasterized() for collection in axes[0].collections] == [rasterized]
    plt.close(fig)
