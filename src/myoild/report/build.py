"""The report: every section, in reading order, on one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

from myoild.design import StudyDesign
from myoild.disclosure import Disclosure
from myoild.manifest import recorded_config
from myoild.report.adverse_events import adverse_events_section
from myoild.report.cohort import characteristics_section, flow_section
from myoild.report.folder import ResultsFolder
from myoild.report.hrct import hrct_section
from myoild.report.html import Markup, paragraph
from myoild.report.methods import methods_section
from myoild.report.page import render_page
from myoild.report.reviewer import reviewer_section
from myoild.report.scales import scales_section
from myoild.report.summary import compares_with_paper, summary_section
from myoild.report.survival import hazard_ratio_section, km_section, propensity_section
from myoild.report.validation import validation_section

PAPER_REFERENCE = "Chen et al., Front. Immunol. 2022;13:978429 (doi:10.3389/fimmu.2022.978429)"
ANALYSES = (
    "IPTW-weighted survival in the retrospective cohort, assessment scales, HRCT and adverse events in the "
    "prospective cohort. Every number below is read from the tables of this run."
)


def title(design: StudyDesign) -> str:
    return f"myoild: {design.treatment} in myositis-associated interstitial lung disease"


def introduction(design: StudyDesign) -> str:
    """A reproduction of the paper for its design; its analysis applied to another one's settings."""
    if compares_with_paper(design):
        return paragraph(f"A reproduction of {PAPER_REFERENCE}: {ANALYSES}")
    return paragraph(
        f"The analysis of {PAPER_REFERENCE}, in this study's design ({design.treatment}; settings under Methods): "
        f"{ANALYSES}"
    )


def build_report(results_dir: Path, config: dict, versions: dict[str, str]) -> str:
    """The HTML text of ``report.html`` from the finished tables and figures under ``results_dir``.

    Same inputs, same bytes: no timestamps or paths of this machine, a fixed section order and the
    figures' PNG bytes embedded as base64. The config is shown as the manifest records it, without
    the paths of the machine (``myoild.manifest.recorded_config``). Patient identifiers and small
    counts of patients only as config ``report`` allows (``myoild.disclosure``).
    """
    disclosure = Disclosure.from_config(config.get("report"))
    design = StudyDesign.from_config(config)
    config = recorded_config(config)
    results = ResultsFolder(Path(results_dir))
    sections = [
        summary_section(results, config, disclosure, design),
        flow_section(results, disclosure),
        characteristics_section(results, "retrospective", disclosure),
        characteristics_section(results, "prospective", disclosure),
        propensity_section(results, disclosure),
        hazard_ratio_section(results, disclosure),
        km_section(results, disclosure, design),
        reviewer_section(results, disclosure, design),
        scales_section(results, disclosure),
        hrct_section(results, disclosure),
        adverse_events_section(results, disclosure, design),
        methods_section(results, config, versions),
        validation_section(results, disclosure),
    ]
    text = Markup(introduction(design) + (paragraph(disclosure.note, "note") if disclosure.note else ""))
    return render_page(title(design), text, sections)
