"""The Snakemake report (``snakemake --report report.zip``): every figure and human-readable table is
tagged with ``report()``, a caption under workflow/report/ and a category; after a small run the
zip holds them, in their categories, with their captions and their bytes, and needs no network.

Machine tables (TSV) are left out on purpose: they keep every count and patient identifier, and a
report zip is made to be passed around."""

import json
import re
import zipfile
from pathlib import Path

import pytest

from myoild.synth import generate_cohort, write_cohort
from test_workflow_runs import ROOT, run

RULES = ROOT / "workflow" / "rules"
CAPTIONS = ROOT / "workflow" / "report"
#: Targets that reach every category but the manuscript tables and report.html, which need the
#: whole run (the static test below covers their tags).
TARGETS = (
    "figure_flow",
    "report_run/tables/table1_retrospective.md",
    "figure_balance",
    "figure_forest",
    "figure_schoenfeld",
    "figure_hrct",
    "figure_adverse_events",
)
#: What the report of those targets holds: results path -> (category, subcategory).
EXPECTED = {
    **{f"figures/flow.{ext}": ("Cohort", "Patient flow") for ext in ("png", "pdf")},
    "tables/table1_retrospective.md": ("Cohort", "Table 1 and Table 2"),
    **{
        f"figures/{name}.{ext}": ("Propensity weighting", "Other")
        for name in ("balance", "ps_overlap")
        for ext in ("png", "pdf")
    },
    **{f"figures/forest.{ext}": ("Survival", "Hazard ratios") for ext in ("png", "pdf")},
    **{f"figures/schoenfeld.{ext}": ("Reviewer analyses", "Proportional hazards") for ext in ("png", "pdf")},
    **{f"figures/hrct_change.{ext}": ("Prospective", "HRCT") for ext in ("png", "pdf")},
    **{f"figures/adverse_events.{ext}": ("Adverse events", "Other") for ext in ("png", "pdf")},
}


def report_data(html: str, name: str):
    """One of the JavaScript objects Snakemake's report.html embeds (``var name = {...};``)."""
    found = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', html, re.S)
    assert found, f"no {name} in report.html"
    return json.loads(found.group(1))


@pytest.mark.slow
def test_the_report_holds_the_tagged_figures_and_tables_in_their_categories(tmp_path):
    write_cohort(generate_cohort(seed=5, n_retrospective=80, n_prospective=20), tmp_path / "cohort", fmt="csv")
    (tmp_path / "small.yaml").write_text("input_dir: cohort\nbootstrap: {replicates: 0}\n")
    run(tmp_path, "report_run", *TARGETS)
    run(tmp_path, "report_run", *TARGETS, "--report", str(tmp_path / "report.zip"))

    with zipfile.ZipFile(tmp_path / "report.zip") as archive:
        html = archive.read("report/report.html").decode("utf-8")
        categories, results = report_data(html, "categories"), report_data(html, "results")
        filed = {
            path: (category, subcategory)
            for category, subs in categories.items()
            for subcategory, paths in subs.items()
            for path in paths
        }
        assert filed == {f"report_run/{path}": place for path, place in EXPECTED.items()}
        for path in EXPECTED:
            record = results[f"report_run/{path}"]
            assert record["caption"].strip(), path
            assert archive.read(f"report/{record['data_uri']}") == (tmp_path / "report_run" / path).read_bytes()
    # Captions are rendered with the run's settings and wildcards.
    assert "Table 1: baseline" in results["report_run/tables/table1_retrospective.md"]["caption"]
    assert (
        'tables.categorical_test</tt> =\n<tt class="docutils literal">auto'
        in results["report_run/tables/table1_retrospective.md"]["caption"]
    )
    # Everything is inside the file: no script or style sheet is loaded from the network.
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', html)


def output_items(rule_file: Path) -> list[str]:
    """The output items of every rule in ``rule_file`` (a named output with its whole wrapper)."""
    items = []
    for section in re.findall(r"\n    output:\n(.*?)(?=\n    \w+:|\Z)", rule_file.read_text(), re.S):
        items += re.split(r"\n(?=        \S)", section)
    return items


def test_every_figure_and_human_table_is_tagged_with_a_caption_and_a_category():
    human = re.compile(r"/figures/|report\.html|manuscript\.(docx|xlsx)|table1_\{\{cohort\}\}\.md")
    machine = re.compile(r"\.(tsv|parquet|json)\"")
    tagged = 0
    for rule_file in sorted(RULES.glob("*.smk")):
        for item in output_items(rule_file):
            wrapped = re.match(r"\s*(\w+=)?report\(", item) is not None
            where = f"{rule_file.name}: {item.strip().splitlines()[0]}"
            if human.search(item):
                assert wrapped, f"not tagged for the report: {where}"
                assert re.search(r'caption="\.\./report/\w+\.rst"', item) and 'category="' in item, where
                tagged += 1
            elif machine.search(item):
                assert not wrapped, f"a machine table tagged for the report: {where}"
    assert tagged >= 15


def test_every_caption_file_is_used_and_every_used_one_exists():
    used = {
        match
        for rule_file in RULES.glob("*.smk")
        for match in re.findall(r'caption="\.\./report/(\w+\.rst)"', rule_file.read_text())
    }
    assert used == {path.name for path in CAPTIONS.glob("*.rst")}
