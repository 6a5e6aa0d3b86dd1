"""The report: every section, in reading order, on one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

from myoild.manifest import recorded_config
from myoild.report.adverse_events import adverse_events_section
from myoild.report.cohort import characteristics_section, flow_section
from myoild.report.folder import ResultsFolder
from myoild.report.hrct import hrct_section
from myoild.report.html import paragraph
from myoild.report.methods import methods_section
from myoild.report.page import render_page
from myoild.report.reviewer import reviewer_section
from myoild.report.scales import scales_section
from myoild.report.summary import summary_section
from myoild.report.survival import hazard_ratio_section, km_section, propensity_section
from myoild.report.validation import validation_section

TITLE = "myoild: tacrolimus in myositis-associated interstitial lung disease"
INTRODUCTION = paragraph(
    "A reproduction of Chen et al., Front. Immunol. 2022;13:978429 (doi:10.3389/fimmu.2022.978429): IPTW-weighted "
    "survival in the retrospective cohort, assessment scales, HRCT and adverse events in the prospective cohort. "
    "Every number below is read from the tables of this run."
)


def build_report(results_dir: Path, config: dict, versions: dict[str, str]) -> str:
    """The HTML text of ``report.html`` from the finished tables and figures under ``results_dir``.

    Same inputs, same bytes: no timestamps or paths of this machine, a fixed section order and the
    figures' PNG bytes embedded as base64. The config is shown as the manifest records it, without
    the keys that only say where the run wrote (``myoild.manifest.recorded_config``).
    """
    config = recorded_config(config)
    results = ResultsFolder(Path(results_dir))
    sections = [
        summary_section(results, config),
        flow_section(results),
        characteristics_section(results, "retrospective"),
        characteristics_section(results, "prospective"),
        propensity_section(results),
        hazard_ratio_section(results),
        km_section(results),
        reviewer_section(results),
        scales_section(results),
        hrct_section(results),
        adverse_events_section(results),
        methods_section(results, config, versions),
        validation_section(results),
    ]
    return render_page(TITLE, INTRODUCTION, sections)
