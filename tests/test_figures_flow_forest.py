"""The patient flow diagram and the forest plot: content on hand-made tables, order, edge cases,
byte-identical PNG and PDF without run-dependent metadata."""

import math

import numpy as np
import pandas as pd
import pytest

from myoild.figures.flow import cohort_counts, flow_diagram, flow_figure
from myoild.figures.forest import forest_figure, forest_plot
from myoild.labels import reason_label
from myoild.model_rows import format_hr, format_hr_ci, ordered_models

FLOW = pd.DataFrame(
    [
        ("retrospective", "screened", 10, None),
        ("retrospective", "excluded", 2, "diagnosis_IBM"),
        ("retrospective", "excluded", 0, "diagnosis_overlap"),
        ("retrospective", "excluded", 1, "no_immunosuppressant_within_30_days"),
        ("retrospective", "analysed", 4, "tacrolimus"),
        ("retrospective", "analysed", 3, "conventional"),
        ("prospective", "screened", 6, None),
        ("prospective", "excluded", 1, "withdrawn_lost_to_follow_up"),
        ("prospective", "analysed", 2, "tacrolimus"),
        ("prospective", "analysed", 3, "tacrolimus+pirfenidone"),
    ],
    columns=["cohort", "step", "n", "reason"],
)


def _texts(fig) -> list[str]:
    return [text.get_text() for ax in fig.axes for text in ax.texts]


def test_reason_labels_are_written_for_people():
    assert reason_label("diagnosis_cancer_associated") == "Diagnosis: cancer associated"
    assert reason_label("exclusion_criterion_active_tuberculosis") == "Exclusion criterion: active tuberculosis"
    assert reason_label("withdrawn_lost_to_follow_up") == "Withdrawn: lost to follow up"
    assert reason_label("age_under_18") == "Age under 18"


def test_flow_diagram_has_one_column_per_cohort_with_every_count():
    fig = flow_figure(FLOW)
    assert [ax.get_title() for ax in fig.axes] == ["Retrospective cohort", "Prospective cohort"]
    retrospective = [text.get_text() for text in fig.axes[0].texts]
    # 10 screened = 3 excluded (2 + 0 + 1) + 7 analysed (4 + 3).
    assert "Screened\nn = 10" in retrospective
    # A reason longer than the box's line wraps with a hanging indent (the figure is a page wide).
    assert "Excluded, n = 3\nDiagnosis: IBM: 2\nNo immunosuppressant within 30\n  days: 1" in retrospective
    assert "Analysed\nn = 7" in retrospective
    assert {"Tacrolimus\nn = 4", "Conventional\nn = 3"} <= set(retrospective)
    assert not any("overlap" in text for text in retrospective)  # a reason counting nobody stays in the table only
    assert "Tacrolimus +\npirfenidone\nn = 3" in [text.get_text() for text in fig.axes[1].texts]


def test_flow_that_does_not_add_up_is_refused():
    broken = FLOW.copy()
    broken.loc[0, "n"] = 11
    with pytest.raises(ValueError, match="screened 11 != excluded 3 \\+ analysed 7"):
        flow_figure(broken)
    screened, excluded, analysed = cohort_counts(FLOW, "prospective")
    assert (screened, int(excluded["n"].sum()), int(analysed["n"].sum())) == (6, 1, 5)


def _model(contrast, endpoint, model, ci_method, hr, low, high):
    names = ("contrast", "endpoint", "model", "ci_method", "hr", "ci_low", "ci_high")
    return dict(zip(names, (contrast, endpoint, model, ci_method, hr, low, high)))


MODELS = pd.DataFrame(
    [
        _model("tacrolimus+pirfenidone_vs_tacrolimus", "death", "cox_unadjusted", "model", 0.5, 0.2, 1.25),
        _model("tacrolimus_vs_conventional", "relapse", "cox_unadjusted", "model", 0.9, 0.6, 1.35),
        _model("tacrolimus_vs_conventional", "relapse", "cox_iptw", "bootstrap_percentile", 0.8, 0.55, 1.3),
        _model("tacrolimus_vs_conventional", "relapse", "cox_iptw", "robust", 0.8, 0.5, 1.28),
        _model("tacrolimus_vs_conventional", "death", "cox_iptw", "robust", 0.627699940085, 0.31851897, 1.23699763),
        # No event in one arm: an estimate of ~0 with an infinite upper limit.
        _model("tacrolimus_vs_azathioprine", "death", "cox_iptw", "robust", 3e-9, 0.0, math.inf),
    ]
)


def test_models_are_ordered_contrast_endpoint_model_ci_method():
    ordered = ordered_models(MODELS)
    assert list(zip(ordered["contrast"], ordered["endpoint"], ordered["model"], ordered["ci_method"])) == [
        ("tacrolimus_vs_conventional", "death", "cox_iptw", "robust"),
        ("tacrolimus_vs_conventional", "relapse", "cox_iptw", "robust"),
        ("tacrolimus_vs_conventional", "relapse", "cox_iptw", "bootstrap_percentile"),
        ("tacrolimus_vs_conventional", "relapse", "cox_unadjusted", "model"),
        ("tacrolimus_vs_azathioprine", "death", "cox_iptw", "robust"),
        ("tacrolimus+pirfenidone_vs_tacrolimus", "death", "cox_unadjusted", "model"),
    ]


def test_hazard_ratios_are_written_to_three_decimals():
    assert format_hr_ci(0.627699940085, 0.31851897, 1.23699763) == "0.628 (0.319–1.237)"
    assert format_hr(3e-9) == "<0.001"
    assert format_hr(math.inf) == "inf"
    assert format_hr(np.nan) == "NA"


def test_forest_plot_rows_axis_and_written_intervals():
    fig = forest_figure(MODELS)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    low, high = ax.get_xlim()
    assert low < 1 < high
    assert any(np.allclose(line.get_xdata(), [1.0, 1.0]) for line in ax.get_lines())  # the line of no effect
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels[:5] == [
        "Tacrolimus vs conventional",
        "Death, IPTW Cox, robust CI",
        "Relapse, IPTW Cox, robust CI",
        "Relapse, IPTW Cox, bootstrap percentile CI",
        "Relapse, unadjusted Cox, model CI",
    ]
    bold = [tick.get_text() for tick in ax.get_yticklabels() if tick.get_fontweight() == "bold"]
    headers = ["Tacrolimus vs conventional", "Tacrolimus vs azathioprine", "Tacrolimus + pirfenidone vs tacrolimus"]
    assert bold == headers
    written = [text.get_text() for text in ax.texts]
    assert written[0] == "0.628 (0.319–1.237)"
    assert "<0.001 (<0.001–inf)" in written  # written although not drawn
    # The inestimable row's interval is cut at both axis limits: a line with arrowheads, no point.
    arrows = [line for line in ax.get_lines() if line.get_marker() in ("<", ">")]
    assert sorted(line.get_marker() for line in arrows) == ["<", ">"]


def test_figures_are_byte_identical_png_and_pdf_without_dates(tmp_path):
    for draw, table, name in ((flow_diagram, FLOW, "flow"), (forest_plot, MODELS, "forest")):
        first = draw(table, tmp_path / "a" / name)
        second = draw(table, tmp_path / "b" / name)
        assert [path.suffix for path in first] == [".png", ".pdf"]
        for one, two in zip(first, second):
            assert one.read_bytes() == two.read_bytes()
        pdf = first[1].read_bytes()
        assert b"CreationDate" not in pdf and b"ModDate" not in pdf
        assert first[0].read_bytes().startswith(b"\x89PNG")
